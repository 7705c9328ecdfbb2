// Shared by the OFREP tests: runs the real aurora-server binary (AURORA_SERVER_BIN) on a fresh
// SQLite database and a free port, seeds it through the management API, and makes requests.
//
// Environment:
//   AURORA_SERVER_BIN         path of aurora-server (required; tests/ofrep/run.sh sets it)
//   AURORA_TEST_AUTH_ENABLED  AUTH_ENABLED for the server (default "false"); when true, the
//                             keys the server prints on its first start are used
//   AURORA_TEST_SDK_KEY       sent as `Authorization: Bearer` on OFREP and evaluate requests
//   AURORA_TEST_ADMIN_KEY     sent as `Authorization: Bearer` on management requests (seeding);
//                             the SDK key when unset

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function bearer(key) {
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** An aurora-server child process. */
export class AuroraServer {
  async start() {
    const bin = process.env.AURORA_SERVER_BIN;
    if (!bin) throw new Error('AURORA_SERVER_BIN must name the aurora-server binary (tests/ofrep/run.sh sets it)');
    this.dir = mkdtempSync(join(tmpdir(), 'aurora-ofrep-'));
    // Another process may take the probed port before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launch(bin, await freePort());
      } catch (error) {
        if (attempt >= 3 || !/cannot listen/.test(String(error.message))) throw error;
      }
    }
  }

  async launch(bin, port) {
    // A clean environment: only what the server needs, so the caller's SERVICE_PORT & co. do not leak in.
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SERVICE_PORT: String(port),
      SERVICE_BIND: '127.0.0.1',
      DATABASE_DRIVER: 'sqlite',
      DATABASE_PATH: join(this.dir, 'aurora.db'),
      AUTH_ENABLED: process.env.AURORA_TEST_AUTH_ENABLED || 'false',
      LOGGING_LEVEL: 'warn',
    };
    if (process.env.LD_LIBRARY_PATH) env.LD_LIBRARY_PATH = process.env.LD_LIBRARY_PATH;
    // cwd is the temp dir, so no ./config.yaml is picked up.
    this.child = spawn(bin, [], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.log = '';
    this.child.stderr.on('data', (chunk) => {
      this.log += chunk;
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`aurora-server did not start within 20 s:\n${this.log}`)), 20_000);
      this.child.stdout.on('data', (chunk) => {
        out += chunk;
        if (/listening on port \d+/.test(out)) {
          clearTimeout(timer);
          // With auth on, a first start prints an admin and an sdk key.
          this.sdkKey = process.env.AURORA_TEST_SDK_KEY || (/^ *sdk key: (\S+)$/m.exec(out)?.[1] ?? '');
          this.adminKey = process.env.AURORA_TEST_ADMIN_KEY || (/^ *admin key: (\S+)$/m.exec(out)?.[1] ?? '') || this.sdkKey;
          resolve();
        }
      });
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`aurora-server exited with ${code} before listening:\n${this.log}`));
      });
    });
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * A request; `body` (an object) is sent as JSON, a string as is. Sends the SDK key (the admin
   * key with `admin`) unless `anonymous`. Returns status, headers, text and parsed JSON.
   */
  async request(method, path, { body, headers = {}, admin = false, anonymous = false } = {}) {
    const init = {
      method,
      headers: { ...(anonymous ? {} : bearer(admin ? this.adminKey : this.sdkKey)), ...headers },
    };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, init);
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** POSTs a resource to the management API and returns it (throws unless 201). */
  async create(plural, resource) {
    const r = await this.request('POST', `/api/v1/${plural}`, { body: resource, admin: true });
    if (r.status !== 201) throw new Error(`POST /api/v1/${plural} ${JSON.stringify(resource)} -> ${r.status} ${r.text}`);
    return r.json;
  }

  /** POST /api/v1/evaluate for one parameter. */
  async evaluate(parameter, attributes) {
    const r = await this.request('POST', '/api/v1/evaluate', { body: { parameter, attributes } });
    if (r.status !== 200) throw new Error(`evaluate ${parameter} -> ${r.status} ${r.text}`);
    return r.json;
  }
}

