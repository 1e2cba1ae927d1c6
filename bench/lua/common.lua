-- Shared by the benchmark scripts: the catalog's size comes from the environment.
products = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")
json_headers = {["Content-Type"] = "application/json"}
math.randomseed(os.time() + math.floor(os.clock() * 1e6))

words = {"portal", "plumbus", "meeseeks", "microverse", "butter", "szechuan", "cable",
         "dark", "matter", "pickle", "gun", "box", "battery", "robot", "sauce", "helmet",
         "squanchy", "flurbo", "schmeckle", "blaster", "crystal", "serum", "collar", "drive"}

function product_name(i)
  local a = words[(i * 7) % #words + 1]
  local b = words[(i * 13 + 5) % #words + 1]
  return string.format("%s %s %d-%d", a, b, i, math.random(1, 1e9))
end

function tag_list()
  local n = math.random(0, 3)
  local seen, out = {}, {}
  for _ = 1, n do
    local t = math.random(1, 50)
    if not seen[t] then seen[t] = true; out[#out + 1] = tostring(t) end
  end
  return "[" .. table.concat(out, ",") .. "]"
end

function product_body(i)
  return string.format(
    '{"name":"%s","price_shmeckles":%d.%d,"price_flurbos":%d,"category_id":%d,"tag_ids":%s}',
    product_name(i), math.random(1, 1000), math.random(0, 99), math.random(1, 700),
    math.random(1, 10), tag_list())
end

function get_product() return wrk.format("GET", "/products/" .. math.random(1, products)) end
function list_products() return wrk.format("GET", "/products/?limit=100") end

syllables = {"por", "plu", "mee", "mic", "but", "sze", "cab", "dar", "mat", "pic", "box", "bat"}
function filter_products()
  local s = syllables[math.random(1, #syllables)]
  return wrk.format("GET", "/products/?name=" .. s ..
    "&min_price_shmeckles=10&max_price_shmeckles=500&tag_ids=1,2&limit=50")
end

created = 0
function post_product()
  created = created + 1
  return wrk.format("POST", "/products/", json_headers, product_body(created))
end

function put_product()
  local body = string.format('{"price_shmeckles":%d.%d}', math.random(1, 1000), math.random(0, 99))
  return wrk.format("PUT", "/products/" .. math.random(1, products), json_headers, body)
end

-- The mixed scenario: 90 % reads (scenarios 1-3), 10 % writes (scenarios 4-5).
function mixed_request()
  local r = math.random(1, 100)
  if r <= 30 then return get_product() end
  if r <= 60 then return list_products() end
  if r <= 90 then return filter_products() end
  if r <= 95 then return post_product() end
  return put_product()
end

-- The audit proofs (bench/proofs.py): a size uniform over the log's BENCH_EVENTS events, and
-- a position (or an earlier size) uniform within it, so every path length is asked for.
log_events = tonumber(os.getenv("BENCH_EVENTS") or "10000")
function inclusion_proof()
  local size = math.random(1, log_events)
  return wrk.format("GET", "/audit/proof/inclusion?position=" .. math.random(1, size) ..
    "&tree_size=" .. size)
end

function consistency_proof()
  local second = math.random(1, log_events)
  return wrk.format("GET", "/audit/proof/consistency?first=" .. math.random(1, second) ..
    "&second=" .. second)
end

-- The large catalog's filters (bench/large.py, which draws the same parameters in Python to
-- check X-Total-Count). The shopper's: a 3-5 letter fragment of one of the words, a price
-- window 20-200 shmeckles wide starting in 1..900, and one or two tags.
function shopper_filter()
  local w = words[math.random(1, #words)]
  local len = math.min(#w, math.random(3, 5))
  local from = math.random(1, #w - len + 1)
  local low = math.random(1, 900)
  local tags = tostring(math.random(1, 50))
  if math.random(1, 2) == 2 then tags = tags .. "," .. math.random(1, 50) end
  return wrk.format("GET", "/products/?name=" .. w:sub(from, from + len - 1) ..
    "&min_price_shmeckles=" .. low .. "&max_price_shmeckles=" .. (low + math.random(20, 200)) ..
    "&tag_ids=" .. tags .. "&limit=20")
end

-- The broad one: a whole word; each name holds two of the 24, so one matches about 8 %.
function broad_filter()
  return wrk.format("GET", "/products/?name=" .. words[math.random(1, #words)] .. "&limit=20")
end
