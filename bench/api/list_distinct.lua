-- wrk script: GET /api/v1/findings?per_page=50 over distinct pages and filters: no two
-- requests alike within a run of this length.
local token = os.getenv("VIGIL_TOKEN")
local sev = {"critical", "high", "medium", "low", "info", "high,critical", "medium,low"}
local sorts = {"-created_at", "created_at", "-severity,created_at", "-risk_score"}
local i = 0
request = function()
  i = i + 1
  local page = (i % 200) + 1
  local path = string.format("/api/v1/findings?per_page=50&page=%d&severity=%s&sort=%s&created_after=2000-01-01T00:00:%02dZ",
    page, sev[math.floor(i / 200) % #sev + 1], sorts[math.floor(i / 1400) % #sorts + 1], math.floor(i / 5600) % 60)
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
