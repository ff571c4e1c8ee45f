/*
 * Browser test: Debian's Chromium, driven by playwright-core, goes through
 * the dev page (conf/nginx/dev-page/) on a running stack as a person
 * would: sign-up, the verification link from the real mail the local SMTP
 * server stored, sign-in, the session cookie, CSRF-protected requests,
 * sign-out, forgotten password and reset. It checks what only a browser
 * shows: that the __Host- cookie (Secure; HttpOnly; SameSite=Lax) is kept
 * and sent on plain-HTTP loopback, that fetch with credentials works
 * with the API's headers, and that problem+json errors reach the page.
 *
 * Environment: PROSPEA_TEST_URL (the stack, e.g. http://127.0.0.1:18080)
 * and PROSPEA_TEST_VAR (its var/ folder: mail lands in mail/new/), as
 * ./dev test sets them. Exit 0 on success, 1 on failure (with a
 * screenshot in tests/browser/last-run.png), 77 (skip) without
 * PROSPEA_TEST_URL or without node_modules/playwright-core.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOT = path.join(HERE, 'last-run.png');
const CHROMIUM = '/usr/bin/chromium';
const COOKIE = '__Host-prospea_session';
const STEP_TIMEOUT = 15000;	/* ms for one UI answer (Argon2id runs at production cost on the dev stack) */
const RUN_TIMEOUT = 90000;	/* ms for the whole run: a hung browser must not hang make check */

if (!process.env.PROSPEA_TEST_URL) {
	console.log('SKIP: PROSPEA_TEST_URL is unset (./dev test sets it)');
	process.exit(SKIP);
}
try {
	createRequire(import.meta.url).resolve('playwright-core');
} catch (e) {
	console.log(`SKIP: playwright-core is not installed in ${HERE}/node_modules ` +
	    '(run: npm ci --prefix tests/browser)');
	process.exit(SKIP);
}
const { chromium } = await import('playwright-core');

const BASE = new URL(process.env.PROSPEA_TEST_URL).origin;
const VAR = process.env.PROSPEA_TEST_VAR;
const MAILDIR = VAR ? path.join(VAR, 'mail', 'new') : null;

