/*
 * Prospea dev page: plain forms over /api/v1/auth/… to try sign-up,
 * e-mail verification, sign-in, sessions, CSRF and password reset from a
 * browser. No framework and no build step; nginx serves this folder for
 * every path outside /api/, so /verify-email and /reset-password (the
 * pages the e-mails link to) load this script too, with their token in
 * location.hash. Every result box carries the HTTP status in data-http
 * ("pending" while a request runs) so tests/browser can wait on it.
 */
'use strict';

const API = '/api/v1';
/* gen counts session changes, so a late answer cannot undo a newer one. */
const state = { csrf: null, user: null, policy: null, gen: 0 };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (k === 'class')
			e.className = v;
		else if (k === 'data')
			Object.assign(e.dataset, v);
		else
			e.setAttribute(k, v);
	}
	for (const k of kids)
		if (k !== null && k !== undefined)
			e.append(k instanceof Node ? k : String(k));
	return e;
}

/* A copy of an API answer that is safe to print: tokens cut short. */
function masked(v) {
	if (Array.isArray(v))
		return v.map(masked);
	if (v && typeof v === 'object') {
		const o = {};
		for (const [k, x] of Object.entries(v))
			o[k] = /token|secret|otpauth/.test(k) && typeof x === 'string' ?
			    x.slice(0, 6) + '…' : masked(x);
		return o;
	}
	return v;
}

function logCall(method, path, res, sentCsrf) {
	const log = $('log');
	const head = `${new Date().toLocaleTimeString()}  ${method} ${API}${path} → ` +
	    (res.status || 'network error') + (sentCsrf ? '  [X-CSRF-Token]' : '');
	const body = res.data === null ? '' : typeof res.data === 'string' ?
	    res.data.slice(0, 500) : JSON.stringify(masked(res.data), null, 2);
	log.prepend(el('li', { class: res.ok ? 'ok' : 'err' }, el('code', {}, head),
	    body ? el('pre', {}, body) : null));
	while (log.children.length > 40)
		log.lastElementChild.remove();
}

/*
 * One API call: JSON in and out, the session cookie sent (same origin),
 * X-CSRF-Token on state-changing requests once signed in, unless the
 * "send without" box is ticked. Resolves to {status, ok, data, problem,
 * retryAfter}; status 0 for a network failure. Never rejects.
 */
async function call(method, path, body) {
	const headers = { Accept: 'application/json, application/problem+json' };
	const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
	const changes = method !== 'GET' && method !== 'HEAD';
	let res, out;

	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	if (changes && state.csrf && !$('csrf-omit').checked)
		headers['X-CSRF-Token'] = state.csrf;
	try {
		res = await fetch(API + path, init);
	} catch (e) {
		out = { status: 0, ok: false, data: null, retryAfter: null,
		    problem: { title: 'Erreur réseau / Network error', detail: String(e) } };
		logCall(method, path, out, false);
		return out;
	}
	const ctype = res.headers.get('Content-Type') || '';
	const text = await res.text();
	let data = null;
	if (text !== '') {
		data = text;
		if (/json/i.test(ctype)) {
			try {
				data = JSON.parse(text);
			} catch (e) {
				data = text;
			}
		}
	}
	out = { status: res.status, ok: res.ok, data, retryAfter: res.headers.get('Retry-After'),
	    problem: null };
	if (!res.ok)
		out.problem = data && typeof data === 'object' ? data :
		    { title: res.statusText, detail: typeof data === 'string' ? data.slice(0, 300) : '' };
	logCall(method, path, out, 'X-CSRF-Token' in headers);
	return out;
}

function clearFieldErrors(form) {
	if (!form)
		return;
	for (const e of form.querySelectorAll('[data-error]'))
		e.textContent = '';
	for (const i of form.querySelectorAll('[aria-invalid]'))
		i.removeAttribute('aria-invalid');
}

/* Marks a result box as waiting, before the request leaves. */
function pending(prefix, form) {
	const box = $(prefix + '-result');
	clearFieldErrors(form);
	box.className = 'result pending';
	box.replaceChildren('…');
	box.dataset.http = 'pending';
	if (form)
		for (const b of form.querySelectorAll('button'))
			b.disabled = true;
}

