-- wrk script: POST /products/ with a unique name per request (and per wrk thread).
local counter = 0
local thread_tag = tostring(math.random(1, 1e9))

request = function()
  counter = counter + 1
  local body = string.format(
    '{"name":"bench-%s-%d","price_shmeckles":%d,"price_flurbos":%d.5}',
    thread_tag, counter, counter % 1000, counter % 700)
  return wrk.format("POST", "/products/", {["Content-Type"] = "application/json"}, body)
end
