-- wrk script: POST /api/v1/auth/login with the bench account (EMAIL, PW
-- from the environment) and report the answers that were not 2xx.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("EMAIL"), os.getenv("PW"))

function done(summary, latency, requests)
	io.write(string.format("non-2xx answers: %d\n", summary.errors.status))
end
