-- wrk script: GET /p/<token>.json of each token in TOKENS_FILE exactly once across all threads, then stop.
-- Usage: wrk -t N -s burn.lua URL -- TOKENS_FILE N
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local tokens = {}
local index, step
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  step = tonumber(args[2])
  index = id + 1
end

function request()
  local token = tokens[index]
  if token == nil then
    wrk.thread:stop()
    token = tokens[1]
  end
  index = index + step
  return wrk.format("GET", "/p/" .. token .. ".json")
end
