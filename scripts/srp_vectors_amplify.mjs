// Cross-checks the pycognito SRP vectors against Amplify JS v6's own SRP
// helpers (AuthenticationHelper, calculateU, getSignatureString,
// getNowString), so the vectors are confirmed by two independent clients.
//
// Usage: node scripts/srp_vectors_amplify.mjs [VECTORS_JSON]
// Needs `npm ci` in interop/amplify_js (aws-amplify is installed there).
// Exits non-zero on the first disagreement. Reads no network, writes nothing.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vectorsPath = process.argv[2] ?? path.join(root, 'crates/auth-cognito/tests/data/srp_vectors.json');
const srpDir = path.join(
  root,
  'interop/amplify_js/node_modules/@aws-amplify/auth/dist/cjs/providers/cognito/utils/srp',
);
const require = createRequire(import.meta.url);
const load = (name) => require(path.join(srpDir, name));

const { BigInteger } = load('BigInteger/index.js');
const { AuthenticationHelper } = load('AuthenticationHelper/index.js');
const { calculateA, calculateU } = load('calculate/index.js');
const { getSignatureString } = load('getSignatureString.js');
const { getNowString } = load('getNowString.js');

const doc = JSON.parse(readFileSync(vectorsPath, 'utf8'));
const N = new BigInteger(doc.n, 16);
const g = new BigInteger(doc.g, 16);
const hex = (bytes) => Buffer.from(bytes).toString('hex');

let failures = 0;
const expect = (what, actual, expected) => {
  if (actual !== expected) {
    failures += 1;
    console.error(`MISMATCH ${what}\n  amplify:    ${actual}\n  pycognito:  ${expected}`);
  }
};

// Amplify reads the clock with `new Date()`; pin it per timestamp.
const RealDate = globalThis.Date;
const withClock = (unixSecs, fn) => {
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      super(...(args.length ? args : [unixSecs * 1000]));
    }
  };
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
};

let checked = 0;
let rejected = 0;
for (const v of doc.vectors) {
  const a = new BigInteger(v.a, 16).mod(N);
  const A = await calculateA({ a, g, N });
  expect(`${v.name}: A`, A.toString(16), v.big_a);
  const helper = new AuthenticationHelper({ userPoolName: v.pool_name, a, g, A, N });
  const B = new BigInteger(v.srp_b, 16);
  const params = {
    username: v.user_id_for_srp,
    password: v.password,
    serverBValue: B,
    salt: new BigInteger(v.salt, 16),
  };

  if (v.expected_error) {
    let threw = false;
    try {
      await helper.getPasswordAuthenticationKey(params);
    } catch {
      threw = true;
    }
    expect(`${v.name}: rejects B`, threw, true);
    rejected += 1;
    continue;
  }

  expect(`${v.name}: u`, calculateU({ A, B }).toString(16), v.u);
  const key = await helper.getPasswordAuthenticationKey(params);
  expect(`${v.name}: key`, hex(key), v.key);
  const timestamp = withClock(v.unix_time, getNowString);
  expect(`${v.name}: timestamp`, timestamp, v.timestamp);
  const signature = getSignatureString({
    userPoolName: v.pool_name,
    username: v.user_id_for_srp,
    challengeParameters: { SECRET_BLOCK: v.secret_block },
    dateNow: timestamp,
    hkdf: key,
  });
  expect(`${v.name}: signature`, signature, v.signature);
  checked += 1;
}

for (const t of doc.timestamps) {
  expect(`timestamp ${t.unix_time}`, withClock(t.unix_time, getNowString), t.formatted);
}

console.log(
  `srp_vectors_amplify: ${checked} exchanges, ${rejected} rejections, ` +
    `${doc.timestamps.length} timestamps checked against Amplify JS; ${failures} mismatches`,
);
process.exit(failures === 0 ? 0 : 1);
