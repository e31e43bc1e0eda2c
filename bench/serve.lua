-- bench/serve.lua - the wrk script of bench/serve.
--
-- Posts real texts to /v1/predict, cycling through the table that
-- $BENCH_TEXTS (a Lua file bench/serve writes from the test split) returns:
-- each entry is a JSON string literal, quotes included.
--
--   [BENCH_RATE=R] wrk ... -s bench/serve.lua URL -- MODE
--
-- MODE: "one" ({"text": T} per request) or "batch" ({"texts": [100 texts]}).
-- BENCH_RATE: requests per second for each wrk thread; unset or 0: as fast
-- as the connections go (no delay() at all then).  Paced by delay(): each
-- request takes the next slot of the thread's schedule (1/RATE s apart); a slot that finds every
-- connection busy is sent as soon as one is free (up to 1 s behind), so
-- the rate holds if the server keeps up on average.  wrk times a request
-- from its write: neither the wait for a slot nor a late slot's lateness
-- is in the latency (wrk2 would count the latter; use enough connections).
-- done() prints one "BENCH key=value ..." line for bench/serve to read
-- (latencies in microseconds).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = 0
function setup(thread)
	thread:set("tid", threads)
	threads = threads + 1
end

RATE = tonumber(os.getenv("BENCH_RATE") or "0") or 0
local reqs, i, interval, next_slot = {}, 0, 0, nil

function init(args)
	local texts = dofile(os.getenv("BENCH_TEXTS"))
	local n = #texts
	local mode = args[1] or "one"
	local hdr = { ["Content-Type"] = "application/json" }
	if mode == "batch" then
		local b = 0
		while b * 100 < n do
			local part = {}
			for j = 0, 99 do part[#part + 1] = texts[(b * 100 + j) % n + 1] end
			reqs[#reqs + 1] = wrk.format("POST", "/v1/predict", hdr,
				'{"texts":[' .. table.concat(part, ",") .. "]}")
			b = b + 1
		end
	else
		for k = 1, n do
			reqs[k] = wrk.format("POST", "/v1/predict", hdr, '{"text":' .. texts[k] .. "}")
		end
	end
	-- threads start at different places of the cycle
	i = ((tid or 0) * 7919) % #reqs
	if RATE > 0 then interval = 1000 / RATE end
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end

if RATE > 0 then
	function delay()
		if interval == 0 then return 0 end
		local t = now_ms()
		-- a slot missed because every connection was busy is sent late
		-- (at once), not dropped, with at most 1 s of backlog
		local slot = next_slot and math.max(next_slot, t - 1000) or t
		next_slot = slot + interval
		return math.floor(slot - t)
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d " ..
		"mean=%.1f p50=%d p90=%d p99=%d max=%d\n",
		summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
		e.status, e.timeout, latency.mean, latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max))
end
