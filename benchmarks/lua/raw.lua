-- wrk script: replay complete raw HTTP requests (request line, headers, body) from a file, in
-- turn (round-robin), one request a line with each CRLF written as a TAB (pre-signed AWS JSON
-- requests: their bodies hold no raw TAB or newline). All requests are built once, in init.
-- Prints one "WRKJSON {...}" line of results at the end.
-- usage: wrk ... -s raw.lua URL -- REQUESTS_FILE

local requests = {}
local count = 0
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      count = count + 1
      requests[count] = (line:gsub("\t", "\r\n"))
    end
  end
end

function request()
  local raw = requests[next_index]
  next_index = next_index % count + 1
  return raw
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
