-- wrk script: the bare server's POST, with the same body and a response callback like create.lua's.
wrk.method = "POST"
wrk.body = '{"payload":"correct horse battery staple","expire_after_views":1,"retrieval_step":false}'
wrk.headers["Content-Type"] = "application/json"
function response(status, headers, body) end
