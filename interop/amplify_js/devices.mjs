// Amplify JS v6 remembered devices against the cognito-emulator, in Node.
//
// Run by `cargo xtask interop` after interop/boto3_devices.py made a pool that
// remembers every device:
//   AMPLIFY_AUTH_PASSWORD=... node interop/amplify_js/devices.mjs \
//     --outputs PATH --username NAME --emulator URL
//
// Steps, each a PASS/FAIL line: signIn (Amplify confirms the new device itself:
// ConfirmDevice with its own verifier), fetchDevices (one device), rememberDevice,
// signOut then signIn again (answered through DEVICE_SRP_AUTH and
// DEVICE_PASSWORD_VERIFIER against the stored verifier; still one device),
// fetchAuthSession({ forceRefresh: true }) (the refresh carries the device key: the
// emulator refuses it otherwise), forgetDevice (no devices left). The emulator's
// counters show which calls Amplify made. Tokens, device secrets and the password
// are never printed.
//
// Node 20 has no `navigator`, and Amplify's getDeviceName reads
// `navigator.userAgent` for ConfirmDevice's DeviceName: without it Amplify's
// getNewDeviceMetadata fails and swallows the error, and signs in with no device
// (no ConfirmDevice call at all). The story gives Node the one browser global
// Amplify reads, as a browser has it; Amplify itself is unmodified.

import {
  fetchAuthSession,
  fetchDevices,
  forgetDevice,
  rememberDevice,
  signIn,
  signOut,
} from 'aws-amplify/auth';

import { assert, configureAmplify, delta, emulatorControls, password as readPassword, readOutputs, startStory } from './harness.mjs';

if (globalThis.navigator === undefined) {
  globalThis.navigator = { userAgent: 'amplify-auth-rs interop (Node)' };
}

const { args, checks } = startStory({ name: 'amplify devices', required: ['outputs', 'username', 'emulator'] });
const password = readPassword('amplify devices');
const { counters } = emulatorControls(args.emulator);
const check = (name, fn) => checks.run(name, fn);

const outputs = readOutputs(args.outputs);
const state = {};

async function signInDone() {
  const result = await signIn({ username: args.username, password });
  assert(result.isSignedIn === true, `isSignedIn is ${result.isSignedIn}`);
  assert(result.nextStep?.signInStep === 'DONE', `nextStep is ${result.nextStep?.signInStep}`);
}

await check('configure', () => {
  const cognito = configureAmplify(outputs);
  return `userPoolEndpoint=${cognito.userPoolEndpoint}`;
});

const signedIn = await check('signIn on a pool that always remembers devices: Amplify confirms the device', async () => {
  const before = await counters();
  await signInDone();
  const after = await counters();
  const confirms = delta(before, after, 'ConfirmDevice');
  assert(confirms === 1, `ConfirmDevice +${confirms}, expected 1`);
  return `ConfirmDevice +${confirms}`;
});

if (signedIn) {
  await check('fetchDevices lists one device', async () => {
    const devices = await fetchDevices();
    assert(devices.length === 1, `${devices.length} devices`);
    const [device] = devices;
    assert(device.id, 'the device has no id');
    assert(device.createDate instanceof Date, 'no createDate');
    state.deviceId = device.id;
    return `id=${device.id}`;
  });

  await check('rememberDevice', async () => {
    const before = await counters();
    await rememberDevice();
    const after = await counters();
    const updates = delta(before, after, 'UpdateDeviceStatus');
    assert(updates === 1, `UpdateDeviceStatus +${updates}`);
    const devices = await fetchDevices();
    const status = devices[0]?.attributes?.['dev:device_remembered_status'];
    assert(status === 'remembered', `dev:device_remembered_status is ${status}`);
    return `UpdateDeviceStatus +${updates}, ${status}`;
  });

  const again = await check('signOut, then signIn through DEVICE_SRP_AUTH: still one device', async () => {
    await signOut();
    const before = await counters();
    await signInDone();
    const after = await counters();
    const confirms = delta(before, after, 'ConfirmDevice');
    const responds = delta(before, after, 'RespondToAuthChallenge');
    assert(confirms === 0, `ConfirmDevice +${confirms}: a new device was made`);
    // PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER.
    assert(responds === 3, `RespondToAuthChallenge +${responds}, expected 3 (the device SRP)`);
    const devices = await fetchDevices();
    assert(devices.length === 1, `${devices.length} devices`);
    assert(devices[0].id === state.deviceId, 'the device changed');
    return `RespondToAuthChallenge +${responds}, ConfirmDevice +${confirms}, 1 device`;
  });

  if (again) {
    await check('fetchAuthSession({ forceRefresh: true }) with the device key', async () => {
      const before = await counters();
      const session = await fetchAuthSession({ forceRefresh: true });
      const after = await counters();
      assert(session.tokens?.accessToken, 'no access token after the refresh');
      const calls = delta(before, after, 'GetTokensFromRefreshToken') + delta(before, after, 'InitiateAuth');
      assert(calls >= 1, 'no refresh call seen');
      return `refresh calls +${calls}`;
    });

    await check('forgetDevice: no devices left', async () => {
      await forgetDevice();
      const devices = await fetchDevices();
      assert(devices.length === 0, `${devices.length} devices left`);
      return 'fetchDevices -> []';
    });
  }
  await signOut();
}

checks.finish();
