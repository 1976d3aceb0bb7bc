-- wrk script: closed-loop tenant submissions as a person makes them (bench/submit_bench.py).
-- wrk -t N -c N ... -s bench/wrk_pair.lua URL -- PATHS_LUA
-- Each connection has its own thread (-t == -c), so the thread's Lua state is the tenant's:
-- GET /q/<code> without a cookie (a first scan), take the session cookie, the csrf token,
-- the submission key and the offered categories from that page, then POST the form.
-- done() prints "WRK_JSON {...}"; "submissions" counts POST answers, "statuses" has the
-- POST statuses only (the GETs' non-200s are in "get_failures").

local BOUNDARY = "----wavebench7MA4YWxkTrZu0gW"
local DESCRIPTION = "The light above the door flickers and the bin next to it is full. "
    .. "Please have a look when you can, thank you."
local threads = {}
local paths
local counter = 0
local phase = "get"
local form = nil
statuses = {}
submissions = 0
get_failures = 0

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local function part(name, value)
   return "--" .. BOUNDARY .. "\r\nContent-Disposition: form-data; name=\"" .. name
      .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function multipart(csrf, key, category)
   return part("csrf_token", csrf) .. part("submission_key", key)
      .. part("category", tostring(category)) .. part("description", DESCRIPTION)
      .. "--" .. BOUNDARY .. "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\""
      .. "\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
      .. part("name", "Bench Tenant") .. part("phone", "+49 30 1234567")
      .. part("email", "tenant@example.com") .. "--" .. BOUNDARY .. "--\r\n"
end

function init(args)
   paths = dofile(args[1])
   counter = (tid or 1) * 3
end

function request()
   if phase == "get" or form == nil then
      counter = counter + 1
      local path = paths[(counter % #paths) + 1]
      form = {path = path}
      phase = "get"
      return wrk.format("GET", path)
   end
   local category = form.cats[(counter % #form.cats) + 1]
   return wrk.format("POST", form.path, {
      ["Cookie"] = form.cookie,
      ["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY,
   }, multipart(form.csrf, form.key, category))
end

local function parse_form(headers, body)
   local cookie = headers["Set-Cookie"] or headers["set-cookie"]
   if not cookie then return false end
   form.cookie = cookie:match("^([^;]+)")
   form.csrf = body:match('name="csrf_token" type="hidden" value="([^"]*)"')
   form.key = body:match('name="submission_key" type="hidden" value="([^"]*)"')
   form.cats = {}
   for value in body:gmatch('<option value="(%d+)"') do
      if value ~= "0" then table.insert(form.cats, tonumber(value)) end
   end
   return form.csrf ~= nil and form.key ~= nil and #form.cats > 0
end

function response(status, headers, body)
   if phase == "get" then
      if status == 200 and parse_form(headers, body) then
         phase = "post"
      else
         get_failures = get_failures + 1
      end
   else
      submissions = submissions + 1
      statuses[status] = (statuses[status] or 0) + 1
      phase = "get"
   end
end

function done(summary, latency, requests)
   local merged, total, failures = {}, 0, 0
   for _, thread in ipairs(threads) do
      for code, n in pairs(thread:get("statuses")) do merged[code] = (merged[code] or 0) + n end
      total = total + thread:get("submissions")
      failures = failures + thread:get("get_failures")
   end
   local parts = {}
   for code, n in pairs(merged) do table.insert(parts, string.format("\"%d\": %d", code, n)) end
   local e = summary.errors
   io.write(string.format(
      "WRK_JSON {\"requests\": %d, \"submissions\": %d, \"get_failures\": %d, \"duration_us\": %d, "
      .. "\"statuses\": {%s}, "
      .. "\"errors\": {\"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"timeout\": %d}, "
      .. "\"latency_us\": {\"mean\": %.1f, \"p50\": %d, \"p90\": %d, \"p95\": %d, \"p99\": %d, \"max\": %d}}\n",
      summary.requests, total, failures, summary.duration, table.concat(parts, ", "),
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max))
end