const started = Date.now();
let stepNo = 0;
function ok(what) {
	stepNo++;
	console.log(`ok ${stepNo} - ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

class TestFailure extends Error {}
function check(cond, msg) {
	if (!cond)
		throw new TestFailure(msg);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* ---- Mail: the Maildir files written by the local SMTP server ---- */

/* RFC 2045 section 6.7: soft line breaks, then =XX octets, then UTF-8. */
function qpDecode(text) {
	const s = text.replace(/=\r?\n/g, '');
	const bytes = [];
	for (let i = 0; i < s.length; i++) {
		if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
			bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(s.charCodeAt(i) & 0xff);
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

/* RFC 2047 encoded words (B and Q); whitespace between two of them goes. */
function headerDecode(v) {
	return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
	    (_, cs, enc, t) => enc.toUpperCase() === 'B' ?
		Buffer.from(t, 'base64').toString('utf8') :
		qpDecode(t.replace(/_/g, ' ')));
}

/* {headers: {lower-case name: decoded value}, body: decoded text}. */
function parseMail(raw) {
	const m = /\r?\n\r?\n/.exec(raw);
	const head = m ? raw.slice(0, m.index) : raw;
	const body = m ? raw.slice(m.index + m[0].length) : '';
	const headers = {};
	for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const c = line.indexOf(':');
		if (c <= 0)
			continue;
		const name = line.slice(0, c).trim().toLowerCase();
		if (!(name in headers))
			headers[name] = headerDecode(line.slice(c + 1).trim());
	}
	const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
	return { headers, body: cte === 'quoted-printable' ? qpDecode(body) :
	    cte === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body };
}

function mailNames() {
	try {
		return new Set(fs.readdirSync(MAILDIR));
	} catch (e) {
		throw new TestFailure(`cannot read the mail folder ${MAILDIR}: ${e.message}`);
	}
}

/*
 * Waits for a mail to `to` that arrived after `before` (a set of file
 * names) and links to `page`; returns {mail, link, token}.
 */
async function waitForMail(to, page, before, timeoutMs = 20000) {
	const deadline = Date.now() + timeoutMs;
	const seen = new Set(before);
	const re = new RegExp(`(https?://[^\\s<>"]+?${page.replace(/[-/]/g, '\\$&')})#token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])`);
	const found = [];
	while (Date.now() < deadline) {
		for (const name of fs.readdirSync(MAILDIR)) {
			if (seen.has(name))
				continue;
			seen.add(name);
			let raw;
			try {
				raw = fs.readFileSync(path.join(MAILDIR, name), 'latin1');
			} catch (e) {
				continue;	/* moved away meanwhile */
			}
			const mail = parseMail(raw);
			if ((mail.headers.to || '').toLowerCase() !== to.toLowerCase())
				continue;
			found.push(mail.headers.subject);
			const m = re.exec(mail.body);
			if (m)
				return { mail, file: name, link: m[0], token: m[2] };
		}
		await sleep(100);
	}
	throw new TestFailure(`no mail to ${to} with a ${page}#token=… link in ${MAILDIR} ` +
	    `within ${timeoutMs / 1000} s` + (found.length ? ` (got: ${found.join(' | ')})` :
	    ' (none to that address: is the mailer running?)'));
}

/* ---- The page ---- */

/*
 * Clicks something that makes the page call the API, then waits for the
 * answer in the result box `box` (its data-http). A 429 or 503 (someone
 * else's load on a shared dev stack) is retried after its Retry-After.
 * Returns the status and the box's text.
 */
async function act(page, what, box, click, expect) {
	for (let attempt = 0; ; attempt++) {
		await page.$eval(box, (e) => { e.dataset.http = ''; });
		await click();
		await page.waitForFunction((sel) => {
			const e = document.querySelector(sel);
			return e && e.dataset.http !== '' && e.dataset.http !== 'pending';
		}, box, { timeout: STEP_TIMEOUT }).catch(() => {
			throw new TestFailure(`${what}: no answer in ${box} within ${STEP_TIMEOUT / 1000} s`);
		});
		const status = Number(await page.$eval(box, (e) => e.dataset.http));
		const text = (await page.$eval(box, (e) => e.innerText)).replace(/\s+/g, ' ').trim();
		if ((status === 429 || status === 503) && status !== expect && attempt < 4) {
			const wait = Math.min(Number((/(\d+) s\b/.exec(text) || [])[1]) || 1, 5);
			console.log(`# ${what}: ${status}, retrying in ${wait} s`);
			await sleep(wait * 1000);
			continue;
		}
		check(status === expect, `${what}: expected HTTP ${expect}, the page shows ${status}: ${text}`);
		return { status, text };
	}
}

/* fetch from inside the page, with the session cookie. */
function pageFetch(page, method, p, { body, csrf } = {}) {
	return page.evaluate(async ([method, p, body, csrf]) => {
		const headers = { Accept: 'application/json' };
		if (body !== null)
			headers['Content-Type'] = 'application/json';
		if (csrf)
			headers['X-CSRF-Token'] = csrf;
		const r = await fetch(p, { method, headers, credentials: 'same-origin',
		    body: body === null ? undefined : JSON.stringify(body) });
		const t = await r.text();
		let data = null;
		try {
			data = t ? JSON.parse(t) : null;
		} catch (e) {
			data = t;
		}
		return { status: r.status, type: r.headers.get('Content-Type'), data };
	}, [method, p, body === undefined ? null : body, csrf || null]);
}

/* Node-side login: a second session of the same user, outside the browser. */
async function nodeLogin(email, password) {
	for (let attempt = 0; ; attempt++) {
		const r = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST',
		    headers: { 'Content-Type': 'application/json' },
		    body: JSON.stringify({ email, password }) });
		if ((r.status === 429 || r.status === 503) && attempt < 4) {
			await sleep(Math.min(Number(r.headers.get('Retry-After')) || 1, 5) * 1000);
			continue;
		}
		check(r.status === 200, `second login (from Node): HTTP ${r.status}: ${await r.text()}`);
		const set = r.headers.getSetCookie().find((c) => c.startsWith(COOKIE + '='));
		check(set, 'second login (from Node): no Set-Cookie for ' + COOKIE);
		return set.split(';')[0];
	}
}

