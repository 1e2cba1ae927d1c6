-- 90 % reads (scenarios 1-3), 10 % writes (scenarios 4-5).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
request = mixed_request
