-- GET with a bearer token (TOKEN env).
local token = os.getenv("TOKEN") or ""
wrk.headers["Authorization"] = "Bearer " .. token

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
