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

import { fetchAuthSession, getCurrentUser, signIn, signOut } from 'aws-amplify/auth';

import { assert, configureAmplify, delta, emulatorControls, password as readPassword, readOutputs, startStory } from './harness.mjs';

const { args, checks } = startStory({ name: 'amplify', required: ['outputs', 'username'] });
const password = readPassword('amplify');
const { counters } = emulatorControls(args.emulator);
const check = (name, fn) => checks.run(name, fn);

const outputs = readOutputs(args.outputs);
const state = {};

await check('configure: amplify_outputs.json + Auth.Cognito.userPoolEndpoint/identityPoolEndpoint', () => {
  const cognito = configureAmplify(outputs);
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

checks.finish();
