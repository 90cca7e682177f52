-- wrk script: POST /api/v1/findings with a distinct title each time.
-- env: VIGIL_TOKEN, VIGIL_PROJECT
local token = os.getenv("VIGIL_TOKEN")
local project = os.getenv("VIGIL_PROJECT")
local sev = {"critical", "high", "medium", "low", "info"}
local cwe = {"CWE-79", "CWE-89", "CWE-639", "CWE-200", "CWE-352", "CWE-918"}
local n = 0
local thread_id = 0
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

request = function()
  n = n + 1
  local body = string.format(
    '{"project_id":"%s","title":"Finding %d-%d in handler","severity":"%s","cwe":"%s",' ..
    '"description":"Seeded by bench: input reaches a sink without validation %d.",' ..
    '"endpoint":"GET /api/v%d/items/{id}","risk_score":%d}',
    project, thread_id, n, sev[n % 5 + 1], cwe[n % 6 + 1], n, n % 7, n % 101)
  return wrk.format("POST", "/api/v1/findings", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}, body)
end
