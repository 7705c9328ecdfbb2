// OpenID Connect sign-in end to end (SPEC §11): a real OpenID provider (oidc-provider, with its
// development login and consent pages) on loopback, a real aurora-server configured with
// auth.oidc.*, and a browser played by fetch with a cookie jar. Checks the authorization code
// flow with PKCE, users created on first sign-in with the role of the claim (or viewer), the
// session that results, and the refusals: replayed or forged state, unverified email, a disabled
// user, a provider that says no.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Provider from 'oidc-provider';

const bin = process.env.AURORA_SERVER_BIN;
if (!bin) throw new Error('AURORA_SERVER_BIN must name an aurora-server binary');

const accounts = {
  ed: { sub: 'ed', email: 'Ed@Example.com', email_verified: true, name: 'Ed', aurora_role: 'editor' },
  vi: { sub: 'vi', email: 'vi@example.com', email_verified: true, name: 'Vi' },
  ad: { sub: 'ad', email: 'ad@example.com', email_verified: true, aurora_role: ['viewer', 'admin'] },
  un: { sub: 'un', email: 'un@example.com', email_verified: false, aurora_role: 'admin' },
  dis: { sub: 'dis', email: 'dis@example.com', email_verified: true },
};

let idp;
let server;
let aurora;
let base;
let adminKey;
let tmp;
let serverLog = '';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A browser's cookie jar, per origin; enough for these two hosts.
class Jar {
  constructor() { this.cookies = new Map(); }
  header(url) {
    const jar = this.cookies.get(new URL(url).origin) ?? new Map();
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  store(url, res) {
    const origin = new URL(url).origin;
    const jar = this.cookies.get(origin) ?? new Map();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') jar.delete(name); else jar.set(name, value);
    }
    this.cookies.set(origin, jar);
  }
  get(url, name) { return (this.cookies.get(new URL(url).origin) ?? new Map()).get(name); }
}

async function go(jar, url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(url, res);
  return res;
}

// Follows a sign-in from Aurora's login URL through the provider's pages back to the callback;
// answers the callback's response (or the last one when it never gets there).
async function signIn(account, { stopAtCallback = false } = {}) {
  const jar = new Jar();
  let url = `${base}/api/v1/auth/oidc/login`;
  let res = await go(jar, url);
  for (let hops = 0; hops < 20; hops += 1) {
    if (url.startsWith(`${base}/api/v1/auth/oidc/callback`)) break;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location'), url).href;
      if (stopAtCallback && url.startsWith(`${base}/api/v1/auth/oidc/callback`)) return { jar, url, res };
      res = await go(jar, url);
      continue;
    }
    if (res.status === 200 && url.includes('/interaction/')) {
      const html = await res.text();
      const prompt = html.includes('name="prompt" value="login"') ? 'login' : 'consent';
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login: account, password: 'x' } : { prompt });
      res = await go(jar, url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      continue;
    }
    break;
  }
  return { jar, url, res };
}

async function me(jar) {
  const res = await go(jar, `${base}/api/v1/auth/me`);
  return { status: res.status, body: res.status === 200 ? await res.json() : null };
}

