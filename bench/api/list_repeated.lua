-- wrk script: the same list request again and again, revalidated with If-None-Match.
local token = os.getenv("VIGIL_TOKEN")
local etag = os.getenv("VIGIL_ETAG")
request = function()
  return wrk.format("GET", "/api/v1/findings?per_page=50", {
    ["Authorization"] = "Bearer " .. token, ["If-None-Match"] = etag})
end
