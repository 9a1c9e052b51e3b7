-- wrk's script for `npm run bench` (bench/load.ts): counts answers by status in each of wrk's threads
-- and prints one JSON line at the end: requests, duration, p99 and errors as wrk counts them.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local codes = {}
  for status, count in pairs(total) do
    table.insert(codes, string.format('"%d":%d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(99.0), errors.connect, errors.read, errors.write, errors.timeout,
    table.concat(codes, ",")))
end