/**
 * The flags both tests use. Returns the experiment (with its id).
 *
 *   new-checkout     boolean  rule "pro-users" (plan = pro) → true; default false
 *   welcome-message  string   rule "us" (country = US) → "Howdy"; default "Hello"
 *   max-items        number   rule "adults" (age > 30) → 25; default 10
 *   ratio            number   no rules: 0.75
 *   ui-config        json     rule "pro" (plan = pro) → {theme: dark, columns: 4}; default {theme: light, columns: 3}
 *   beta-banner      boolean  rule "beta-half": everyone, 50 % rollout on user_id → true; default false
 *   killed           boolean  disabled (kill switch); default false, rule "all" → true
 *   hero-title       string   experiment "Hero test" 50/50 on user_id: "Welcome" / "Discover"
 *   list-value       json     [1, 2] (an array: OFREP cannot carry it)
 *   nothing          json     null (answered without a value)
 */
export async function seed(server) {
  await server.create('attributes', { name: 'user_id', dataType: 'string' });
  await server.create('attributes', { name: 'country', dataType: 'string' });
  await server.create('attributes', { name: 'plan', dataType: 'enum', enumOptions: ['free', 'pro'] });
  await server.create('attributes', { name: 'age', dataType: 'number' });
  const cond = (attribute, operator, value) => ({ attribute, operator, value });
  await server.create('parameters', {
    name: 'new-checkout',
    dataType: 'boolean',
    defaultValue: false,
    rules: [{ id: 'pro-users', conditions: [cond('plan', 'equals', 'pro')], value: true }],
  });
  await server.create('parameters', {
    name: 'welcome-message',
    dataType: 'string',
    defaultValue: 'Hello',
    rules: [{ id: 'us', conditions: [cond('country', 'equals', 'US')], value: 'Howdy' }],
  });
  await server.create('parameters', {
    name: 'max-items',
    dataType: 'number',
    defaultValue: 10,
    rules: [{ id: 'adults', conditions: [cond('age', 'greater_than', 30)], value: 25 }],
  });
  await server.create('parameters', { name: 'ratio', dataType: 'number', defaultValue: 0.75 });
  await server.create('parameters', {
    name: 'ui-config',
    dataType: 'json',
    defaultValue: { theme: 'light', columns: 3 },
    rules: [{ id: 'pro', conditions: [cond('plan', 'equals', 'pro')], value: { theme: 'dark', columns: 4 } }],
  });
  await server.create('parameters', {
    name: 'beta-banner',
    dataType: 'boolean',
    defaultValue: false,
    rules: [{ id: 'beta-half', conditions: [], value: true, rollout: { percentage: 50, hashAttribute: 'user_id' } }],
  });
  await server.create('parameters', {
    name: 'killed',
    dataType: 'boolean',
    enabled: false,
    defaultValue: false,
    rules: [{ id: 'all', conditions: [], value: true }],
  });
  await server.create('parameters', { name: 'hero-title', dataType: 'string', defaultValue: 'Welcome' });
  await server.create('parameters', { name: 'list-value', dataType: 'json', defaultValue: [1, 2] });
  await server.create('parameters', { name: 'nothing', dataType: 'json', defaultValue: null });
  const experiment = await server.create('experiments', {
    name: 'Hero test',
    hashAttribute: 'user_id',
    status: 'running',
    variants: [
      { name: 'Control', trafficAllocation: 50, parameters: [{ parameterName: 'hero-title', rolloutValue: 'Welcome' }] },
      { name: 'Discover', trafficAllocation: 50, parameters: [{ parameterName: 'hero-title', rolloutValue: 'Discover' }] },
    ],
  });
  if (experiment.status !== 'running') throw new Error(`the experiment did not start: ${JSON.stringify(experiment)}`);
  // The snapshot is rebuilt on commit; wait until the server serves the last write.
  for (let i = 0; i < 100; i++) {
    const r = await server.request('POST', '/ofrep/v1/evaluate/flags/hero-title', { body: { context: { targetingKey: 'u' } } });
    if (r.status === 200 && r.json.reason === 'SPLIT') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return experiment;
}
