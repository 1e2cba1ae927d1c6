package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"
request = consistency_proof
