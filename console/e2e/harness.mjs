// Test harness for the console's browser tests: it starts a real
// `lgsp dev` on free loopback ports with a fresh data directory, waits until
// the admin listener is ready, and launches Debian's Chromium through
// playwright-core. It builds nothing: the binary comes from LGSP_BIN
// (default ../../bin/lgsp, that is `make build`'s output).

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

export const lgspBin = resolve(here, process.env.LGSP_BIN || '../../bin/lgsp');
export const chromiumPath = process.env.LGSP_CHROMIUM || '/usr/bin/chromium';

// How long the platform may take to answer /readyz, and to stop after
// SIGTERM before it is killed.
const readyTimeoutMs = 60_000;
const stopTimeoutMs = 15_000;

// The Chromium flags the browser tests run with: headless, as root without
// a sandbox, and without any of the browser's own connections to the
// outside (updates, sync, QUIC probes), which a closed network refuses.
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// A running `lgsp dev`.
export class Platform {
  constructor(proc, dataDir) {
    this.proc = proc;
    this.dataDir = dataDir;
    this.stdout = '';
    this.stderr = '';
    this.exited = null; // {code, signal} once the process has ended
    this.adminURL = '';
    this.gatewayURL = '';
    this.simulatorURL = '';
    this.adminPassword = '';
    this.auditorPassword = '';
  }

  // The URL printed after label in lgsp dev's banner, e.g.
  // "National-system simulators:    http://127.0.0.1:46405".
  printed(label) {
    const line = this.stdout.split('\n').find((l) => l.trim().startsWith(label));
    const m = line && line.match(/https?:\/\/[^\s]+/);
    return m ? m[0] : '';
  }

  // The last lines the platform logged, for a failure message.
  tail(n = 40) {
    return this.stderr.split('\n').slice(-n).join('\n');
  }

