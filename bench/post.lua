-- wrk script for bench/run: POST /req with the form field filename=$BENCH_FILENAME, like `curl -d filename=...`.
-- done() prints one machine-readable line (latencies in microseconds, from wrk's own latency distribution).
local filename = os.getenv("BENCH_FILENAME") or "/etc/hostname"

local function urlencode(s)
  return (s:gsub("[^%w%-%._~/]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

wrk.method = "POST"
wrk.body = "filename=" .. urlencode(filename)
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
