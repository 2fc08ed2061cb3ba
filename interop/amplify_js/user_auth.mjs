// Amplify JS v6 (unmodified) against the cognito-emulator: passwordless and MFA set-up.
//
// Run by `cargo xtask interop` after interop/user_auth_setup.py wrote the outputs:
//   AMPLIFY_AUTH_PASSWORD=... node interop/amplify_js/user_auth.mjs --username NAME \
//     --emulator URL --outputs PASSWORDLESS_OUTPUTS --mfa-outputs MFA_OUTPUTS
//
// Stories, each a PASS/FAIL line:
// 1. signIn with authFlowType USER_AUTH and preferredChallenge EMAIL_OTP, then
//    confirmSignIn with the emailed code (read from the emulator's test control);
// 2. USER_AUTH without a preference: CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION,
//    choose PASSWORD_SRP, then the password;
// 3. a pool with MFA ON: CONTINUE_SIGN_IN_WITH_TOTP_SETUP with
//    totpSetupDetails.sharedSecret, then a TOTP code computed here (RFC 6238).
// Codes, secrets, tokens and the password are never printed.

import { createHmac } from 'node:crypto';

import { confirmSignIn, fetchMFAPreference, getCurrentUser, signIn, signOut } from 'aws-amplify/auth';

import { assert, configureAmplify, emulatorControls, password as readPassword, readOutputs, startStory } from './harness.mjs';

const { args, checks } = startStory({
  name: 'amplify user-auth',
  extra: { 'mfa-outputs': { type: 'string' } },
  required: ['outputs', 'mfa-outputs', 'username', 'emulator'],
});
const password = readPassword('amplify user-auth');
const controls = emulatorControls(args.emulator);
const passwordless = readOutputs(args.outputs);
const mfaOn = readOutputs(args['mfa-outputs']);

/// RFC 4648 base32 (no padding) to bytes.
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    assert(i >= 0, 'sharedSecret is not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/// RFC 6238 TOTP: HMAC-SHA1, 30-second steps, 6 digits.
function totp(secret, unixSecs) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSecs / 30)));
  const h = createHmac('sha1', secret).update(counter).digest();
  const off = h[h.length - 1] & 0x0f;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

async function signedInAs(expectedFlow) {
  const user = await getCurrentUser();
  assert(user.username === args.username, `username is ${user.username}`);
  assert(user.signInDetails?.authFlowType === expectedFlow,
    `authFlowType is ${user.signInDetails?.authFlowType}`);
}

await checks.run('USER_AUTH + preferredChallenge EMAIL_OTP, then the emailed code', async () => {
  const cognito = configureAmplify(passwordless);
  assert(cognito.passwordless?.emailOtpEnabled === true, 'passwordless.emailOtpEnabled not parsed');
  const first = await signIn({
    username: args.username,
    options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' },
  });
  assert(first.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', `nextStep ${first.nextStep.signInStep}`);
  const delivery = first.nextStep.codeDeliveryDetails;
  assert(delivery?.deliveryMedium === 'EMAIL', `deliveryMedium ${delivery?.deliveryMedium}`);
  assert(delivery?.destination?.includes('***@example.com'), 'destination not masked');
  const codes = await controls.codes(passwordless.auth.user_pool_id, args.username);
  assert(typeof codes.email_otp_code === 'string' && codes.email_otp_code.length === 6, 'no email_otp_code');
  const done = await confirmSignIn({ challengeResponse: codes.email_otp_code });
  assert(done.isSignedIn === true && done.nextStep.signInStep === 'DONE', `after the code: ${done.nextStep.signInStep}`);
  await signedInAs('USER_AUTH');
  const after = await controls.codes(passwordless.auth.user_pool_id, args.username);
  assert(after.email_otp_code === null, 'the code was not used up');
  await signOut();
  return `destination ${delivery.destination}`;
});

await checks.run('USER_AUTH without a preference: first-factor selection, PASSWORD_SRP, then the password', async () => {
  configureAmplify(passwordless);
  const first = await signIn({ username: args.username, options: { authFlowType: 'USER_AUTH' } });
  assert(first.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', `nextStep ${first.nextStep.signInStep}`);
  const offered = first.nextStep.availableChallenges ?? [];
  assert(offered.includes('PASSWORD_SRP') && offered.includes('EMAIL_OTP'), `availableChallenges ${offered}`);
  const chosen = await confirmSignIn({ challengeResponse: 'PASSWORD_SRP' });
  assert(chosen.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_PASSWORD', `after the choice: ${chosen.nextStep.signInStep}`);
  const done = await confirmSignIn({ challengeResponse: password });
  assert(done.isSignedIn === true, `after the password: ${done.nextStep.signInStep}`);
  await signedInAs('USER_AUTH');
  await signOut();
  return `availableChallenges ${offered.join(',')}`;
});

await checks.run('MFA ON: CONTINUE_SIGN_IN_WITH_TOTP_SETUP, then a TOTP code', async () => {
  configureAmplify(mfaOn);
  const first = await signIn({ username: args.username, password });
  assert(first.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP', `nextStep ${first.nextStep.signInStep}`);
  const details = first.nextStep.totpSetupDetails;
  const secret = details?.sharedSecret;
  assert(typeof secret === 'string' && secret.length >= 16, 'no sharedSecret');
  const uri = details.getSetupUri('Interop').toString();
  assert(uri.startsWith('otpauth://totp/Interop:'), 'setup URI shape');
  // The emulator's clock is the system clock here (no offset is set in interop).
  const code = totp(base32(secret), Date.now() / 1000);
  const done = await confirmSignIn({ challengeResponse: code });
  assert(done.isSignedIn === true, `after the code: ${done.nextStep.signInStep}`);
  await signedInAs('USER_SRP_AUTH');
  const prefs = await fetchMFAPreference();
  assert(prefs.enabled?.includes('TOTP'), `enabled ${prefs.enabled}`);
  assert(prefs.preferred === 'TOTP', `preferred ${prefs.preferred}`);
  await signOut();
  return `enabled ${prefs.enabled.join(',')}, preferred ${prefs.preferred}`;
});

checks.finish();