  // Stops the platform: SIGTERM, then SIGKILL when it has not ended within
  // 15 s. Removes its data directory.
  async stop() {
    if (this.exited === null) {
      this.proc.kill('SIGTERM');
      const ended = await waitExit(this.proc, stopTimeoutMs);
      if (!ended) {
        process.stderr.write(`lgsp dev did not stop within ${stopTimeoutMs / 1000}s of SIGTERM; killing it\n`);
        this.proc.kill('SIGKILL');
        await waitExit(this.proc, 5_000);
      }
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

// Starts `lgsp dev --data <tmpdir>` with every listener on a free port and
// resolves once the admin listener's /readyz answers 200. extraEnv adds or
// overrides LGSP_* settings.
export async function startPlatform(extraEnv = {}) {
  if (!existsSync(lgspBin)) {
    throw new Error(`lgsp binary not found at ${lgspBin}: run make build, or set LGSP_BIN`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'lgsp-e2e-'));
  const env = {
    ...process.env,
    LGSP_GATEWAY_ADDR: '127.0.0.1:0',
    LGSP_ADMIN_ADDR: '127.0.0.1:0',
    LGSP_SIMULATOR_ADDR: '127.0.0.1:0',
    LGSP_SIM_VDXP_ADDR: '127.0.0.1:0',
    LGSP_SIM_DVCQG_ADDR: '127.0.0.1:0',
    ...extraEnv,
  };
  const proc = spawn(lgspBin, ['dev', '--data', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const p = new Platform(proc, dataDir);
  proc.stdout.setEncoding('utf8').on('data', (s) => (p.stdout += s));
  proc.stderr.setEncoding('utf8').on('data', (s) => {
    p.stderr += s;
    // Keep memory bounded on a chatty run: the tail is what a failure shows.
    if (p.stderr.length > 1 << 20) p.stderr = p.stderr.slice(-(1 << 19));
  });
  proc.on('exit', (code, signal) => (p.exited = { code, signal }));

  try {
    const deadline = Date.now() + readyTimeoutMs;
    // The admin URL is written to <data>/admin-url once the listener is bound.
    while (!p.adminURL) {
      if (p.exited) throw new Error(`lgsp dev exited (${JSON.stringify(p.exited)}) before listening:\n${p.tail()}`);
      if (Date.now() > deadline) throw new Error(`lgsp dev wrote no admin-url within ${readyTimeoutMs / 1000}s:\n${p.tail()}`);
      try {
        p.adminURL = (await readFile(join(dataDir, 'admin-url'), 'utf8')).trim().replace(/\/$/, '');
      } catch {
        await sleep(100);
      }
    }
    for (;;) {
      if (p.exited) throw new Error(`lgsp dev exited (${JSON.stringify(p.exited)}) before ready:\n${p.tail()}`);
      if (Date.now() > deadline) throw new Error(`${p.adminURL}/readyz not 200 within ${readyTimeoutMs / 1000}s:\n${p.tail()}`);
      try {
        const res = await fetch(`${p.adminURL}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    // The banner is printed before the listeners serve; wait for the lines
    // the tests read.
    while (!p.printed('National-system simulators:') || !p.printed('Gateway')) {
      if (Date.now() > deadline) throw new Error(`lgsp dev printed no banner:\n${p.stdout}`);
      await sleep(50);
    }
    p.gatewayURL = p.printed('Gateway');
    p.simulatorURL = p.printed('National-system simulators:');
    p.adminPassword = (await readFile(join(dataDir, 'admin-password'), 'utf8')).trim();
    try {
      p.auditorPassword = (await readFile(join(dataDir, 'auditor-password'), 'utf8')).trim();
    } catch {
      // older builds seed no auditor
    }
  } catch (err) {
    await p.stop();
    throw err;
  }
  return p;
}

// Launches Debian's Chromium headless with a fresh profile. It never
// downloads a browser.
export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set LGSP_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

// A new browser context (its own cookies) with Vietnamese as the browser's
// language, at the size of a common laptop screen unless told otherwise.
export async function newContext(browser, options = {}) {
  return browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN', ...options });
}

// Signs in on the console's login form and waits to leave /login.
export async function signIn(page, platform, username, password) {
  await page.goto(`${platform.adminURL}/login`);
  const form = page.locator('form#login');
  await form.locator('input[name="username"]').fill(username);
  await form.locator('input[name="password"]').fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 }),
    form.locator('button[type="submit"], input[type="submit"]').first().click(),
  ]);
}

// Signs out with the console's sign-out form, which every signed-in page has.
export async function signOut(page) {
  const form = page.locator('form[action="/logout"]').first();
  await Promise.all([
    page.waitForURL((u) => u.pathname.startsWith('/login'), { timeout: 15_000 }),
    form.locator('button, input[type="submit"]').first().click(),
  ]);
}

// The admin REST API (/admin/v1) with a session of its own, for setting up
// what a test needs but does not test (another agency, a user of a role).
export class AdminAPI {
  constructor(baseURL, token) {
    this.baseURL = baseURL;
    this.token = token;
  }

  static async login(platform, username, password) {
    const res = await fetch(`${platform.adminURL}/admin/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await res.json();
    if (res.status !== 200 || !body.sessionToken) {
      throw new Error(`login ${username}: HTTP ${res.status} ${JSON.stringify(body)}`);
    }
    return new AdminAPI(platform.adminURL, body.sessionToken);
  }

  async call(method, path, body) {
    const res = await fetch(`${this.baseURL}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { raw: text };
    }
    if (res.status >= 300) {
      const err = new Error(`${method} /admin/v1${path}: HTTP ${res.status} ${text}`);
      err.status = res.status;
      err.body = json;
      throw err;
    }
    return json;
  }

  get(path) {
    return this.call('GET', path);
  }

  post(path, body = {}) {
    return this.call('POST', path, body);
  }
}

// A unique suffix for names a test creates, so that reruns on one platform
// never collide.
export function unique() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

// The path of a URL string.
export function pathOf(url) {
  return new URL(url).pathname;
}
