// Shared helpers for the Amplify JS stories run by `cargo xtask interop`.
//
// Each story is its own script (amplify_interop.mjs, and one per feature).
// It imports these helpers: the command-line arguments, a bound on the whole
// run, named checks printed as PASS/FAIL lines, the emulator's counters and
// test controls, and Amplify configured from an amplify_outputs.json plus the
// custom endpoints. Tokens, codes, credentials and passwords are never printed.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { Amplify } from 'aws-amplify';

/// Parses the common options (`--outputs`, `--username`, `--emulator`) plus
/// `extra` (parseArgs option specs), and bounds the run to `timeoutMs`.
/// `required` names the options that must be present.
export function startStory({ name, extra = {}, required = ['outputs'], timeoutMs = 90_000 }) {
  const { values } = parseArgs({
    options: {
      outputs: { type: 'string' },
      username: { type: 'string' },
      emulator: { type: 'string' },
      ...extra,
    },
  });
  const missing = required.filter((k) => !values[k]);
  if (missing.length) {
    console.error(`${name}: missing --${missing.join(', --')}`);
    process.exit(2);
  }
  // Bounded in time, whatever hangs.
  setTimeout(() => {
    console.log(`FAIL ${name}: timed out after ${timeoutMs / 1000}s`);
    process.exit(1);
  }, timeoutMs).unref();
  return { args: values, checks: new Checks(name) };
}

/// Named checks: each prints one PASS/FAIL line; `finish` exits non-zero when
/// any failed.
export class Checks {
  constructor(prefix) {
    this.prefix = prefix;
    this.failed = [];
    this.passed = 0;
  }

  async run(name, fn) {
    try {
      const detail = await fn();
      this.passed += 1;
      console.log(`PASS ${this.prefix}: ${name}${detail ? ` (${detail})` : ''}`);
      return true;
    } catch (err) {
      this.failed.push(name);
      console.log(`FAIL ${this.prefix}: ${name}: ${err?.name ?? 'Error'}: ${err?.message ?? err}`);
      if (process.env.INTEROP_TRACEBACK) console.error(err);
      return false;
    }
  }

  finish() {
    const total = this.passed + this.failed.length;
    if (this.failed.length) {
      console.log(`${this.prefix}: ${this.failed.length} of ${total} checks failed: ${this.failed.join(', ')}`);
      process.exit(1);
    }
    console.log(`${this.prefix}: all ${total} checks passed`);
    process.exit(0);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/// The password, from the environment only.
export function password(name) {
  const value = process.env.AMPLIFY_AUTH_PASSWORD;
  if (!value) {
    console.error(`${name}: AMPLIFY_AUTH_PASSWORD is not set`);
    process.exit(2);
  }
  return value;
}

export function readOutputs(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/// Configures Amplify from `outputs` and adds the custom endpoints:
/// amplify_outputs.json has no endpoint keys that Amplify reads
/// (parseAmplifyOutputs drops user_pool_endpoint), so they are set on the
/// parsed ResourcesConfig. Returns the resulting Cognito config.
export function configureAmplify(outputs) {
  const auth = outputs.auth;
  Amplify.configure(outputs);
  const parsed = Amplify.getConfig();
  Amplify.configure({
    ...parsed,
    Auth: {
      ...parsed.Auth,
      Cognito: {
        ...parsed.Auth.Cognito,
        userPoolEndpoint: auth.user_pool_endpoint,
        identityPoolEndpoint: auth.identity_pool_endpoint,
      },
    },
  });
  const cognito = Amplify.getConfig().Auth.Cognito;
  assert(cognito.userPoolEndpoint === auth.user_pool_endpoint, 'userPoolEndpoint not kept');
  assert(cognito.identityPoolEndpoint === auth.identity_pool_endpoint, 'identityPoolEndpoint not kept');
  return cognito;
}

/// The emulator's test controls under `/_emulator/`, or null methods' results
/// when no emulator URL was given (e.g. against moto).
export function emulatorControls(emulator) {
  async function get(path) {
    const res = await fetch(`${emulator}${path}`);
    assert(res.ok, `GET ${path} answered ${res.status}`);
    return res.json();
  }
  return {
    /// The per-operation counters (GET /_emulator/counters), or null.
    async counters() {
      if (!emulator) return null;
      const body = await get('/_emulator/counters');
      return body.counters ?? body;
    },
    /// The codes the emulator sent to a user (GET /_emulator/users/{pool}/{user}/codes).
    async codes(poolId, username) {
      assert(emulator, 'codes need --emulator');
      return get(`/_emulator/users/${encodeURIComponent(poolId)}/${encodeURIComponent(username)}/codes`);
    },
  };
}

/// How much counter `key` grew between two counter snapshots.
export function delta(before, after, key) {
  return (after?.[key] ?? 0) - (before?.[key] ?? 0);
}
