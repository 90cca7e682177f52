-- wrk script: GET VIGIL_PATH with "Authorization: Bearer VIGIL_BEARER"; counts answers by status.
local bearer = os.getenv("VIGIL_BEARER")
local path = os.getenv("VIGIL_PATH") or "/api/v1/organization"
request = function()
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. bearer})
end
local statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, (summary.errors.status or 0)))
end
