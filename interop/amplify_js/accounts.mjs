// Amplify JS v6, unmodified, through the account flows against the cognito-emulator.
//
// Run by `cargo xtask interop` after interop/accounts_setup.py wrote the outputs
// (a pool that auto-verifies e-mail, a client that allows USER_AUTH):
//   AMPLIFY_AUTH_PASSWORD=... node interop/amplify_js/accounts.mjs \
//     --outputs PATH --emulator URL
//
// Users are signed up by the story; codes come from the emulator's test
// control `GET /_emulator/users/{pool}/{username}/codes`. Each step prints a
// PASS/FAIL line; passwords, codes and tokens are never printed.

import {
  autoSignIn,
  confirmResetPassword,
  confirmSignUp,
  confirmUserAttribute,
  deleteUser,
  fetchAuthSession,
  fetchUserAttributes,
  getCurrentUser,
  resetPassword,
  signIn,
  signOut,
  signUp,
  updatePassword,
  updateUserAttributes,
} from 'aws-amplify/auth';

import { assert, configureAmplify, delta, emulatorControls, password as readPassword, readOutputs, startStory } from './harness.mjs';

const { args, checks } = startStory({ name: 'amplify accounts', required: ['outputs', 'emulator'] });
const password = readPassword('amplify accounts');
// Passwords derived from the given one: they meet the same policy.
const changedPassword = `${password}c`;
const resetPasswordValue = `${password}r`;
const { counters, codes } = emulatorControls(args.emulator);
const check = (name, fn) => checks.run(name, fn);

const outputs = readOutputs(args.outputs);
const poolId = outputs.auth.user_pool_id;
const suffix = `${process.pid}`;
const alice = `alice${suffix}`;
const bob = `bob${suffix}`;

await check('configure', () => {
  configureAmplify(outputs);
});

// 1. signUp with autoSignIn: { authFlowType: 'USER_AUTH' }: confirmSignUp's Session
//    goes into InitiateAuth USER_AUTH, with no password.
const aliceIn = await check('signUp (autoSignIn USER_AUTH) -> CONFIRM_SIGN_UP with EMAIL delivery', async () => {
  const r = await signUp({
    username: alice,
    password,
    options: { userAttributes: { email: `${alice}@example.com` }, autoSignIn: { authFlowType: 'USER_AUTH' } },
  });
  assert(r.isSignUpComplete === false, `isSignUpComplete is ${r.isSignUpComplete}`);
  assert(r.nextStep.signUpStep === 'CONFIRM_SIGN_UP', `signUpStep is ${r.nextStep.signUpStep}`);
  assert(r.nextStep.codeDeliveryDetails?.deliveryMedium === 'EMAIL',
    `deliveryMedium is ${r.nextStep.codeDeliveryDetails?.deliveryMedium}`);
  assert(r.userId, 'no userId');
  return `destination=${r.nextStep.codeDeliveryDetails.destination}`;
}) && await check('confirmSignUp -> COMPLETE_AUTO_SIGN_IN', async () => {
  const { confirmation_code: code } = await codes(poolId, alice);
  assert(code, 'the emulator sent no confirmation code');
  const r = await confirmSignUp({ username: alice, confirmationCode: code });
  assert(r.isSignUpComplete === true, `isSignUpComplete is ${r.isSignUpComplete}`);
  assert(r.nextStep.signUpStep === 'COMPLETE_AUTO_SIGN_IN', `signUpStep is ${r.nextStep.signUpStep}`);
}) && await check('autoSignIn (InitiateAuth USER_AUTH with the session, no SRP round) -> DONE, a session', async () => {
  const before = await counters();
  const r = await autoSignIn();
  const after = await counters();
  assert(r.isSignedIn === true && r.nextStep.signInStep === 'DONE', `nextStep is ${r.nextStep?.signInStep}`);
  assert(delta(before, after, 'InitiateAuth') === 1, `InitiateAuth +${delta(before, after, 'InitiateAuth')}`);
  assert(delta(before, after, 'RespondToAuthChallenge') === 0, 'a challenge was answered');
  const user = await getCurrentUser();
  assert(user.username === alice, `username is ${user.username}`);
  const session = await fetchAuthSession();
  assert(session.tokens?.accessToken?.payload?.username === alice, 'access token username');
  assert(session.identityId && session.credentials?.accessKeyId, 'no identity or credentials');
  return `authFlowType=${user.signInDetails?.authFlowType}`;
});

