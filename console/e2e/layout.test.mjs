// Layout and keyboard: the main pages fit a 1366×768 laptop screen without
// a horizontal scrollbar, a read-only page fits a phone, and the keyboard
// reaches the sign-in form in order.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminAPI, launchBrowser, newContext, signIn, startPlatform, unique } from './harness.mjs';

let platform;
let browser;
let developer;
let catalogueAPI;

before(async () => {
  platform = await startPlatform();
  browser = await launchBrowser();
  const admin = await AdminAPI.login(platform, 'admin', platform.adminPassword);
  developer = { username: `dev-${unique()}`, password: `dev-pass-${unique()}` };
  await admin.post('/users', {
    user: { username: developer.username, displayName: 'Nhà phát triển bố cục', role: 'USER_ROLE_AGENCY_DEVELOPER', agencyCode: '000.00.00.H41' },
    password: developer.password,
  });
  // A published API of the demo data, for its documentation page.
  const { apis } = await admin.get('/apis?pageSize=100');
  catalogueAPI = apis.find((a) => a.lifecycle === 'API_LIFECYCLE_PUBLISHED' && a.visibility === 'API_VISIBILITY_PUBLIC' && !a.anonymousAccess) ?? apis[0];
  assert.ok(catalogueAPI, 'the demo data has no API');
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

// Whether the document is wider than the window: a horizontal scrollbar.
async function overflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth };
  });
}

async function checkFits(page, path) {
  const res = await page.goto(`${platform.adminURL}${path}`);
  assert.equal(res.status(), 200, `${path}: HTTP ${res.status()}`);
  assert.equal(await page.locator('h1').count(), 1, `${path}: not exactly one h1`);
  assert.equal(await page.locator('main#main').count(), 1, `${path}: no main#main`);
  const o = await overflow(page);
  assert.ok(o.scrollWidth <= o.clientWidth, `${path} scrolls sideways: ${o.scrollWidth}px of content in ${o.clientWidth}px`);
  // Every heading, menu entry, label and button is worded: none shows the
  // key of a message that was never written (such as "nav.services").
  const keys = await page.evaluate(() =>
    [...document.querySelectorAll('nav, h1, h2, h3, label, th, button, legend, summary')]
      .flatMap((el) => el.innerText.split('\n'))
      .map((t) => t.trim())
      .filter((t) => /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/i.test(t)),
  );
  assert.deepEqual(keys, [], `${path} shows message keys instead of words`);
}

test('the admin pages have no horizontal scrollbar at 1366×768', async () => {
  const ctx = await newContext(browser, { viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  await signIn(page, platform, 'admin', platform.adminPassword);
  const paths = ['/', '/agencies', '/tiers', '/users', '/apis', '/apis/new', `/apis/${catalogueAPI.id}`, '/approvals', '/apps', '/usage', '/audit'];
  for (const path of paths) {
    await checkFits(page, path);
  }
  await ctx.close();
});

test('the developer portal has no horizontal scrollbar at 1366×768', async () => {
  const ctx = await newContext(browser, { viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  await signIn(page, platform, developer.username, developer.password);
  for (const path of ['/portal', `/portal/apis/${catalogueAPI.id}`, '/portal/usage', '/apps']) {
    await checkFits(page, path);
  }
  await ctx.close();
});

test('a read-only page fits a phone screen', async () => {
  const ctx = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await signIn(page, platform, developer.username, developer.password);
  await checkFits(page, '/portal');
  // The catalogue still shows the API, within the screen.
  const link = page.locator(`main a[href="/portal/apis/${catalogueAPI.id}"]`).first();
  await link.waitFor();
  const box = await link.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `catalogue link outside the screen: ${JSON.stringify(box)}`);
  await ctx.close();
});

test('Tab reaches the username, the password and the submit button in that order', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(`${platform.adminURL}/login`);
  const order = [];
  for (let i = 0; i < 20 && order.length < 3; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || !el.closest('form#login')) return '';
      if (el.matches('input[name="username"]')) return 'username';
      if (el.matches('input[name="password"]')) return 'password';
      if (el.matches('button[type="submit"], input[type="submit"]')) return 'submit';
      return '';
    });
    if (focused && !order.includes(focused)) order.push(focused);
  }
  assert.deepEqual(order, ['username', 'password', 'submit']);

  // And the form works from the keyboard alone.
  await page.locator('input[name="username"]').focus();
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(platform.adminPassword);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
  await ctx.close();
});