/* The problem+json of a failed call, as nodes; field errors go to their field too. */
function problemNodes(res, form) {
	const p = res.problem || {};
	const nodes = [el('strong', {}, `${res.status || ''} ${p.title || ''}`.trim())];
	if (p.detail)
		nodes.push(el('p', { class: 'detail' }, p.detail));
	if (p.code)
		nodes.push(el('p', { class: 'muted' }, 'code : ', el('code', {}, p.code)));
	if (Array.isArray(p.errors) && p.errors.length > 0) {
		const ul = el('ul', { class: 'errors' });
		for (const e of p.errors) {
			ul.append(el('li', { data: { field: e.field || '' } },
			    el('code', {}, e.field || '?'), ' : ', e.message || '',
			    e.code ? el('span', { class: 'muted' }, ` (${e.code})`) : null));
			const slot = form && e.field ?
			    form.querySelector(`[data-error="${CSS.escape(e.field)}"]`) : null;
			if (slot) {
				slot.textContent = e.message || e.code || 'invalide';
				const input = form.querySelector(`[name="${CSS.escape(e.field)}"]`);
				if (input)
					input.setAttribute('aria-invalid', 'true');
			}
		}
		nodes.push(ul);
	}
	if (res.retryAfter)
		nodes.push(el('p', {}, `Réessayez dans ${res.retryAfter} s. `,
		    el('span', { lang: 'en' }, `Retry in ${res.retryAfter} s.`)));
	if (res.status === 403 && p.code === 'csrf')
		nodes.push(el('p', { class: 'muted' }, 'Jeton CSRF absent ou périmé : « GET /session » le renouvelle. ',
		    el('span', { lang: 'en' }, 'Missing or stale CSRF token: GET /session renews it.')));
	return nodes;
}

/* Shows a call's outcome in #<prefix>-result and in #status. */
function show(prefix, form, res, okText) {
	const box = $(prefix + '-result');
	const status = $('status');
	if (form)
		for (const b of form.querySelectorAll('button'))
			b.disabled = false;
	if (res.ok) {
		box.className = 'result ok';
		box.replaceChildren(el('strong', {}, String(res.status)), ' ', okText || 'OK');
	} else {
		box.className = 'result err';
		box.replaceChildren(...problemNodes(res, form));
	}
	status.className = 'status ' + (res.ok ? 'ok' : 'err');
	status.replaceChildren(`${prefix} : ${res.status || 'réseau / network'} — ` +
	    (res.ok ? box.textContent.replace(/^\d+\s*/, '') :
	    (res.problem && (res.problem.detail || res.problem.title)) || ''));
	status.dataset.action = prefix;
	status.dataset.http = String(res.status);
	box.dataset.http = String(res.status);
	/* Whatever the call, a 401 means there is no session any more. */
	if (res.status === 401 && res.problem && res.problem.code === 'unauthenticated')
		renderSession(null, null);
}

function renderSession(user, csrf) {
	state.gen++;
	state.user = user;
	state.csrf = csrf;
	const s = $('session-state');
	$('session-user').hidden = !user;
	if (!user) {
		s.dataset.signedIn = 'no';
		s.replaceChildren('Non connecté·e. ', el('span', { lang: 'en' }, 'Not signed in.'));
		$('sessions-table').hidden = true;
		$('sessions-body').replaceChildren();
		return;
	}
	s.dataset.signedIn = 'yes';
	s.replaceChildren('Connecté·e : ', el('strong', {}, user.email), ' ',
	    el('span', { lang: 'en' }, '(signed in)'));
	$('session-user-id').textContent = user.id;
	$('session-email').textContent = user.email;
	$('session-name').textContent = [user.first_name, user.last_name].filter(Boolean).join(' ');
	$('session-role').textContent = user.role;
	$('session-verified').textContent = user.email_verified ? 'oui / yes' : 'non / no';
	$('session-totp').textContent = user.totp_enabled ? 'activé / on' : 'désactivé / off';
	$('session-csrf').textContent = csrf ? csrf.slice(0, 8) + '…' : '';
}

function val(id) {
	return $(id).value.trim();
}

/* Runs fn on submit, with the default navigation cancelled. */
function onSubmit(id, fn) {
	$(id).addEventListener('submit', (ev) => {
		ev.preventDefault();
		fn(ev.currentTarget);
	});
}

