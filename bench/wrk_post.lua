-- wrk script: closed-loop POSTs of the tenant form (bench/submit_bench.py runs it).
-- wrk ... -s bench/wrk_post.lua URL -- SESSIONS_LUA RUN_ID
-- SESSIONS_LUA returns a list of {path=, cookie=, csrf=, cats={...}} harvested by real GETs
-- of the form; every POST carries a new submission_key, so each one makes a new request.
-- done() prints one line "WRK_JSON {...}" for the driver.

local BOUNDARY = "----wavebench7MA4YWxkTrZu0gW"
local DESCRIPTION = "The light above the door flickers and the bin next to it is full. "
    .. "Please have a look when you can, thank you."
local threads = {}
local sessions, run_id
local counter = 0
statuses = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local function part(name, value)
   return "--" .. BOUNDARY .. "\r\nContent-Disposition: form-data; name=\"" .. name
      .. "\"\r\n\r\n" .. value .. "\r\n"
end

function multipart(csrf, key, category)
   return part("csrf_token", csrf) .. part("submission_key", key)
      .. part("category", tostring(category)) .. part("description", DESCRIPTION)
      .. "--" .. BOUNDARY .. "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\""
      .. "\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
      .. part("name", "Bench Tenant") .. part("phone", "+49 30 1234567")
      .. part("email", "tenant@example.com") .. "--" .. BOUNDARY .. "--\r\n"
end

function init(args)
   sessions = dofile(args[1])
   run_id = args[2] or "r"
   counter = (tid or 1) * 7  -- threads start on different sessions
end

function request()
   counter = counter + 1
   local s = sessions[(counter % #sessions) + 1]
   local key = string.format("%s-%d-%d", run_id, tid or 0, counter)
   local category = s.cats[(counter % #s.cats) + 1]
   return wrk.format("POST", s.path, {
      ["Cookie"] = s.cookie,
      ["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY,
   }, multipart(s.csrf, key, category))
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local merged = {}
   for _, thread in ipairs(threads) do
      local st = thread:get("statuses")
      for code, n in pairs(st) do merged[code] = (merged[code] or 0) + n end
   end
   local parts = {}
   for code, n in pairs(merged) do table.insert(parts, string.format("\"%d\": %d", code, n)) end
   local e = summary.errors
   io.write(string.format(
      "WRK_JSON {\"requests\": %d, \"duration_us\": %d, \"statuses\": {%s}, "
      .. "\"errors\": {\"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"timeout\": %d}, "
      .. "\"latency_us\": {\"mean\": %.1f, \"p50\": %d, \"p90\": %d, \"p95\": %d, \"p99\": %d, \"max\": %d}}\n",
      summary.requests, summary.duration, table.concat(parts, ", "),
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max))
end
