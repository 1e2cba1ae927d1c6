-- The mixed scenario for the soak: like mix.lua, and it counts the answers by status so the
-- soak can check that every acknowledged create is in the catalog afterwards.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require "common"

local threads = {}
function setup(thread) table.insert(threads, thread) end

-- Not `created`: common.lua's post_product counts its requests in that global, and sharing
-- it counted every create twice.
acknowledged, failed = 0, 0
request = mixed_request
response = function(status)
  if status == 201 then acknowledged = acknowledged + 1
  elseif status >= 300 then failed = failed + 1 end
end

function done()
  local c, f = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("acknowledged")
    f = f + t:get("failed")
  end
  io.write(string.format("SOAK created=%d failed=%d\n", c, f))
end
