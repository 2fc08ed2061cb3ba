// Device SRP test vectors made by Amplify JS v6's own helpers, for
// crates/auth-cognito/tests/device_vectors.rs.
//
// For each case Amplify's AuthenticationHelper.generateHashDevice makes a new
// device's random password, salt and verifier (as Amplify does before
// ConfirmDevice); then, with the device group key as the pool name and the
// device key as the user, getPasswordAuthenticationKey and getSignatureString make
// the DEVICE_PASSWORD_VERIFIER claim for a fixed a, B, SECRET_BLOCK and time.
// Every input and output is written, so the Rust test replays them byte for byte.
//
// Usage: node scripts/device_vectors_amplify.mjs --out PATH | --check PATH
// (`cargo xtask srp-vectors` runs --check). Needs `npm ci` in interop/amplify_js.
// The values are test data, not secrets of any real device.

import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srpDir = path.join(
  root,
  'interop/amplify_js/node_modules/@aws-amplify/auth/dist/cjs/providers/cognito/utils/srp',
);
const require = createRequire(import.meta.url);
const load = (name) => require(path.join(srpDir, name));

const { BigInteger } = load('BigInteger/index.js');
const { AuthenticationHelper } = load('AuthenticationHelper/index.js');
const { calculateA } = load('calculate/index.js');
const { getSignatureString } = load('getSignatureString.js');
const { getNowString } = load('getNowString.js');
const { getBytesFromHex } = load('getBytesFromHex.js');
const { INIT_N } = load('constants.js');

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const b64 = (h) => Buffer.from(getBytesFromHex(h)).toString('base64');

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

const N = new BigInteger(INIT_N.replace(/\s+/g, ''), 16);
const g = new BigInteger('2', 16);

/// One vector from the given inputs; random parts come from `input` when set
/// (--check replays the recorded ones) and are drawn otherwise.
async function vector(input) {
  const helper = new AuthenticationHelper({
    userPoolName: input.device_group_key,
    a: new BigInteger(input.a, 16).mod(N),
    g,
    A: await calculateA({ a: new BigInteger(input.a, 16).mod(N), g, N }),
    N,
  });
  await helper.generateHashDevice(input.device_group_key, input.device_key);
  const password = helper.getRandomPassword();
  const saltHex = helper.getSaltToHashDevices();
  const verifierHex = helper.getVerifierDevices();
  // The claim, for the password just made.
  const B = new BigInteger(input.srp_b, 16);
  const key = await helper.getPasswordAuthenticationKey({
    username: input.device_key,
    password,
    serverBValue: B,
    salt: new BigInteger(input.srp_salt, 16),
  });
  const timestamp = withClock(input.unix_time, getNowString);
  const signature = getSignatureString({
    userPoolName: input.device_group_key,
    username: input.device_key,
    challengeParameters: { SECRET_BLOCK: input.secret_block },
    dateNow: timestamp,
    hkdf: key,
  });
  return {
    ...input,
    password,
    salt_hex: saltHex,
    salt_b64: b64(saltHex),
    verifier_b64: b64(verifierHex),
    timestamp,
    signature,
  };
}

const fresh = (i) => ({
  name: `amplify-device-${i}`,
  device_group_key: `-${randomBytes(6).toString('base64url').slice(0, 9)}`,
  device_key: `us-east-1_${crypto.randomUUID()}`,
  a: randomBytes(128).toString('hex'),
  srp_b: (BigInt(`0x${randomBytes(384).toString('hex')}`) % BigInt(`0x${N.toString(16)}`)).toString(16),
  srp_salt: randomBytes(16).toString('hex'),
  secret_block: randomBytes(64).toString('base64'),
  unix_time: 1_700_000_000 + i * 86_411,
});

const [mode, file] = process.argv.slice(2);
if (mode === '--out') {
  const vectors = [];
  for (let i = 0; i < 6; i += 1) vectors.push(await vector(fresh(i)));
  const doc = { source: 'Amplify JS v6 AuthenticationHelper (scripts/device_vectors_amplify.mjs)', vectors };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`device_vectors_amplify: wrote ${vectors.length} vectors to ${file}`);
} else if (mode === '--check') {
  // The random password and salt cannot be fed back into generateHashDevice:
  // check that the recorded claim still follows from the recorded password.
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  let failures = 0;
  for (const v of doc.vectors) {
    const helper = new AuthenticationHelper({
      userPoolName: v.device_group_key,
      a: new BigInteger(v.a, 16).mod(N),
      g,
      A: await calculateA({ a: new BigInteger(v.a, 16).mod(N), g, N }),
      N,
    });
    const key = await helper.getPasswordAuthenticationKey({
      username: v.device_key,
      password: v.password,
      serverBValue: new BigInteger(v.srp_b, 16),
      salt: new BigInteger(v.srp_salt, 16),
    });
    const signature = getSignatureString({
      userPoolName: v.device_group_key,
      username: v.device_key,
      challengeParameters: { SECRET_BLOCK: v.secret_block },
      dateNow: v.timestamp,
      hkdf: key,
    });
    if (signature !== v.signature) {
      failures += 1;
      console.error(`MISMATCH ${v.name}: signature`);
    }
  }
  console.log(`device_vectors_amplify: ${doc.vectors.length} claims checked; ${failures} mismatches`);
  process.exit(failures === 0 ? 0 : 1);
} else {
  console.error('usage: device_vectors_amplify.mjs --out PATH | --check PATH');
  process.exit(2);
}
