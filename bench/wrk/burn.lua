-- wrk script: GET /p/<token>.json of each token in TOKENS_FILE at most once across all threads. wrk runs
-- for its whole duration whatever a thread does, so the bench sizes the run to end before the tokens do;
-- should they run out, the first token is asked again (a 404, counted as non-2xx, so the rate stays honest).
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
  if token == nil then token = tokens[1] end
  index = index + step
  return wrk.format("GET", "/p/" .. token .. ".json")
end
