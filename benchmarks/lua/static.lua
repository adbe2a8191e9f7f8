-- wrk script: one fixed request (wrk builds it once after init, the fastest mode wrk has).
-- Prints one "WRKJSON {...}" line of results at the end.
-- usage: wrk ... -s static.lua URL -- TARGET METHOD

function init(args)
  wrk.path = args[1]
  wrk.method = args[2]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(99)))
end
