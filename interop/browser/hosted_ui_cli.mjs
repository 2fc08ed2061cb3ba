// `amplify-auth sign-in --web` with a real browser on the emulator's hosted UI.
//
// The CLI starts the flow and waits on its loopback listener; Chromium opens the
// authorize URL (handed over by the CLI through $BROWSER, or printed with
// --no-browser), fills in the login form or the mock provider's page, and follows
// the redirect back to the CLI. Run by `cargo xtask browser` with the emulator's
// demo set-up (`--seed-demo`); moto has no hosted UI, so there is no moto twin.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  answerMockProvider,
  browserVariable,
  cancelLoginForm,
  child,
  expect,
  freshPage,
  landingPage,
  launchChromium,
  startStory,
  submitLoginForm,
} from './harness.mjs';

const { args, checks } = startStory({
  name: 'hosted UI (CLI)',
  options: {
    cli: { type: 'string' },
    outputs: { type: 'string' },
    scratch: { type: 'string' },
    username: { type: 'string' },
  },
  required: ['cli', 'outputs', 'scratch', 'username'],
});
const password = process.env.AMPLIFY_AUTH_PASSWORD;
if (!password) {
  console.error('hosted UI (CLI): AMPLIFY_AUTH_PASSWORD is not set');
  process.exit(2);
}
const oauth = JSON.parse(readFileSync(args.outputs, 'utf8')).auth.oauth;
const signInUri = oauth.redirect_sign_in_uri[0];
const signOutUri = oauth.redirect_sign_out_uri[0];
// The CLI must not pick up a developer's settings (nor open their browser).
for (const key of [
  'AMPLIFY_AUTH_OUTPUTS',
  'AMPLIFY_AUTH_PROFILE',
  'AMPLIFY_AUTH_STORAGE_DIR',
  'AMPLIFY_AUTH_USER_POOL_ENDPOINT',
  'AMPLIFY_AUTH_IDENTITY_POOL_ENDPOINT',
  'AMPLIFY_AUTH_OAUTH_ENDPOINT',
  'BROWSER',
]) {
  delete process.env[key];
}

