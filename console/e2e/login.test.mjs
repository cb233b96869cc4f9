// Signing in and out, the session cookie, the Content-Security-Policy and
// the language switch, in a real browser against a real lgsp dev.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, signIn, signOut, startPlatform, pathOf } from './harness.mjs';

let platform;
let browser;

before(async () => {
  platform = await startPlatform();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

const usernameLabel = /Tên đăng nhập|Username/;

// The directives of a Content-Security-Policy header by name.
function directives(csp) {
  const out = {};
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = values;
  }
  return out;
}

test('the login page has a labelled form, one h1, a main region and Vietnamese by default', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const res = await page.goto(`${platform.adminURL}/login`);
  assert.equal(res.status(), 200);
  assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.locator('main#main').count(), 1);
  const form = page.locator('form#login');
  await form.waitFor();
  // getByLabel finds an input only through its <label>, so this checks the
  // labels are tied to the inputs.
  const user = form.getByLabel(usernameLabel);
  assert.equal(await user.getAttribute('name'), 'username');
  const pass = form.getByLabel(/Mật khẩu|Password/);
  assert.equal(await pass.getAttribute('name'), 'password');
  assert.equal(await pass.getAttribute('type'), 'password');
  assert.equal(await form.locator('button[type="submit"]').count(), 1);
  await ctx.close();
});

test('the console sends a Content-Security-Policy that allows no inline script', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const res = await page.goto(`${platform.adminURL}/login`);
  const csp = res.headers()['content-security-policy'];
  assert.ok(csp, 'no Content-Security-Policy header on /login');
  const d = directives(csp);
  const scripts = d['script-src'] ?? d['default-src'];
  assert.ok(scripts, `CSP has neither script-src nor default-src: ${csp}`);
  assert.ok(!scripts.includes("'unsafe-inline'"), `CSP allows inline script: ${csp}`);
  assert.ok(!scripts.includes("'unsafe-eval'"), `CSP allows eval: ${csp}`);
  assert.ok(!scripts.includes('*'), `CSP allows script from anywhere: ${csp}`);

  // The browser enforces it: an inline script injected into the page does
  // not run.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.appendChild(s);
  });
  assert.equal(await page.evaluate(() => window.__inlineRan === true), false);
  await ctx.close();
});

test('a wrong password shows an alert and stays on /login without a session', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(`${platform.adminURL}/login`);
  const form = page.locator('form#login');
  await form.locator('input[name="username"]').fill('admin');
  await form.locator('input[name="password"]').fill(`${platform.adminPassword}-wrong`);
  await Promise.all([page.waitForLoadState('load'), page.waitForResponse((r) => r.request().method() === 'POST'), form.locator('button[type="submit"]').click()]);
  assert.equal(pathOf(page.url()), '/login');
  const alert = page.getByRole('alert');
  await alert.first().waitFor();
  assert.match(await alert.first().innerText(), /không đúng|wrong|incorrect/i);
  // The alert is tied to the fields it concerns.
  const describedBy = await form.locator('input[name="password"]').getAttribute('aria-describedby');
  assert.ok(describedBy, 'password field has no aria-describedby after a failed sign-in');
  assert.equal(await page.locator(`[id="${describedBy.split(/\s+/)[0]}"]`).getAttribute('role'), 'alert');
  const cookies = await ctx.cookies(platform.adminURL);
  assert.equal(cookies.find((c) => c.name === 'lgsp_session'), undefined, 'a failed sign-in set a session cookie');
  await ctx.close();
});

test('signing in as admin sets an HttpOnly SameSite=Strict session cookie and shows the console', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, platform, 'admin', platform.adminPassword);
  assert.equal(pathOf(page.url()), '/');
  const session = (await ctx.cookies(platform.adminURL)).find((c) => c.name === 'lgsp_session');
  assert.ok(session, 'no lgsp_session cookie after signing in');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  // Scripts on the page cannot read it.
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('lgsp_session'));

  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.locator('main#main').count(), 1);
  const nav = page.locator('nav[aria-label]');
  assert.equal(await nav.count(), 1);
  assert.ok((await nav.getAttribute('aria-label')).trim().length > 0);
  // An admin's menu leads to the admin pages.
  for (const path of ['/apis', '/approvals', '/users', '/audit']) {
    assert.equal(await nav.locator(`a[href="${path}"]`).count(), 1, `admin menu has no link to ${path}`);
  }
  await ctx.close();
});

test('the language switch flips <html lang> and the labels, and back', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(`${platform.adminURL}/login`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
  const label = page.locator('label[for="username"], form#login label').first();
  const before = (await label.innerText()).trim();
  assert.match(before, /Tên đăng nhập/);

  const toEnglish = page.locator('form[action="/lang"] [value="en"]');
  await Promise.all([page.waitForURL(/\/login/), page.waitForLoadState('load'), toEnglish.click()]);
  await page.locator('html[lang="en"]').waitFor();
  const after = (await label.innerText()).trim();
  assert.match(after, /Username/);
  assert.notEqual(after, before);
  assert.equal(pathOf(page.url()), '/login', 'the switch did not come back to the page it was used on');

  // The choice sticks across pages, and the switch goes back.
  await page.goto(`${platform.adminURL}/login`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.locator('form[action="/lang"] [value="vi"]').click();
  await page.locator('html[lang="vi"]').waitFor();
  assert.match((await label.innerText()).trim(), /Tên đăng nhập/);
  await ctx.close();
});

test('signing out ends the session: the old cookie opens nothing', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, platform, 'admin', platform.adminPassword);
  const old = (await ctx.cookies(platform.adminURL)).find((c) => c.name === 'lgsp_session');
  assert.ok(old);
  await signOut(page);
  assert.equal(pathOf(page.url()), '/login');
  assert.equal((await ctx.cookies(platform.adminURL)).find((c) => c.name === 'lgsp_session'), undefined, 'session cookie kept after signing out');

  // A page that needs a session sends the browser back to sign in.
  await page.goto(`${platform.adminURL}/`);
  assert.equal(pathOf(page.url()), '/login');

  // The session itself ended on the server: the old token is refused.
  const again = await fetch(`${platform.adminURL}/admin/v1/auth/whoami`, { headers: { authorization: `Bearer ${old.value}` } });
  await again.arrayBuffer();
  assert.equal(again.status, 401);
  await ctx.close();
});
