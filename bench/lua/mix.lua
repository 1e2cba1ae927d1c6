-- 90 % reads (scenarios 1-3), 10 % writes (scenarios 4-5).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
request = function()
  local r = math.random(1, 100)
  if r <= 30 then return get_product() end
  if r <= 60 then return list_products() end
  if r <= 90 then return filter_products() end
  if r <= 95 then return post_product() end
  return put_product()
end
