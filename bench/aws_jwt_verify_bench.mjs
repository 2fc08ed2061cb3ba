// aws-jwt-verify's figure for the bearer-verification row of BENCHMARKS.md,
// against the same emulator as ours (auth-axum's benches/bearer.rs).
//
// Run by `cargo xtask bench` (which installs interop/amplify_js/node_modules):
//   AMPLIFY_AUTH_PASSWORD=... node bench/aws_jwt_verify_bench.mjs \
//     --outputs PATH --username NAME [--mode smoke|quick|full]
//
// It signs the user in once (USER_PASSWORD_AUTH over HTTP), loads the pool's
// JWKS from the emulator into CognitoJwtVerifier's cache, then times
// `await verifier.verify(accessToken)` (signature, iss, token_use, client_id,
// exp): row `bearer_verify`, implementation `aws_jwt_verify`, the median of
// batches, in ns per call. The token and the password are never printed.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'interop/amplify_js/package.json'));
const { CognitoJwtVerifier } = require('aws-jwt-verify');

const { values: args } = parseArgs({
  options: {
    outputs: { type: 'string' },
    username: { type: 'string' },
    mode: { type: 'string', default: 'full' },
  },
});
const password = process.env.AMPLIFY_AUTH_PASSWORD;
if (!args.outputs || !args.username || !password) {
  console.error('usage: AMPLIFY_AUTH_PASSWORD=... node bench/aws_jwt_verify_bench.mjs --outputs PATH --username NAME [--mode smoke|quick|full]');
  process.exit(2);
}
const pick = (smoke, quick, full) => ({ smoke, quick }[args.mode] ?? full);

const TIMEOUT_MS = 300_000;
setTimeout(() => {
  console.error(`aws-jwt-verify bench: timed out after ${TIMEOUT_MS / 1000}s`);
  process.exit(1);
}, TIMEOUT_MS).unref();

const outputs = JSON.parse(readFileSync(args.outputs, 'utf8'));
const auth = outputs.auth;
const userPoolEndpoint = auth.user_pool_endpoint;
if (!userPoolEndpoint) {
  console.error('aws-jwt-verify bench: the outputs name no emulator endpoint');
  process.exit(2);
}

async function signIn() {
  const response = await fetch(userPoolEndpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: auth.user_pool_client_id,
      AuthParameters: { USERNAME: args.username, PASSWORD: password },
    }),
  });
  const body = await response.json();
  const token = body?.AuthenticationResult?.AccessToken;
  if (!token) {
    console.error(`aws-jwt-verify bench: sign-in failed (${body?.__type ?? response.status})`);
    process.exit(1);
  }
  return token;
}

const token = await signIn();
const jwks = await (await fetch(`${userPoolEndpoint.replace(/\/$/, '')}/${auth.user_pool_id}/.well-known/jwks.json`)).json();
const verifier = CognitoJwtVerifier.create({
  userPoolId: auth.user_pool_id,
  tokenUse: 'access',
  clientId: auth.user_pool_client_id,
});
verifier.cacheJwks(jwks);
// One verification first, so that a wrong set-up fails before timing.
await verifier.verify(token);

const batch = pick(20, 2_000, 5_000);
const batches = pick(2, 7, 15);
const perCall = [];
for (let b = 0; b < batches; b++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) {
    await verifier.verify(token);
  }
  perCall.push(Number(process.hrtime.bigint() - start) / batch);
}
perCall.sort((a, b) => a - b);
const median = perCall[Math.floor(perCall.length / 2)];
console.log(`BENCH ${JSON.stringify({
  impl: 'aws_jwt_verify',
  row: 'bearer_verify',
  value: median,
  unit: 'ns',
  extra: { calls: batch * batches },
})}`);
