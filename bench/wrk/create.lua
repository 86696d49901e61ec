-- wrk script: POST one 1-view push per request; with an output path, writes each created token to
-- <path>.<thread> (one per line) for the burn scenario. Usage: wrk -s create.lua URL -- OUT_PATH
wrk.method = "POST"
wrk.path = "/api/passdrop/v1/pushes"
wrk.body = '{"payload":"correct horse battery staple","expire_after_views":1,"retrieval_step":false}'
wrk.headers["Content-Type"] = "application/json"

local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local out
local written = 0
function init(args)
  if args[1] then out = io.open(args[1] .. "." .. id, "w") end
end

function response(status, headers, body)
  if out and status == 201 then
    local token = body:match('"token":"([^"]+)"')
    if token then
      out:write(token, "\n")
      written = written + 1
      if written % 256 == 0 then out:flush() end
    end
  end
end

function done() end