async function loadPolicy() {
	const res = await call('GET', '/legal/privacy-policy');
	if (!res.ok || !res.data || !res.data.version) {
		$('signup-policy-version').textContent = '? (' + (res.status || 'réseau') + ')';
		return;
	}
	state.policy = res.data;
	$('signup-policy-version').textContent = res.data.version;
	if (res.data.text_url)
		$('signup-policy-link').href = res.data.text_url;
	$('signup-policy-summary').textContent = res.data.summary ? '— ' + res.data.summary : '';
	$('signup-policy').dataset.version = res.data.version;
}

async function signup(form) {
	pending('signup', form);
	$('signup-done').hidden = true;
	const body = {
		first_name: val('signup-first-name'),
		last_name: val('signup-last-name'),
		email: val('signup-email'),
		password: $('signup-password').value,
		confirm_professional_16plus: $('signup-pro').checked,
	};
	/* Unticked: the field is left out and the API says it is required. */
	if ($('signup-accept').checked && state.policy)
		body.accept_policy_version = state.policy.version;
	const res = await call('POST', '/auth/signup', body);
	show('signup', form, res, 'Demande reçue : un e-mail part vers cette adresse. / Accepted: a mail is on its way.');
	if (res.ok) {
		$('signup-password').value = '';
		$('signup-done').hidden = false;
	}
}

async function login(form) {
	pending('login', form);
	const body = { email: val('login-email'), password: $('login-password').value };
	if (val('login-totp') !== '')
		body.totp = val('login-totp');
	const res = await call('POST', '/auth/login', body);
	if (res.ok && res.data) {
		renderSession(res.data.user, res.data.csrf_token);
		$('login-password').value = '';
		$('login-totp').value = '';
	}
	show('login', form, res, res.ok && res.data ? `Connecté·e : ${res.data.user.email} / signed in` : '');
}

async function refreshSession(quiet) {
	if (!quiet)
		pending('session', null);
	const gen = state.gen;
	const res = await call('GET', '/auth/session');
	if (quiet && gen !== state.gen)
		return;
	if (res.ok && res.data)
		renderSession(res.data.user, res.data.csrf_token);
	else if (res.status === 401)
		renderSession(null, null);
	if (!quiet)
		show('session', null, res, res.ok && res.data ? `Connecté·e : ${res.data.user.email} / signed in` : '');
}

async function logout() {
	pending('session', null);
	const res = await call('POST', '/auth/logout');
	if (res.ok)
		renderSession(null, null);
	show('session', null, res, 'Déconnecté·e. / Signed out.');
}

function sessionRow(s) {
	const btn = el('button', { type: 'button', class: 'revoke', id: 'revoke-' + s.id,
	    data: { id: s.id } }, 'Révoquer / Revoke');
	btn.addEventListener('click', () => revokeSession(s.id, s.current));
	return el('tr', { data: { id: s.id, current: s.current ? 'yes' : 'no' } },
	    el('td', {}, s.id, s.current ? el('span', { class: 'tag' }, 'cette session / this one') : null),
	    el('td', {}, s.ip || ''), el('td', { class: 'ua' }, s.user_agent || ''),
	    el('td', {}, s.created_at || ''), el('td', {}, s.last_seen_at || ''), el('td', {}, btn));
}

async function listSessions(quiet) {
	if (!quiet)
		pending('sessions', null);
	const res = await call('GET', '/auth/sessions?limit=50');
	if (res.ok && res.data) {
		$('sessions-body').replaceChildren(...res.data.items.map(sessionRow));
		$('sessions-table').hidden = false;
	}
	if (!quiet)
		show('sessions', null, res, res.ok ? `${res.data.items.length} session(s) ouverte(s) / open` : '');
}

async function revokeSession(id, current) {
	pending('sessions', null);
	const res = await call('DELETE', '/auth/sessions/' + encodeURIComponent(id));
	show('sessions', null, res, `Session ${id} révoquée. / revoked.`);
	if (res.ok && current)
		renderSession(null, null);
	else if (res.ok)
		await listSessions(true);
}

async function changePassword(form) {
	pending('change', form);
	const res = await call('POST', '/auth/password/change', {
		current_password: $('change-current').value,
		new_password: $('change-new').value,
	});
	if (res.ok) {
		$('change-current').value = '';
		$('change-new').value = '';
	}
	show('change', form, res, 'Mot de passe changé ; les autres sessions sont fermées. / Changed; other sessions closed.');
}