before(async () => {
  const idpPort = await freePort();
  const auroraPort = await freePort();
  base = `http://127.0.0.1:${auroraPort}`;
  const issuer = `http://127.0.0.1:${idpPort}`;
  idp = new Provider(issuer, {
    clients: [{
      client_id: 'aurora',
      client_secret: 'aurora test secret: with spaces & symbols',
      redirect_uris: [`${base}/api/v1/auth/oidc/callback`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: {
      openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], aurora: ['aurora_role'],
    },
    scopes: ['openid', 'email', 'profile', 'aurora'],
    conformIdTokenClaims: false, // the ID token carries the scopes' claims
    pkce: { required: () => true, methods: ['S256'] },
    findAccount: async (ctx, id) => (accounts[id] ? { accountId: id, claims: async () => accounts[id] } : undefined),
  });
  idp.on('server_error', (ctx, err) => console.error('oidc-provider:', err));
  server = idp.listen(idpPort, '127.0.0.1');

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-oidc-'));
  aurora = spawn(bin, [], {
    env: {
      ...process.env,
      DATABASE_DRIVER: 'sqlite',
      DATABASE_PATH: path.join(tmp, 'aurora.db'),
      SERVICE_PORT: String(auroraPort),
      SERVICE_BIND: '127.0.0.1',
      SERVER_PUBLICURL: base,
      AUTH_OIDC_ISSUER: issuer,
      AUTH_OIDC_CLIENTID: 'aurora',
      AUTH_OIDC_CLIENTSECRET: 'aurora test secret: with spaces & symbols',
      AUTH_OIDC_ROLECLAIM: 'aurora_role',
      AUTH_OIDC_SCOPES: 'openid email profile aurora',
      JOBS_ENABLED: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  aurora.stdout.on('data', (chunk) => { serverLog += chunk; });
  aurora.stderr.on('data', (chunk) => { serverLog += chunk; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aurora-server did not start:\n${out}`)), 20000);
    const onData = (chunk) => {
      out += chunk;
      if (out.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    };
    aurora.stdout.on('data', onData);
    aurora.stderr.on('data', onData);
    aurora.once('exit', (code) => reject(new Error(`aurora-server exited with ${code}:\n${out}`)));
  });
  adminKey = out.match(/admin key: (aur_admin_[0-9a-f]+)/)[1];
});

after(async () => {
  if (aurora && aurora.exitCode === null) {
    // A clean stop: exit status 0 (a sanitizer build reports leaks and errors through it).
    const exited = new Promise((resolve) => aurora.once('exit', (code) => resolve(code)));
    aurora.kill('SIGTERM');
    assert.equal(await exited, 0, `aurora-server did not stop cleanly:\n${serverLog}`);
  }
  if (server) server.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the sign-in methods are announced', async () => {
  const res = await fetch(`${base}/api/v1/auth/providers`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { password: true, oidc: { loginUrl: '/api/v1/auth/oidc/login' } });
});

test('the login URL sends the browser to the provider with PKCE, state and nonce', async () => {
  const res = await fetch(`${base}/api/v1/auth/oidc/login`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const to = new URL(res.headers.get('location'));
  assert.equal(to.searchParams.get('response_type'), 'code');
  assert.equal(to.searchParams.get('client_id'), 'aurora');
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
  assert.match(to.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(to.searchParams.get('state'), /^[0-9a-f]{64}$/);
  assert.match(to.searchParams.get('nonce'), /^[0-9a-f]{64}$/);
  assert.equal(to.searchParams.get('redirect_uri'), `${base}/api/v1/auth/oidc/callback`);
});

test('a first sign-in creates the user with the role of the claim and a working session', async () => {
  const { jar, url, res } = await signIn('ed');
  assert.ok(url.startsWith(`${base}/api/v1/auth/oidc/callback`), url);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('set-cookie'), /aurora_session=[0-9a-f]{64}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/);
  const who = await me(jar);
  assert.equal(who.status, 200);
  assert.equal(who.body.email, 'ed@example.com');
  assert.equal(who.body.name, 'Ed');
  assert.equal(who.body.role, 'editor');
  // The account exists, without a password, and the audit log says where it came from.
  const users = await (await fetch(`${base}/api/v1/users`, { headers: { authorization: `Bearer ${adminKey}` } })).json();
  const ed = users.items.find((u) => u.email === 'ed@example.com');
  assert.equal(ed.passwordSet, false);
  const audit = await (await fetch(`${base}/api/v1/audit?resource=user&actor=oidc`, { headers: { authorization: `Bearer ${adminKey}` } })).json();
  assert.equal(audit.items.length, 1);
  assert.equal(audit.items[0].after.role, 'editor');
  // A second sign-in finds the same user.
  const again = await signIn('ed');
  assert.equal(again.res.status, 200);
  assert.equal((await me(again.jar)).body.id, who.body.id);
});

test('no role claim means viewer; a list of roles grants the highest', async () => {
  const vi = await signIn('vi');
  assert.equal(vi.res.status, 200);
  assert.equal((await me(vi.jar)).body.role, 'viewer');
  const ad = await signIn('ad');
  assert.equal(ad.res.status, 200);
  assert.equal((await me(ad.jar)).body.role, 'admin');
});

test('an unverified email is refused and no user is created', async () => {
  const { jar, res } = await signIn('un');
  assert.equal(res.status, 400);
  assert.match(await res.text(), /not verified/);
  assert.equal(jar.get(base, 'aurora_session'), undefined);
  const users = await (await fetch(`${base}/api/v1/users`, { headers: { authorization: `Bearer ${adminKey}` } })).json();
  assert.equal(users.items.some((u) => u.email === 'un@example.com'), false);
});

test('a disabled user cannot sign in through the provider', async () => {
  const first = await signIn('dis');
  assert.equal(first.res.status, 200);
  const id = (await me(first.jar)).body.id;
  const patch = await fetch(`${base}/api/v1/users/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ disabled: true }),
  });
  assert.equal(patch.status, 200);
  assert.equal((await me(first.jar)).status, 401); // its session ended
  const second = await signIn('dis');
  assert.equal(second.res.status, 403);
  assert.equal(second.jar.get(base, 'aurora_session'), undefined);
});

test('a callback is good once, and only with the state Aurora issued', async () => {
  const { jar, url } = await signIn('vi', { stopAtCallback: true });
  const good = await go(jar, url);
  assert.equal(good.status, 200);
  const replay = await go(new Jar(), url); // the same code and state again
  assert.equal(replay.status, 400);
  const forged = new URL(url);
  forged.searchParams.set('state', 'f'.repeat(64));
  assert.equal((await go(new Jar(), forged.href)).status, 400);
  const missing = await go(new Jar(), `${base}/api/v1/auth/oidc/callback`);
  assert.equal(missing.status, 400);
  // A provider's refusal is shown, not followed.
  const denied = await go(new Jar(), `${base}/api/v1/auth/oidc/callback?error=access_denied&state=${'a'.repeat(64)}`);
  assert.equal(denied.status, 400);
  assert.match(await denied.text(), /access_denied/);
  const hostile = await go(new Jar(), `${base}/api/v1/auth/oidc/callback?error=%3Cscript%3E&state=x`);
  assert.equal(hostile.status, 400);
  assert.doesNotMatch(await hostile.text(), /<script>/);
});
