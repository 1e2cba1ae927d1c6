-- Sends BENCH_SEED creates, then only GET /health until its thread stops (bench.py seed()).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
local target = tonumber(os.getenv("BENCH_SEED"))
local sent, done = 0, 0
request = function()
  sent = sent + 1
  if sent > target then return wrk.format("GET", "/health") end
  return wrk.format("POST", "/products/", json_headers, product_body(sent))
end
response = function(status)
  done = done + 1
  if done >= target then wrk.thread:stop() end
end
