// Amplify JS v6's figures for BENCHMARKS.md, against the same emulator as ours.
//
// Run by `cargo xtask bench` (which installs interop/amplify_js/node_modules):
//   AMPLIFY_AUTH_PASSWORD=... node bench/amplify_js_bench.mjs \
//     --outputs PATH --username NAME --emulator URL [--mode smoke|quick|full]
//
// Rows, printed as `BENCH {json}` lines (the format of benches/report.rs):
//   fetch_auth_session_cached  fetchAuthSession() on valid cached tokens and credentials
//   get_current_user           getCurrentUser() on valid tokens
//   srp_maths                  AuthenticationHelper: random a, A = g^a, then x, S, HKDF,
//                              signature, with fixed server inputs (no network)
//   srp_sign_in_full           signIn() (USER_SRP_AUTH) against the emulator
//   concurrent_force_refresh_10k  N concurrent fetchAuthSession({ forceRefresh: true }),
//                              with the emulator's call counters
// Tokens, credentials and the password are never printed.

import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'interop/amplify_js/package.json'));
const { Amplify } = require('aws-amplify');
const { fetchAuthSession, getCurrentUser, signIn, signOut } = require('aws-amplify/auth');
const srpDir = path.join(
  root,
  'interop/amplify_js/node_modules/@aws-amplify/auth/dist/cjs/providers/cognito/utils/srp',
);
const load = (name) => require(path.join(srpDir, name));
const { BigInteger } = load('BigInteger/index.js');
const { AuthenticationHelper } = load('AuthenticationHelper/index.js');
const { calculateA } = load('calculate/index.js');
const { getSignatureString } = load('getSignatureString.js');
const { getNowString } = load('getNowString.js');

const { values: args } = parseArgs({
  options: {
    outputs: { type: 'string' },
    username: { type: 'string' },
    emulator: { type: 'string' },
    mode: { type: 'string', default: 'full' },
  },
});
const password = process.env.AMPLIFY_AUTH_PASSWORD;
if (!args.outputs || !args.username || !args.emulator || !password) {
  console.error('usage: AMPLIFY_AUTH_PASSWORD=... node bench/amplify_js_bench.mjs --outputs PATH --username NAME --emulator URL [--mode smoke|quick|full]');
  process.exit(2);
}
const pick = (smoke, quick, full) => ({ smoke, quick }[args.mode] ?? full);

const TIMEOUT_MS = 600_000;
setTimeout(() => {
  console.error(`amplify bench: timed out after ${TIMEOUT_MS / 1000}s`);
  process.exit(1);
}, TIMEOUT_MS).unref();

const emit = (row, value, unit, extra = {}) =>
  console.log(`BENCH ${JSON.stringify({ impl: 'amplify_js', row, value, unit, extra })}`);
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function counters() {
  const res = await fetch(`${args.emulator}/_emulator/counters`);
  const body = await res.json();
  return body.counters ?? body;
}
const delta = (a, b, k) => (b?.[k] ?? 0) - (a?.[k] ?? 0);

// Configure as interop/amplify_js/amplify_interop.mjs does.
const outputs = JSON.parse(readFileSync(args.outputs, 'utf8'));
Amplify.configure(outputs);
const parsed = Amplify.getConfig();
Amplify.configure({
  ...parsed,
  Auth: {
    ...parsed.Auth,
    Cognito: {
      ...parsed.Auth.Cognito,
      userPoolEndpoint: outputs.auth.user_pool_endpoint,
      identityPoolEndpoint: outputs.auth.identity_pool_endpoint,
    },
  },
});

// Per-call time of an async fn, median over batches, in ns.
async function perCallNs(fn) {
  const samples = pick(3, 30, 200);
  const batch = pick(10, 200, 500);
  for (let i = 0; i < batch; i++) await fn();
  const xs = [];
  for (let s = 0; s < samples; s++) {
    const t = nowMs();
    for (let i = 0; i < batch; i++) await fn();
    xs.push(((nowMs() - t) * 1e6) / batch);
  }
  return median(xs);
}

// SRP maths with fixed server inputs.
{
  const N = new BigInteger(
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
    16,
  );
  const g = new BigInteger('2', 16);
  // Amplify's BigInteger.modPow answers through a callback.
  const B = await new Promise((resolve, reject) =>
    g.modPow(new BigInteger('1234567890abcdef1234567890abcdef', 16), N, (err, r) =>
      err ? reject(err) : resolve(r),
    ),
  );
  const salt = new BigInteger('9f1e2d3c4b5a69788796a5b4c3d2e1f0', 16);
  const runs = pick(2, 10, 30);
  const xs = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = nowMs();
    const a = new BigInteger(randomBytes(128).toString('hex'), 16).mod(N);
    const A = await calculateA({ a, g, N });
    const helper = new AuthenticationHelper({ userPoolName: 'AbCdEfGhI', a, g, A, N });
    const hkdf = await helper.getPasswordAuthenticationKey({
      username: 'alice',
      password: 'Passw0rd!',
      serverBValue: B,
      salt,
    });
    getSignatureString({
      userPoolName: 'AbCdEfGhI',
      username: 'alice',
      challengeParameters: { SECRET_BLOCK: 'c2VjcmV0IGJsb2Nr' },
      dateNow: getNowString(),
      hkdf,
    });
    xs.push(nowMs() - t);
  }
  emit('srp_maths', median(xs.slice(1)), 'ms', { runs });
}

// Full sign-in against the emulator.
{
  const runs = pick(2, 10, 30);
  const xs = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = nowMs();
    const r = await signIn({ username: args.username, password });
    xs.push(nowMs() - t);
    if (!r.isSignedIn) throw new Error(`signIn: ${r.nextStep?.signInStep}`);
    if (i < runs) await signOut();
  }
  emit('srp_sign_in_full', median(xs.slice(1)), 'ms', { runs });
}

// Cached reads.
{
  const s = await fetchAuthSession();
  if (!s.tokens || !s.credentials) throw new Error('no tokens or credentials');
  emit('fetch_auth_session_cached', await perCallNs(() => fetchAuthSession()), 'ns');
  emit('get_current_user', await perCallNs(() => getCurrentUser()), 'ns');
}

// N concurrent forced refreshes.
{
  const callers = pick(100, 10_000, 10_000);
  const before = await counters();
  const t = nowMs();
  const results = await Promise.allSettled(
    Array.from({ length: callers }, () => fetchAuthSession({ forceRefresh: true })),
  );
  const ms = nowMs() - t;
  const after = await counters();
  emit('concurrent_force_refresh_10k', ms, 'ms', {
    callers,
    ok: results.filter((r) => r.status === 'fulfilled' && r.value.credentials).length,
    token_calls: delta(before, after, 'GetTokensFromRefreshToken') + delta(before, after, 'InitiateAuth'),
    get_id_calls: delta(before, after, 'GetId'),
    credential_calls: delta(before, after, 'GetCredentialsForIdentity'),
  });
}

await signOut();
process.exit(0);
