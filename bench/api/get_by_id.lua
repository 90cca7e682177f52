-- wrk script: GET /api/v1/findings/{id} over ids read from VIGIL_IDS (one per line).
local token = os.getenv("VIGIL_TOKEN")
local ids = {}
for line in io.lines(os.getenv("VIGIL_IDS")) do ids[#ids + 1] = line end
local i = 0
request = function()
  i = i + 1
  local id = ids[(i * 7919) % #ids + 1]
  return wrk.format("GET", "/api/v1/findings/" .. id, {["Authorization"] = "Bearer " .. token})
end
