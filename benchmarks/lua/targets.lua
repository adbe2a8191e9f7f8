-- wrk script: send METHOD to each request target of a file in turn (round-robin), with a fixed
-- Host header (presigned URLs sign it) and an optional body of BODY_BYTES bytes.
-- Prints one "WRKJSON {...}" line of results at the end.
-- usage: wrk ... -s targets.lua URL -- TARGETS_FILE HOST METHOD BODY_BYTES

local targets = {}
local count = 0
local next_index = 1
local method, body
local headers = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      count = count + 1
      targets[count] = line
    end
  end
  headers["Host"] = args[2]
  method = args[3]
  local body_bytes = tonumber(args[4])
  if body_bytes > 0 then
    body = string.rep("x", body_bytes)
    headers["Content-Type"] = "application/octet-stream"
  end
end

function request()
  local target = targets[next_index]
  next_index = next_index % count + 1
  return wrk.format(method, target, headers, body)
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
