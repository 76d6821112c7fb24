-- wrk script of bench/run.sh: sets the request from the environment and
-- prints one machine-readable RESULT line when the run ends.
--   BENCH_METHOD   GET (default) or POST
--   BENCH_BODY     request body (JSON), if any
--   BENCH_HEADER   one extra header as "Name: value", if any
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local header = os.getenv("BENCH_HEADER") or ""

wrk.method = method
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if header ~= "" then
  local name, value = header:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format("RESULT requests=%d failed=%d rps=%.1f p50_us=%d p99_us=%d\n",
    summary.requests, failed, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99)))
end