let storages = 0;
/// The CLI with its own storage directory (one per scenario).
function cli(storage, cliArgs, env = {}) {
  return child(args.cli, ['--outputs', args.outputs, '--storage-dir', storage, ...cliArgs], {
    env,
  });
}
function freshStorage() {
  storages += 1;
  const dir = join(args.scratch, `storage-${storages}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
async function whoami(storage) {
  const r = await cli(storage, ['whoami', '--json']).exit();
  return { code: r.code, json: r.code === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

const browser = await launchChromium();
try {
  const storage = freshStorage();
  const { context, page } = await freshPage(browser);

  await checks.run('$BROWSER gets the authorize URL; a wrong password stays on the form; the right one signs the CLI in', async () => {
    const hand = await browserVariable(args.scratch);
    const run = cli(storage, ['sign-in', '--web', '--timeout', '60'], { BROWSER: hand.script });
    const url = await Promise.race([hand.url(), run.exit().then((r) => {
      throw new Error(`the CLI exited (${r.code}) before opening a browser: ${r.stderr.trim()}`);
    })]);
    await hand.close();
    const q = new URL(url).searchParams;
    expect(new URL(url).pathname === '/oauth2/authorize', `authorize URL, got ${new URL(url).pathname}`);
    expect(q.get('code_challenge_method') === 'S256', 'PKCE S256');
    expect(q.get('redirect_uri') === signInUri, 'the loopback redirect URI');
    await page.goto(url);
    expect(new URL(page.url()).pathname === '/login', `the login form, got ${page.url()}`);

    const wrong = await submitLoginForm(page, { username: args.username, password: `${password}-wrong` });
    expect(wrong.error, 'a wrong password shows an error on the form');
    expect(new URL(page.url()).pathname === '/login', 'still on the form');

    const right = await submitLoginForm(page, { username: args.username, password });
    expect(!right.error, `signed in on the form, got error ${right.error}`);
    expect(page.url().startsWith(signInUri), `back on the loopback URI, got ${new URL(page.url()).origin}`);
    const body = await page.textContent('body');
    expect(body.includes('You can close this window'), 'the listener page');
    const code = new URL(page.url()).searchParams.get('code');
    expect(code && !body.includes(code), 'the page does not echo the code');

    const done = await run.exit();
    expect(done.code === 0, `the CLI exits 0, got ${done.code}: ${done.stderr.trim()}`);
    expect(done.stdout.includes(`Signed in as ${args.username}.`), `the CLI says who: ${done.stdout.trim()}`);
    const who = await whoami(storage);
    expect(who.code === 0 && who.json.username === args.username, `whoami: ${who.stderr}`);
    expect(who.json.sign_in_details === null, 'sign_in_details is null for the hosted UI');
    return `wrong password: "${wrong.error}"`;
  });

  await checks.run("the hosted UI's cookie signs a second CLI in without the form", async () => {
    const other = freshStorage();
    const run = cli(other, ['sign-in', '--web', '--no-browser', '--timeout', '60']);
    await page.goto(await run.line());
    expect(page.url().startsWith(signInUri), `straight back to the CLI, got ${new URL(page.url()).pathname}`);
    const done = await run.exit();
    expect(done.code === 0, `exit 0, got ${done.code}: ${done.stderr.trim()}`);
    expect(done.stdout.includes(`Signed in as ${args.username}.`), 'the same user');
  });

  await checks.run('sign-out prints /logout; the browser follows it to the sign-out URI and the hosted UI forgets the user', async () => {
    const out = await cli(storage, ['sign-out', '--no-browser']).exit();
    expect(out.code === 0, `sign-out exits 0, got ${out.code}: ${out.stderr.trim()}`);
    const logout = out.stdout.split('\n').find((l) => l.includes('/logout?'));
    expect(logout, `the /logout URL is printed: ${out.stdout.trim()}`);
    // The app's sign-out page: a loopback server of this story.
    const landing = await landingPage(signOutUri, 'signed out');
    try {
      await page.goto(logout);
    } finally {
      await landing.close();
    }
    expect(page.url().startsWith(signOutUri), `redirected to the sign-out URI, got ${new URL(page.url()).origin}`);
    const signOutPath = new URL(signOutUri).pathname;
    expect(landing.requests.some((r) => r.startsWith(signOutPath)), `the sign-out page was loaded: ${landing.requests}`);
    const who = await whoami(storage);
    expect(who.code === 3, `whoami after sign-out exits 3, got ${who.code}`);
    // The hosted UI's cookie is gone: a new sign-in shows the form again.
    const run = cli(storage, ['sign-in', '--web', '--no-browser', '--timeout', '60']);
    await page.goto(await run.line());
    expect(new URL(page.url()).pathname === '/login', `the login form again, got ${page.url()}`);
    run.kill();
    await run.exit();
  });
  await context.close();

  await checks.run('"Cancel" on the login form: the CLI exits 6, says so, and stores nothing', async () => {
    const storage = freshStorage();
    const { context, page } = await freshPage(browser);
    const run = cli(storage, ['sign-in', '--web', '--no-browser', '--timeout', '60']);
    await page.goto(await run.line());
    await cancelLoginForm(page);
    expect(page.url().startsWith(signInUri), 'redirected back to the CLI');
    expect(new URL(page.url()).searchParams.get('error') === 'access_denied', 'error=access_denied');
    const done = await run.exit();
    expect(done.code === 6, `exit 6, got ${done.code}: ${done.stderr.trim()}`);
    expect(/cancel/i.test(done.stderr), `the message says cancelled: ${done.stderr.trim()}`);
    expect((await whoami(storage)).code === 3, 'not signed in');
    await context.close();
  });

  await checks.run('the mock Google provider: consent signs in a federated user, whoami names the provider', async () => {
    const storage = freshStorage();
    const { context, page } = await freshPage(browser);
    const run = cli(storage, ['sign-in', '--web', '--provider', 'Google', '--no-browser', '--timeout', '60']);
    await page.goto(await run.line());
    expect((await page.textContent('#provider'))?.trim() === 'Google', 'the mock provider page');
    await answerMockProvider(page, { subject: 'browser-1', email: 'browser-1@example.com' });
    expect(page.url().startsWith(signInUri), 'redirected back to the CLI');
    const done = await run.exit();
    expect(done.code === 0, `exit 0, got ${done.code}: ${done.stderr.trim()}`);
    expect(done.stdout.includes('Signed in as Google_browser-1.'), `federated user: ${done.stdout.trim()}`);
    const who = await whoami(storage);
    expect(who.json?.provider === 'Google', `whoami provider: ${JSON.stringify(who.json?.provider)}`);
    expect(who.json?.sign_in_details === null, 'sign_in_details is null');
    await context.close();
  });

  await checks.run('"Cancel" on the mock provider: the CLI exits 6', async () => {
    const storage = freshStorage();
    const { context, page } = await freshPage(browser);
    const run = cli(storage, ['sign-in', '--web', '--provider', 'Google', '--no-browser', '--timeout', '60']);
    await page.goto(await run.line());
    await answerMockProvider(page, { subject: 'browser-2', deny: true });
    expect(page.url().startsWith(signInUri), 'redirected back to the CLI');
    const done = await run.exit();
    expect(done.code === 6, `exit 6, got ${done.code}: ${done.stderr.trim()}`);
    expect((await whoami(storage)).code === 3, 'not signed in');
    await context.close();
  });
} finally {
  await browser.close();
}
checks.finish();
