// Amplify JS v6 (the reference client) against the cognito-emulator, in Node.
//
// Run by `cargo xtask interop` after interop/boto3_setup.py wrote the outputs:
//   AMPLIFY_AUTH_PASSWORD=... node interop/amplify_js/amplify_interop.mjs \
//     --outputs PATH --username NAME [--emulator URL]
//
// Steps, each printed as a PASS/FAIL line: configure (amplify_outputs.json plus
// the custom endpoints), signIn (SRP, the default flow), getCurrentUser,
// fetchAuthSession, fetchAuthSession({ forceRefresh: true }) (with the
// emulator's counters, to see which refresh API Amplify calls), signOut, and a
// guest fetchAuthSession. Tokens, credentials and the password are never printed.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { Amplify } from 'aws-amplify';
import { fetchAuthSession, getCurrentUser, signIn, signOut } from 'aws-amplify/auth';

const TIMEOUT_MS = 90_000;

const { values: args } = parseArgs({
  options: {
    outputs: { type: 'string' },
    username: { type: 'string' },
    emulator: { type: 'string' },
  },
});
const password = process.env.AMPLIFY_AUTH_PASSWORD;
if (!args.outputs || !args.username || !password) {
  console.error('usage: AMPLIFY_AUTH_PASSWORD=... node amplify_interop.mjs --outputs PATH --username NAME [--emulator URL]');
  process.exit(2);
}

// Bounded in time, whatever hangs.
setTimeout(() => {
  console.log(`FAIL amplify: timed out after ${TIMEOUT_MS / 1000}s`);
  process.exit(1);
}, TIMEOUT_MS).unref();

const failed = [];
let passed = 0;

async function check(name, fn) {
  try {
    const detail = await fn();
    passed += 1;
    console.log(`PASS amplify: ${name}${detail ? ` (${detail})` : ''}`);
    return true;
  } catch (err) {
    failed.push(name);
    console.log(`FAIL amplify: ${name}: ${err?.name ?? 'Error'}: ${err?.message ?? err}`);
    if (process.env.INTEROP_TRACEBACK) console.error(err);
    return false;
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// The emulator's per-operation counters (GET /_emulator/counters), or null
// when no emulator URL was given (e.g. against moto).
async function counters() {
  if (!args.emulator) return null;
  const res = await fetch(`${args.emulator}/_emulator/counters`);
  assert(res.ok, `GET /_emulator/counters answered ${res.status}`);
  const body = await res.json();
  return body.counters ?? body;
}

function delta(before, after, key) {
  return (after?.[key] ?? 0) - (before?.[key] ?? 0);
}

const outputs = JSON.parse(readFileSync(args.outputs, 'utf8'));
const auth = outputs.auth;
const state = {};

await check('configure: amplify_outputs.json + Auth.Cognito.userPoolEndpoint/identityPoolEndpoint', () => {
  // amplify_outputs.json has no endpoint keys that Amplify reads
  // (parseAmplifyOutputs drops user_pool_endpoint), so the endpoints are set
  // on the parsed ResourcesConfig.
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
  assert(cognito.allowGuestAccess === true, 'allowGuestAccess not set from unauthenticated_identities_enabled');
  return `userPoolEndpoint=${cognito.userPoolEndpoint}`;
});

const signedIn = await check('signIn (USER_SRP_AUTH, the default flow)', async () => {
  const result = await signIn({ username: args.username, password });
  assert(result.isSignedIn === true, `isSignedIn is ${result.isSignedIn}`);
  assert(result.nextStep?.signInStep === 'DONE', `nextStep is ${result.nextStep?.signInStep}`);
  return `nextStep=${result.nextStep.signInStep}`;
});

if (signedIn) {
  await check('getCurrentUser', async () => {
    const user = await getCurrentUser();
    assert(user.username === args.username, `username is ${user.username}`);
    assert(user.userId, 'no userId');
    assert(user.signInDetails?.authFlowType === 'USER_SRP_AUTH',
      `authFlowType is ${user.signInDetails?.authFlowType}`);
    state.userId = user.userId;
    return `userId=${user.userId}`;
  });

  await check('fetchAuthSession (tokens + identityId + credentials)', async () => {
    const session = await fetchAuthSession();
    assert(session.tokens?.accessToken, 'no access token');
    assert(session.tokens?.idToken, 'no id token');
    assert(session.tokens.accessToken.payload.username === args.username, 'access token username');
    assert(session.userSub === state.userId, `userSub ${session.userSub} != userId ${state.userId}`);
    assert(session.identityId, 'no identityId');
    const creds = session.credentials;
    assert(creds?.accessKeyId && creds?.secretAccessKey && creds?.sessionToken, 'incomplete credentials');
    assert(creds.expiration instanceof Date && creds.expiration > new Date(), 'credentials expiration');
    state.identityId = session.identityId;
    state.accessToken = session.tokens.accessToken.toString();
    return `identityId=${session.identityId}`;
  });

  await check('fetchAuthSession({ forceRefresh: true })', async () => {
    const before = await counters();
    const session = await fetchAuthSession({ forceRefresh: true });
    const after = await counters();
    assert(session.tokens?.accessToken, 'no access token after refresh');
    assert(session.tokens.accessToken.toString() !== state.accessToken, 'access token did not change');
    assert(session.identityId === state.identityId, 'identityId changed on refresh');
    assert(session.credentials?.accessKeyId, 'no credentials after refresh');
    if (!after) return 'no emulator counters to read';
    const viaGetTokens = delta(before, after, 'GetTokensFromRefreshToken');
    const viaInitiateAuth = delta(before, after, 'InitiateAuth');
    assert(viaGetTokens + viaInitiateAuth >= 1,
      `no refresh call seen: counters before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
    return `GetTokensFromRefreshToken +${viaGetTokens}, InitiateAuth +${viaInitiateAuth}`;
  });

  await check('signOut', async () => {
    const before = await counters();
    await signOut();
    const after = await counters();
    let error;
    try {
      await getCurrentUser();
    } catch (err) {
      error = err;
    }
    assert(error?.name === 'UserUnAuthenticatedException',
      `getCurrentUser after signOut: ${error ? error.name : 'no error'}`);
    const calls = after
      ? `, RevokeToken +${delta(before, after, 'RevokeToken')}, GlobalSignOut +${delta(before, after, 'GlobalSignOut')}`
      : '';
    return `getCurrentUser -> UserUnAuthenticatedException${calls}`;
  });
}

await check('guest fetchAuthSession (identityId + credentials, no tokens)', async () => {
  const session = await fetchAuthSession();
  assert(session.tokens === undefined, 'guest session has tokens');
  assert(session.identityId, 'no guest identityId');
  assert(session.credentials?.accessKeyId && session.credentials?.sessionToken, 'no guest credentials');
  if (state.identityId) {
    assert(session.identityId !== state.identityId, 'guest reuses the signed-in identityId');
  }
  return `identityId=${session.identityId}`;
});

const total = passed + failed.length;
if (failed.length) {
  console.log(`amplify: ${failed.length} of ${total} checks failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`amplify: all ${total} checks passed`);
process.exit(0);
