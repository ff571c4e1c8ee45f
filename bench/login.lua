-- wrk script: POST /api/v1/auth/login with the bench account (EMAIL, PW
-- from the environment); reports the answers by status and problem code.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("EMAIL"), os.getenv("PW"))

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	answers = {}
end

function response(status, headers, body)
	local key = tostring(status)
	if status ~= 200 then
		key = key .. " " .. (string.match(body, '"code":"([%w_]+)"') or "?")
	end
	answers[key] = (answers[key] or 0) + 1
end

function done(summary, latency, requests)
	local all = {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("answers")) do
			all[k] = (all[k] or 0) + v
		end
	end
	for k, v in pairs(all) do
		io.write(string.format("answers %s: %d\n", k, v))
	end
end
