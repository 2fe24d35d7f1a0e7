-- wrk: count responses by status, across threads; print "status N COUNT"
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    counts = {}
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
        for status, n in pairs(t:get("counts")) do
            all[status] = (all[status] or 0) + n
        end
    end
    for status, n in pairs(all) do
        io.write(string.format("status %d %d\n", status, n))
    end
    io.write(string.format("errors connect %d read %d write %d timeout %d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.timeout))
end