async function run(page, ctx) {
	const rnd = Math.random().toString(36).slice(2, 8);
	const email = `browser-${Date.now()}-${rnd}@exemple.fr`;
	const password = `Navigateur-${rnd}-${process.pid}!`;
	const password2 = `Nouveau-${rnd}-Secret-${process.pid}`;

	/* The page and the current policy version. */
	await page.goto(BASE + '/');
	await page.waitForSelector('body[data-ready="yes"]', { timeout: STEP_TIMEOUT });
	const api = await (await fetch(`${BASE}/api/v1/legal/privacy-policy`)).json();
	const shown = (await page.textContent('#signup-policy-version')).trim();
	check(shown === api.version, `the page shows policy version "${shown}", the API says "${api.version}"`);
	check(await page.$eval('#session-state', (e) => e.dataset.signedIn) === 'no',
	    'a fresh browser should not be signed in');
	ok(`dev page loaded at ${BASE}/, policy version ${shown}`);

	/* Sign-up, first without the professional box: per-field errors shown. */
	await page.fill('#signup-first-name', 'Camille');
	await page.fill('#signup-last-name', 'Navigateur');
	await page.fill('#signup-email', email);
	await page.fill('#signup-password', password);
	await page.check('#signup-accept');
	let r = await act(page, 'sign-up without the 16+ box', '#signup-result',
	    () => page.click('#signup-submit'), 400);
	const fieldErr = (await page.textContent('#signup-pro-error')).trim();
	check(fieldErr !== '', 'the 400 names confirm_professional_16plus but the page shows no error next to the box');
	check(/confirm_professional_16plus/.test(r.text), `the problem's field errors are not listed: ${r.text}`);
	ok(`problem+json shown: ${r.text.slice(0, 80)}…`);

	const before = mailNames();
	await page.check('#signup-pro');
	await page.fill('#signup-password', password);
	await act(page, 'sign-up', '#signup-result', () => page.click('#signup-submit'), 202);
	check(await page.isVisible('#signup-done'), 'no "check your mail" hint after sign-up');
	check(await page.textContent('#signup-pro-error') === '', 'the old field error is still shown');
	ok(`signed up ${email}`);

	/* The verification mail, as stored by the SMTP server. */
	const v = await waitForMail(email, '/verify-email', before);
	check(/Confirmez votre adresse/.test(v.mail.headers.subject || ''),
	    `unexpected subject of the verification mail: ${v.mail.headers.subject}`);
	const link = new URL(v.link);
	ok(`verification mail ${v.file}: ${link.origin}${link.pathname}#token=${v.token.slice(0, 6)}…`);

	/* Open the link (on the stack under test, whatever public_url says). */
	await page.goto(BASE + link.pathname + link.hash);
	check(await page.isVisible('#verify-panel'), '/verify-email does not show the verification panel');
	await page.waitForFunction(() => !['', 'pending'].includes(document.querySelector('#verify-result').dataset.http),
	    null, { timeout: STEP_TIMEOUT });
	const vs = await page.$eval('#verify-result', (e) => e.dataset.http + ' ' + e.innerText);
	check(vs.startsWith('204'), `verify-email: expected 204, the page shows ${vs}`);
	check(await page.evaluate(() => location.hash) === '', 'the token is still in the address bar after verification');
	ok('e-mail verified through the link (token removed from the URL)');

	/* Sign in with the form. */
	await page.fill('#login-email', email);
	await page.fill('#login-password', password);
	await act(page, 'login', '#login-result', () => page.click('#login-submit'), 200);
	check(await page.$eval('#session-state', (e) => e.dataset.signedIn) === 'yes', 'the page does not show the session after login');
	check((await page.textContent('#session-email')).trim() === email, 'the session panel shows another address');

	const cookies = (await ctx.cookies(BASE)).filter((c) => c.name === COOKIE);
	check(cookies.length === 1, `Chromium did not store ${COOKIE} for ${BASE} (Secure cookie on plain HTTP): ` +
	    JSON.stringify(await ctx.cookies()));
	const ck = cookies[0];
	check(ck.secure && ck.httpOnly && ck.sameSite === 'Lax' && ck.path === '/',
	    `cookie attributes: ${JSON.stringify({ ...ck, value: '…' })}`);
	check(!(await page.evaluate(() => document.cookie)).includes(COOKIE), 'the session cookie is readable from JavaScript');
	ok(`signed in; Chromium keeps ${COOKIE} for ${new URL(BASE).hostname} (Secure, HttpOnly, SameSite=Lax)`);

	/* The session, through the panel and through fetch. */
	r = await act(page, 'GET /session', '#session-result', () => page.click('#session-refresh'), 200);
	check(r.text.includes(email), `the session panel does not show ${email}: ${r.text}`);
	const s = await pageFetch(page, 'GET', '/api/v1/auth/session');
	check(s.status === 200, `GET /session with the cookie: ${s.status} ${JSON.stringify(s.data)}`);
	check(s.data.user && s.data.user.email === email && s.data.user.email_verified === true,
	    `GET /session user: ${JSON.stringify(s.data.user)}`);
	check(typeof s.data.csrf_token === 'string' && s.data.csrf_token.length === 43, 'GET /session has no csrf_token');
	const csrf = s.data.csrf_token;
	ok(`GET /session: user ${s.data.user.id} ${s.data.user.email}`);

	/* A POST without X-CSRF-Token is refused; the session is intact. */
	const noTok = await pageFetch(page, 'POST', '/api/v1/auth/password/change',
	    { body: { current_password: password, new_password: password2 } });
	check(noTok.status === 403 && noTok.data && noTok.data.code === 'csrf' &&
	    /problem\+json/.test(noTok.type || ''), `POST /password/change without X-CSRF-Token: expected 403 csrf, got ` +
	    `${noTok.status} ${JSON.stringify(noTok.data)}`);
	ok('POST without X-CSRF-Token (fetch): 403 csrf');

	/* A second session (another device): list it, revoke it with the CSRF token. */
	const other = await nodeLogin(email, password);
	await act(page, 'list sessions', '#sessions-result', () => page.click('#sessions-refresh'), 200);
	const rows = await page.$$eval('#sessions-body tr', (t) => t.map((e) => ({ id: e.dataset.id, current: e.dataset.current })));
	const mine = rows.filter((x) => x.current === 'yes');
	const others = rows.filter((x) => x.current === 'no');
	check(rows.length === 2 && mine.length === 1 && others.length === 1, `GET /sessions rows: ${JSON.stringify(rows)}`);
	const otherId = others[0].id;
	ok(`GET /sessions lists 2 sessions (this one: ${mine[0].id})`);

	await page.check('#csrf-omit');
	r = await act(page, 'revoke without the token', '#sessions-result', () => page.click(`#revoke-${otherId}`), 403);
	check(/csrf/.test(r.text), `the 403 does not say csrf: ${r.text}`);
	await page.uncheck('#csrf-omit');
	await act(page, 'revoke with the token', '#sessions-result', () => page.click(`#revoke-${otherId}`), 204);
	await page.waitForSelector(`#revoke-${otherId}`, { state: 'detached', timeout: STEP_TIMEOUT });
	const gone = await fetch(`${BASE}/api/v1/auth/session`, { headers: { Cookie: other } });
	check(gone.status === 401, `the revoked session still answers GET /session: ${gone.status}`);
	ok(`DELETE /sessions/${otherId}: 403 without X-CSRF-Token, 204 with it; that session is dead`);

	/* Sign out: POST /logout needs the token too. */
	await page.check('#csrf-omit');
	await act(page, 'logout without the token', '#session-result', () => page.click('#logout-submit'), 403);
	await page.uncheck('#csrf-omit');
	const still = await pageFetch(page, 'GET', '/api/v1/auth/session');
	check(still.status === 200, `the refused logout ended the session anyway: ${still.status}`);
	await act(page, 'logout', '#session-result', () => page.click('#logout-submit'), 204);
	check(await page.$eval('#session-state', (e) => e.dataset.signedIn) === 'no', 'the page still shows a session after logout');
	const after = await pageFetch(page, 'GET', '/api/v1/auth/session');
	check(after.status === 401 && after.data && after.data.code === 'unauthenticated',
	    `GET /session after logout: expected 401, got ${after.status} ${JSON.stringify(after.data)}`);
	await act(page, 'GET /session after logout', '#session-result', () => page.click('#session-refresh'), 401);
	check(!(await ctx.cookies(BASE)).some((c) => c.name === COOKIE && c.value !== ''), 'the cookie was not cleared by logout');
	ok('POST /logout: 403 without X-CSRF-Token, 204 with it; GET /session is then 401');

	/* Forgotten password: the mailed link, the reset page, the new password. */
	const before2 = mailNames();
	await page.fill('#forgot-email', email);
	await act(page, 'forgot password', '#forgot-result', () => page.click('#forgot-submit'), 202);
	const rs = await waitForMail(email, '/reset-password', before2);
	const rlink = new URL(rs.link);
	await page.goto(BASE + rlink.pathname + rlink.hash);
	check(await page.isVisible('#reset-panel'), '/reset-password does not show the reset form');
	await page.waitForSelector('body[data-ready="yes"]', { timeout: STEP_TIMEOUT });
	check(await page.evaluate(() => location.hash) === '', 'the reset token is still in the address bar');
	await page.fill('#reset-password', password2);
	await act(page, 'reset password', '#reset-result', () => page.click('#reset-submit'), 204);
	ok('password reset through the mailed /reset-password link');

	await page.fill('#login-email', email);
	await page.fill('#login-password', password);
	await act(page, 'login with the old password', '#login-result', () => page.click('#login-submit'), 401);
	await page.fill('#login-password', password2);
	await act(page, 'login with the new password', '#login-result', () => page.click('#login-submit'), 200);
	await act(page, 'logout', '#session-result', () => page.click('#logout-submit'), 204);
	ok('old password refused (401), new one accepted, signed out');
}

