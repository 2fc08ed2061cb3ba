// The axum BFF example in a real browser: two instances (A and B) of
// `examples/axum_bff` sharing sessions through one redis-server, on the
// emulator's hosted UI with refresh-token rotation.
//
// The bed (the emulator, Redis, both instances) is set up by the Rust test
// `chromium::two_instances_in_chromium` in crates/auth-axum/tests/bff_e2e,
// which runs this story and then checks the emulator's counters and both
// instances' logs; `cargo xtask browser` runs that test. Both instances are on
// 127.0.0.1: cookies do not depend on the port, so the browser presents the
// cookie A set to B, as it would to two instances behind one load balancer.
//
// Prints no token, code, state, cookie value or password.

import { expect, freshPage, launchChromium, startStory, submitLoginForm } from './harness.mjs';

const { args, checks } = startStory({
  name: 'axum BFF (two instances)',
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    username: { type: 'string' },
  },
  required: ['a', 'b', 'username'],
});
const password = process.env.AMPLIFY_AUTH_PASSWORD;
if (!password) {
  console.error('axum BFF: AMPLIFY_AUTH_PASSWORD is not set');
  process.exit(2);
}
/// The emulator's own hosted-UI cookie (not the BFF's).
const EMULATOR_COOKIE = 'emulator-hosted-ui';

/// `GET path` in `page` (a navigation, as a user opening the URL): status and JSON.
async function open(page, url) {
  const res = await page.goto(url);
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status(), json };
}

/// `count` concurrent same-origin `fetch(path)` calls from `page`: their statuses.
function fetchAll(page, path, count) {
  return page.evaluate(
    async ({ path, count }) => {
      const answers = await Promise.all(
        Array.from({ length: count }, () => fetch(path, { credentials: 'same-origin' })),
      );
      return answers.map((r) => r.status);
    },
    { path, count },
  );
}

const browser = await launchChromium();
try {
  const { context, page } = await freshPage(browser);
  const pageB = await context.newPage();

  await checks.run('sign-in through the hosted UI via A sets one HttpOnly, SameSite=Lax session cookie with no JWT', async () => {
    await page.goto(`${args.a}/auth/sign-in`);
    expect(page.url().includes('/login'), 'A sent the browser to the hosted UI login form');
    const { error } = await submitLoginForm(page, { username: args.username, password });
    expect(!error, `the login form refused the password: ${error}`);
    expect(page.url().startsWith(args.a), 'the callback brought the browser back to A');
    const cookies = (await context.cookies()).filter((c) => c.name !== EMULATOR_COOKIE);
    expect(cookies.length >= 1, 'A set a session cookie');
    for (const c of cookies) {
      expect(c.httpOnly, `cookie ${c.name} is HttpOnly`);
      expect(c.sameSite === 'Lax', `cookie ${c.name} is SameSite=Lax (${c.sameSite})`);
      expect(!/eyJ[\w-]*\.[\w-]+\.[\w-]+/.test(c.value), `cookie ${c.name} holds no JWT`);
      expect(c.value.length <= 128, `cookie ${c.name} is an id, not a token (${c.value.length} characters)`);
    }
    // HttpOnly: the page's script cannot read it.
    const visible = await page.evaluate(() => document.cookie);
    for (const c of cookies) expect(!visible.includes(c.name), `document.cookie shows ${c.name}`);
    return `${cookies.length} cookie(s): ${cookies.map((c) => c.name).join(', ')}`;
  });

  await checks.run('/me on B sees the session', async () => {
    const me = await open(pageB, `${args.b}/me`);
    expect(me.status === 200, `B answered ${me.status}`);
    expect(me.json?.username === args.username, 'B names the signed-in user');
    expect(typeof me.json?.identity_id === 'string', 'B gives the identity id');
  });

  await checks.run('10 concurrent forced refreshes, 5 from a tab on A and 5 from a tab on B, all answer 200', async () => {
    const [onA, onB] = await Promise.all([
      fetchAll(page, '/me?force_refresh=true', 5),
      fetchAll(pageB, '/me?force_refresh=true', 5),
    ]);
    const all = [...onA, ...onB];
    expect(all.length === 10 && all.every((s) => s === 200), `statuses ${all.join(' ')}`);
    const again = await open(page, `${args.a}/me`);
    expect(again.status === 200, `A after the refreshes: ${again.status}`);
  });

  await checks.run('sign-out (a form POST) on B is seen by A; the GET is refused', async () => {
    // The context's request API: the browser's cookies, without a navigation
    // (Chromium turns an empty 405 page into a navigation error).
    const get = await context.request.get(`${args.b}/auth/sign-out`, { maxRedirects: 0 });
    expect(get.status() === 405, `GET /auth/sign-out answered ${get.status()}`);
    expect((await open(page, `${args.a}/me`)).status === 200, 'the GET signed the user out');
    await pageB.goto(`${args.b}/me`);
    await Promise.all([
      pageB.waitForNavigation(),
      pageB.evaluate(() => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = '/auth/sign-out';
        document.body.appendChild(form);
        form.submit();
      }),
    ]);
    const me = await open(page, `${args.a}/me`);
    expect(me.status === 401, `A after sign-out on B answered ${me.status}`);
    expect((await open(pageB, `${args.b}/me`)).status === 401, 'B after its own sign-out');
  });
  await context.close();
} finally {
  await browser.close();
}
checks.finish();
