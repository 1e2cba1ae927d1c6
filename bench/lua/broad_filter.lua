-- bench/large.py's broad filter: one whole word, which about 8 % of the names hold.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
request = broad_filter