async function main() {
	if (!fs.existsSync(CHROMIUM))
		throw new TestFailure(`${CHROMIUM} is missing: apt-get install chromium (./dev installs it as root)`);
	check(MAILDIR, 'PROSPEA_TEST_VAR is unset: the test reads the mail the stack stores in $PROSPEA_TEST_VAR/mail/new/');
	mailNames();
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'prospea-chromium-'));
	let ctx, page;
	const pageErrors = [];
	const watchdog = setTimeout(() => {
		console.error(`FAIL: the browser test did not finish within ${RUN_TIMEOUT / 1000} s`);
		fs.rmSync(profile, { recursive: true, force: true });
		process.exit(1);	/* playwright-core kills the browser it launched on exit */
	}, RUN_TIMEOUT);
	try {
		ctx = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
			    '--no-first-run', '--disable-background-networking',
			    '--disable-component-update', '--disable-sync'],
			timeout: 30000,
		});
		page = ctx.pages()[0] || await ctx.newPage();
		page.setDefaultTimeout(STEP_TIMEOUT);
		page.on('pageerror', (e) => pageErrors.push(e.message));
		await run(page, ctx);
		check(pageErrors.length === 0, `JavaScript errors on the page: ${pageErrors.join(' | ')}`);
		console.log(`PASS: browser test (${((Date.now() - started) / 1000).toFixed(1)} s, ` +
		    `Chromium ${ctx.browser() ? ctx.browser().version() : ''})`);
		return 0;
	} catch (e) {
		console.error(`FAIL: ${e instanceof TestFailure ? e.message : e.stack || e}`);
		if (pageErrors.length)
			console.error(`page errors: ${pageErrors.join(' | ')}`);
		if (page) {
			try {
				console.error(`page: ${page.url()}; #status: ${(await page.textContent('#status', { timeout: 2000 })).trim()}`);
				await page.screenshot({ path: SHOT, fullPage: true, timeout: 5000 });
				console.error(`screenshot: ${SHOT}`);
			} catch (e2) {
				console.error(`(no screenshot: ${e2.message})`);
			}
		}
		return 1;
	} finally {
		clearTimeout(watchdog);
		if (ctx)
			await ctx.close().catch(() => {});
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

try {
	process.exit(await main());
} catch (e) {
	console.error(`FAIL: ${e instanceof TestFailure ? e.message : e.stack || e}`);
	process.exit(1);
}