async function forgot(form) {
	pending('forgot', form);
	const res = await call('POST', '/auth/password/forgot', { email: val('forgot-email') });
	show('forgot', form, res, 'Si un compte existe, un lien part vers cette adresse (var/mail/new/ en dev). ' +
	    '/ If an account exists, a link is on its way.');
}

async function totpSetup() {
	pending('totp', null);
	const res = await call('POST', '/auth/totp/setup');
	const p = $('totp-secret');
	if (res.ok && res.data) {
		p.hidden = false;
		p.replaceChildren('secret : ', el('code', {}, res.data.secret), el('br'),
		    el('code', {}, res.data.otpauth_uri));
	}
	show('totp', null, res, 'Secret créé : entrez un code pour activer. / Secret created: enter a code to enable.');
}

async function totpEnable(form) {
	pending('totp', form);
	const res = await call('POST', '/auth/totp/enable', { code: val('totp-enable-code') });
	show('totp', form, res, 'TOTP activé. / enabled.');
	if (res.ok) {
		$('totp-secret').hidden = true;
		await refreshSession(true);
	}
}

async function totpDisable(form) {
	pending('totp', form);
	const res = await call('POST', '/auth/totp/disable', {
		password: $('totp-disable-password').value, code: val('totp-disable-code'),
	});
	$('totp-disable-password').value = '';
	show('totp', form, res, 'TOTP désactivé. / disabled.');
	if (res.ok)
		await refreshSession(true);
}

/* The token of a mailed link: after '#', so it never reached a server log. */
function takeHashToken() {
	const token = new URLSearchParams(location.hash.slice(1)).get('token');
	/* Out of the address bar and the history once read. */
	history.replaceState(null, '', location.pathname + location.search);
	return token;
}

async function verifyEmail() {
	$('verify-panel').hidden = false;
	const token = takeHashToken();
	const box = $('verify-result');
	if (!token) {
		box.className = 'result err';
		box.replaceChildren('Ce lien ne contient pas de jeton (#token=…). / This link has no token.');
		box.dataset.http = 'none';
		return;
	}
	pending('verify', null);
	const res = await call('POST', '/auth/verify-email', { token });
	show('verify', null, res, 'Adresse confirmée : vous pouvez vous connecter. / Address verified: sign in below.');
}

function resetPage() {
	$('reset-panel').hidden = false;
	const token = takeHashToken();
	if (!token) {
		const box = $('reset-result');
		box.className = 'result err';
		box.replaceChildren('Ce lien ne contient pas de jeton (#token=…). / This link has no token.');
		box.dataset.http = 'none';
		$('reset-submit').disabled = true;
		return;
	}
	onSubmit('reset-form', async (form) => {
		pending('reset', form);
		const res = await call('POST', '/auth/password/reset', { token, password: $('reset-password').value });
		if (res.ok) {
			$('reset-password').value = '';
			renderSession(null, null);
		}
		show('reset', form, res, 'Mot de passe enregistré ; toutes les sessions sont fermées. Connectez-vous. ' +
		    '/ Password set; every session was closed. Sign in.');
		if (res.ok)
			$('reset-submit').disabled = true;
	});
	$('reset-password').focus();
}

function start() {
	onSubmit('signup-form', signup);
	onSubmit('login-form', login);
	onSubmit('forgot-form', forgot);
	onSubmit('change-form', changePassword);
	onSubmit('totp-enable-form', totpEnable);
	onSubmit('totp-disable-form', totpDisable);
	$('session-refresh').addEventListener('click', () => refreshSession(false));
	$('sessions-refresh').addEventListener('click', () => listSessions(false));
	$('logout-submit').addEventListener('click', logout);
	$('totp-setup').addEventListener('click', totpSetup);

	const path = location.pathname.replace(/\/+$/, '');
	if (path === '/verify-email')
		verifyEmail();
	else if (path === '/reset-password')
		resetPage();
	else if (path === '/login')
		$('login-email').focus();
	Promise.all([loadPolicy(), refreshSession(true)]).then(() => {
		document.body.dataset.ready = 'yes';
	});
}

start();