if (aliceIn) {
  // 2. updatePassword for the signed-in user; the new one signs in.
  await check('updatePassword, then signIn with the new password', async () => {
    await updatePassword({ oldPassword: password, newPassword: changedPassword });
    await signOut();
    const r = await signIn({ username: alice, password: changedPassword });
    assert(r.isSignedIn === true, `nextStep is ${r.nextStep?.signInStep}`);
  });

  // 3. Attributes: fetch, update (a code for the e-mail), confirm.
  await check('fetchUserAttributes / updateUserAttributes / confirmUserAttribute', async () => {
    const a = await fetchUserAttributes();
    assert(a.email === `${alice}@example.com` && a.email_verified === 'true', `email ${a.email} verified ${a.email_verified}`);
    assert(a.sub, 'no sub');
    const newEmail = `${alice}.new@example.com`;
    const r = await updateUserAttributes({ userAttributes: { email: newEmail, nickname: 'al' } });
    assert(r.email?.isUpdated === false && r.email.nextStep.updateAttributeStep === 'CONFIRM_ATTRIBUTE_WITH_CODE',
      `email: ${JSON.stringify(r.email?.nextStep?.updateAttributeStep)}`);
    assert(r.nickname?.isUpdated === true && r.nickname.nextStep.updateAttributeStep === 'DONE',
      `nickname: ${JSON.stringify(r.nickname?.nextStep?.updateAttributeStep)}`);
    const { attribute_verification_codes: byName } = await codes(poolId, alice);
    assert(byName?.email, 'the emulator sent no e-mail verification code');
    await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: byName.email });
    const b = await fetchUserAttributes();
    assert(b.email === newEmail && b.email_verified === 'true', `email ${b.email} verified ${b.email_verified}`);
    assert(b.nickname === 'al', `nickname ${b.nickname}`);
  });

  // 4. resetPassword / confirmResetPassword, then a sign-in with the new password.
  await check('resetPassword / confirmResetPassword, then signIn with the new password', async () => {
    await signOut();
    const r = await resetPassword({ username: alice });
    assert(r.nextStep.resetPasswordStep === 'CONFIRM_RESET_PASSWORD_WITH_CODE', `step ${r.nextStep.resetPasswordStep}`);
    assert(r.nextStep.codeDeliveryDetails?.deliveryMedium === 'EMAIL', 'not sent by e-mail');
    const { forgot_password_code: code } = await codes(poolId, alice);
    assert(code, 'the emulator sent no reset code');
    await confirmResetPassword({ username: alice, confirmationCode: code, newPassword: resetPasswordValue });
    let refused = null;
    try {
      await signIn({ username: alice, password: changedPassword });
    } catch (e) {
      refused = e.name;
    }
    assert(refused === 'NotAuthorizedException', `the old password: ${refused ?? 'signed in'}`);
    const s = await signIn({ username: alice, password: resetPasswordValue });
    assert(s.isSignedIn === true, `nextStep is ${s.nextStep?.signInStep}`);
  });

  // 5. deleteUser: the account is gone and Amplify is signed out.
  await check('deleteUser, then signed out and the account gone', async () => {
    await deleteUser();
    let state = null;
    try {
      await getCurrentUser();
    } catch (e) {
      state = e.name;
    }
    assert(state === 'UserUnAuthenticatedException', `getCurrentUser after deleteUser: ${state ?? 'a user'}`);
    let refused = null;
    try {
      await signIn({ username: alice, password: resetPasswordValue });
    } catch (e) {
      refused = e.name;
    }
    assert(refused === 'UserNotFoundException' || refused === 'NotAuthorizedException', `signIn: ${refused ?? 'signed in'}`);
    return `signIn: ${refused}`;
  });
}

// 6. signUp with autoSignIn: true (Amplify signs in with the password after the code).
await check('signUp (autoSignIn: true) / confirmSignUp / autoSignIn -> a session', async () => {
  const r = await signUp({
    username: bob,
    password,
    options: { userAttributes: { email: `${bob}@example.com` }, autoSignIn: true },
  });
  assert(r.nextStep.signUpStep === 'CONFIRM_SIGN_UP', `signUpStep is ${r.nextStep.signUpStep}`);
  const { confirmation_code: code } = await codes(poolId, bob);
  const c = await confirmSignUp({ username: bob, confirmationCode: code });
  assert(c.nextStep.signUpStep === 'COMPLETE_AUTO_SIGN_IN', `signUpStep is ${c.nextStep.signUpStep}`);
  const s = await autoSignIn();
  assert(s.isSignedIn === true, `nextStep is ${s.nextStep?.signInStep}`);
  const session = await fetchAuthSession();
  assert(session.tokens?.accessToken?.payload?.username === bob, 'access token username');
  await signOut();
});

checks.finish();
