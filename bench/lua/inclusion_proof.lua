package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
request = inclusion_proof
