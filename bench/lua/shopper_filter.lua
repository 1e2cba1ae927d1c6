-- bench/large.py's shopper's filter: a name fragment, a price window and one or two tags.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
request = shopper_filter
