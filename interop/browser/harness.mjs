// The shared browser harness: Debian's Chromium driven by playwright-core.
//
// Stories (one script each in this directory, run by `cargo xtask browser`)
// import these helpers: the command-line arguments and a bound on the whole
// run, named checks printed as PASS/FAIL lines, Chromium launched with the
// flags this machine needs, the emulator's hosted-UI pages filled in the way a
// user does, and a child process (the CLI, a server) whose output is read
// line by line. Tokens, codes, state and passwords are never printed.
//
// Chromium is `/usr/bin/chromium` (the Debian package, installed by xtask;
// never `npx playwright install`). Playwright gives every launch a fresh
// temporary profile (its own `--user-data-dir`, removed on close), and every
// story scenario takes a fresh context, so no cookie crosses scenarios.

import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

/// The Chromium binary: Debian's package.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/// The flags Chromium needs on this machine: without the background-network
/// ones, the closed network refuses Chromium's own connections and pages hang.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/// Parses `options` (parseArgs option specs); `required` names those that must
/// be present. The whole run is bounded to `timeoutMs`, whatever hangs.
export function startStory({ name, options = {}, required = [], timeoutMs = 120_000 }) {
  const { values } = parseArgs({ options });
  const missing = required.filter((k) => !values[k]);
  if (missing.length) {
    console.error(`${name}: missing --${missing.join(', --')}`);
    process.exit(2);
  }
  setTimeout(() => {
    console.log(`FAIL ${name}: timed out after ${timeoutMs / 1000}s`);
    process.exit(1);
  }, timeoutMs).unref();
  return { args: values, checks: new Checks(name) };
}

/// Named checks: each prints one PASS/FAIL line; `finish` exits non-zero when
/// any failed (or none ran).
export class Checks {
  constructor(prefix) {
    this.prefix = prefix;
    this.failed = [];
    this.passed = 0;
  }

  async run(name, fn) {
    const started = Date.now();
    try {
      const detail = await fn();
      this.passed += 1;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`PASS ${this.prefix}: ${name} (${secs}s${detail ? `; ${detail}` : ''})`);
      return true;
    } catch (err) {
      this.failed.push(name);
      console.log(`FAIL ${this.prefix}: ${name}: ${err?.name ?? 'Error'}: ${err?.message ?? err}`);
      if (process.env.BROWSER_TRACEBACK) console.error(err);
      return false;
    } finally {
      // A check leaves no process behind, whether it passed or not.
      for (const c of [...live]) c.kill();
    }
  }

  finish() {
    const total = this.passed + this.failed.length;
    if (total === 0 || this.failed.length) {
      console.log(`${this.prefix}: ${this.failed.length} of ${total} checks failed`);
      process.exit(1);
    }
    console.log(`${this.prefix}: all ${total} checks passed`);
  }
}

/// Throws `message` unless `cond`.
export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

/// Launches Chromium (headless, the flags above). Close it with `close()`.
export async function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 30_000,
  });
}

/// A fresh context and page of `browser`, with bounded waits.
export async function freshPage(browser) {
  const context = await browser.newContext();
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

/// The emulator's hosted-UI login form (`/login`): fills in the username and
/// password and presses "Sign in". Returns when the browser has left the form
/// or the form shows an error (`{ error }`, the message shown).
export async function submitLoginForm(page, { username, password }) {
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForNavigation(), page.locator('#signin').click()]);
  const error = page.locator('#error');
  if (await error.count()) return { error: (await error.textContent())?.trim() ?? '' };
  return {};
}

/// Presses "Cancel" on the login form.
export async function cancelLoginForm(page) {
  await Promise.all([page.waitForNavigation(), page.locator('#cancel').click()]);
}

/// The emulator's mock external provider (consent page): signs in as
/// `subject` with `email` and presses "Allow" (or "Cancel" with `deny`).
export async function answerMockProvider(page, { subject, email, deny = false }) {
  await page.locator('#subject').fill(subject);
  if (email) await page.locator('#email').fill(email);
  const button = deny ? '#deny' : '#allow';
  await Promise.all([page.waitForNavigation(), page.locator(button).click()]);
}

/// The children of `child` still running; none outlives the story.
const live = new Set();
process.on('exit', () => {
  for (const c of [...live]) c.kill();
});

/// A child process whose stdout is read line by line. `line()` resolves with
/// the next line (or rejects when the process ends first); `exit()` resolves
/// with `{ code, stdout, stderr }`. `kill()` stops it; every child still
/// running is stopped at the end of the check that started it (pass or fail)
/// and on the story's exit.
export function child(command, args, { env = {} } = {}) {
  const proc = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const waiters = [];
  let stdout = '';
  let stderr = '';
  let ended = false;
  const rl = createInterface({ input: proc.stdout });
  rl.on('line', (l) => {
    stdout += `${l}\n`;
    const w = waiters.shift();
    if (w) w.resolve(l);
    else lines.push(l);
  });
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => {
    proc.on('close', (code) => {
      ended = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`exited (${code}) before a line: ${stderr.trim()}`));
      resolve({ code, stdout, stderr });
    });
  });
  const handle = {
    kill() {
      if (!ended) proc.kill('SIGKILL');
    },
  };
  live.add(handle);
  proc.on('close', () => live.delete(handle));
  return {
    line() {
      if (lines.length) return Promise.resolve(lines.shift());
      if (ended) return Promise.reject(new Error(`exited before a line: ${stderr.trim()}`));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    exit: () => exited,
    kill: handle.kill,
  };
}

/// A `$BROWSER` for a program under test: a script that hands the URL it is
/// given to this story over loopback HTTP (a server on 127.0.0.1, port 0).
/// `url()` resolves with the next URL handed over (an event, not a poll);
/// `close()` stops the server. `dir` is where the script is written.
export async function browserVariable(dir) {
  const urls = [];
  const waiters = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      res.end('ok');
      const w = waiters.shift();
      if (w) w(body.trim());
      else urls.push(body.trim());
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const script = join(dir, `browser-${port}.sh`);
  const post = `fetch('http://127.0.0.1:${port}/', { method: 'POST', body: process.argv[1] })`;
  writeFileSync(script, `#!/bin/sh\nexec '${process.execPath}' -e "${post}" "$1"\n`);
  chmodSync(script, 0o755);
  return {
    script,
    url: () => (urls.length ? Promise.resolve(urls.shift()) : new Promise((r) => waiters.push(r))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/// A page server on `url`'s host and port (loopback), answering every request
/// with a short page: the stand-in for an app's page that a redirect lands
/// on, e.g. its sign-out URI. Resolves with `{ requests, close }`.
export async function landingPage(url, body = 'landed') {
  const u = new URL(url);
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    res.setHeader('content-type', 'text/plain');
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(u.port), u.hostname, resolve);
  });
  return { requests, close: () => new Promise((resolve) => server.close(resolve)) };
}
