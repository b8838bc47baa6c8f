-- POST a ~1 KB report body with a token and a fresh Idempotency-Key per request.
-- Set by the runner: BODY_FILE, TOKEN (env).
local body_file = io.open(os.getenv("BODY_FILE"), "r")
local body = body_file:read("*a")
body_file:close()
local token = os.getenv("TOKEN") or ""
local counter = 0
local thread_tag = tostring(math.random(1, 1e9))

request = function()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json"}
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
    headers["Idempotency-Key"] = "bench-" .. thread_tag .. "-" .. counter
  end
  return wrk.format("POST", nil, headers, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
