-- The benchmark's wrk script (wrk 4.1.0, LuaJIT). Driven by bench/lib/wrk-load.ts, which writes the
-- files this reads: CONDUIT_WRK_CONFIG names a "key value" config; its `requests` file holds the raw
-- HTTP requests ("wrk-load requests 1 <n>" then "<length>\n<bytes>\n" each). A closed loop like the
-- node client: each connection sends the next request once its answer is read; after the time or the
-- count bound a connection is parked (an empty request: nothing is sent), and the thread stops once
-- all its connections are parked, so answers in flight at the bound are still awaited and counted.
-- done() writes a JSON summary with wrk's latency histogram as it hands it over (coordinated-omission
-- corrected); wrk-summary.ts undoes that correction.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } wrk_load_timespec;
int clock_gettime(int clk, wrk_load_timespec *ts);
typedef struct { uint64_t count; uint64_t limit; uint64_t min; uint64_t max; uint64_t data[]; } wrk_load_stats;
]]
local CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID = 1, 2
local ts = ffi.new("wrk_load_timespec")
local function clock_us(clk)
  ffi.C.clock_gettime(clk, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local function read_config()
  local path = assert(os.getenv("CONDUIT_WRK_CONFIG"), "CONDUIT_WRK_CONFIG is not set")
  local cfg = {}
  for line in io.lines(path) do
    local k, v = line:match("^(%S+) (.*)$")
    if k then cfg[k] = v end
  end
  return cfg
end

local function read_requests(path, stride, offset)
  local f = assert(io.open(path, "rb"))
  local all = f:read("*a")
  f:close()
  local e = assert(all:find("\n", 1, true), "empty requests file")
  local n = tonumber(all:sub(1, e - 1):match("^wrk%-load requests 1 (%d+)$"))
  assert(n, "not a wrk-load requests file: " .. path)
  local out, pos = {}, e + 1
  for k = 0, n - 1 do
    local nl = assert(all:find("\n", pos, true), "truncated requests file")
    local len = tonumber(all:sub(pos, nl - 1))
    if k % stride == offset then out[#out + 1] = all:sub(nl + 1, nl + len) end
    pos = nl + len + 2
  end
  return out
end

-- Answer checks, the same rules as bench/lib/answer-checks.ts.
local B64 = {}
do
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for i = 1, #chars do B64[chars:byte(i)] = i - 1 end
end
local function base64_decode(s)
  local out, bits, nbits = {}, 0, 0
  for i = 1, #s do
    local v = B64[s:byte(i)]
    if v then
      bits = bits * 64 + v
      nbits = nbits + 6
      if nbits >= 8 then
        nbits = nbits - 8
        local byte = math.floor(bits / 2 ^ nbits)
        out[#out + 1] = string.char(byte)
        bits = bits - byte * 2 ^ nbits
      end
    end
  end
  return table.concat(out)
end
local CHECKS = {
  -- the booking write: the answer's first row carries the new appointment id (RETURN > 0)
  ["appointment-id"] = function(body)
    local data = body:match('"data"%s*:%s*"([^"]*)"')
    local rows = data and base64_decode(data) or ""
    local id = rows:match('^%s*%[%s*{[^}]-"id"%s*:%s*"?(%-?[%d.eE+-]+)')
    if tonumber(id) and tonumber(id) > 0 then return nil end
    return "booking refused (RETURN " .. tostring(id) .. "): the slot was not free"
  end,
}

-- Setup (main Lua state): number the threads so each takes its own share of the requests.
local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

-- Running (one Lua state per wrk thread). `counts` is a global so that done() can read it (thread:get).
local reqs, nreqs, next_req, limit, duration_us, conns, check, first_path, verify_pending
counts = { issued = 0, responses = 0, non200 = 0, check_failed = 0, parked = 0 }
local n = counts

function init(_)
  local cfg = read_config()
  local index, nthreads = thread_index or 0, tonumber(cfg.threads)
  local once = cfg.mode == "once"
  -- "once": each request is sent at most once (distinct bodies, e.g. booking slots), split between threads;
  -- otherwise every thread cycles through all of them, starting at its own offset.
  reqs = read_requests(cfg.requests, once and nthreads or 1, once and index or 0)
  nreqs = #reqs
  assert(nreqs > 0, "no requests for thread " .. index)
  next_req = once and 1 or (index % nreqs) + 1
  local max = tonumber(cfg.max_requests)
  limit = math.floor(max / nthreads) + ((index < max % nthreads) and 1 or 0)
  if once and limit > nreqs then limit = nreqs end
  duration_us = tonumber(cfg.duration_ms) * 1000
  conns = tonumber(cfg.connections_per_thread)
  check = cfg.check and CHECKS[cfg.check]
  assert(cfg.check == nil or check, "unknown check " .. tostring(cfg.check))
  first_path = index == 0 and cfg.first_response or nil
  -- wrk calls request() once on the first thread before it runs, to count pipelined requests; that
  -- request is never sent, so it must not use up a body or count.
  verify_pending = index == 0
end

local function mark(what)
  io.write("wrk-load: ", what, " ", tostring(thread_index or 0), "\n")
  io.stdout:flush()
end

function request()
  if verify_pending then
    verify_pending = false
    return reqs[next_req]
  end
  local now = clock_us(CLOCK_MONOTONIC)
  if not n.started_us then
    n.started_us = now
    n.cpu_start_us = clock_us(CLOCK_PROCESS_CPUTIME_ID)
    mark("started")
  end
  if not n.stop_us and (n.issued >= limit or now - n.started_us >= duration_us) then n.stop_us = now end
  if n.stop_us then
    n.parked = n.parked + 1
    if n.parked == conns and not n.finished then
      n.finished = true
      n.cpu_end_us = clock_us(CLOCK_PROCESS_CPUTIME_ID)
      wrk.thread:stop()
      mark("stopped")
    end
    return ""
  end
  n.issued = n.issued + 1
  local r = reqs[next_req]
  next_req = next_req < nreqs and next_req + 1 or 1
  return r
end

function response(status, _, body)
  n.responses = n.responses + 1
  n.last_us = clock_us(CLOCK_MONOTONIC)
  if first_path then
    local f = io.open(first_path, "wb")
    if f then
      f:write(tostring(status), "\n", body)
      f:close()
    end
    first_path = nil
  end
  if status ~= 200 then
    n.non200 = n.non200 + 1
    n.first_error = n.first_error or ("HTTP " .. status .. ": " .. body:sub(1, 300))
  elseif check then
    local bad = check(body)
    if bad then
      n.check_failed = n.check_failed + 1
      n.first_error = n.first_error or bad
    end
  end
end

-- Done (main Lua state): the summary as JSON.
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end
local function json_value(v)
  if v == nil then return "null" end
  if type(v) == "boolean" then return tostring(v) end
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return v == math.floor(v) and string.format("%.0f", v) or string.format("%.17g", v)
  end
  return json_string(tostring(v))
end
local function json_object(t, keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = json_string(k) .. ":" .. json_value(t[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, _)
  local cfg = read_config()
  -- The histogram: one bucket per µs (wrk's stats struct); the API alone (latency(i)) rescans from the
  -- minimum for every bucket. Read through its pointer, checked against the API by wrk-summary.ts.
  local st = ffi.cast("wrk_load_stats**", ffi.cast("void*", latency))[0]
  local hist = {}
  local lo, hi = tonumber(st.min), tonumber(st.max)
  for i = lo, hi do
    local c = tonumber(st.data[i])
    if c > 0 then
      hist[#hist + 1] = string.format("%d,%.0f", i, c)
    end
  end
  local per_thread = {}
  local keys = { "issued", "responses", "non200", "check_failed", "parked", "started_us", "last_us", "stop_us", "cpu_start_us", "cpu_end_us", "finished", "first_error" }
  for _, t in ipairs(threads) do
    per_thread[#per_thread + 1] = json_object(t:get("counts"), keys)
  end
  local e = summary.errors
  local out = table.concat({
    "{",
    '"format":"wrk-load summary 1",',
    '"connections":', json_value(tonumber(cfg.connections_per_thread) * #threads), ",",
    '"durationUs":', json_value(summary.duration), ",",
    '"requests":', json_value(summary.requests), ",",
    '"bytes":', json_value(summary.bytes), ",",
    '"errors":', json_object(e, { "connect", "read", "write", "status", "timeout" }), ",",
    '"histogramCount":', json_value(tonumber(st.count)), ",",
    '"api":', json_object({ min = latency.min, max = latency.max, mean = latency.mean, p50 = latency:percentile(50),
      p90 = latency:percentile(90), p99 = latency:percentile(99) }, { "min", "max", "mean", "p50", "p90", "p99" }), ",",
    '"histogram":[', table.concat(hist, ","), "],",
    '"threads":[', table.concat(per_thread, ","), "]",
    "}\n",
  })
  local f = assert(io.open(cfg.out, "wb"))
  f:write(out)
  f:close()
end
