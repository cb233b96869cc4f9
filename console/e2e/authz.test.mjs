// Authorisation through the console: a role sees a 403 page, not the data,
// for pages it may not open, and an action it may not take is refused even
// when its form is posted directly with a valid CSRF token. What a test
// needs but does not test (users, another agency's application, a pending
// subscription) is set up through the admin REST API.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminAPI, launchBrowser, newContext, signIn, startPlatform, unique } from './harness.mjs';

let platform;
let browser;
let admin; // AdminAPI
const u = unique();

const devAgency = '000.00.00.H41';
const otherAgency = '000.00.00.H14';
const developer = { username: `dev-${u}`, password: `dev-pass-${u}`, displayName: `Nhà phát triển ${u}` };
const publisher = { username: `pub-${u}`, password: `pub-pass-${u}`, displayName: `Cán bộ công bố ${u}` };
let otherApp; // an application of another agency than the developer's
let pendingSub; // a pending subscription of otherApp
let suspendedApp; // a suspended application of the developer's agency

before(async () => {
  platform = await startPlatform();
  browser = await launchBrowser();
  admin = await AdminAPI.login(platform, 'admin', platform.adminPassword);
  for (const [who, role] of [[developer, 'USER_ROLE_AGENCY_DEVELOPER'], [publisher, 'USER_ROLE_AGENCY_PUBLISHER']]) {
    await admin.post('/users', {
      user: { username: who.username, displayName: who.displayName, role, agencyCode: devAgency },
      password: who.password,
    });
  }
  otherApp = (await admin.post('/applications', { name: `Ứng dụng H14 ${u}`, agencyCode: otherAgency })).application;
  const api = (
    await admin.post('/apis', {
      api: {
        name: `API phân quyền ${u}`,
        context: `authz${u}`,
        version: '1.0',
        ownerAgency: '000.00.00.H30',
        visibility: 'API_VISIBILITY_PUBLIC',
        approvalMode: 'APPROVAL_MODE_MANUAL',
        endpoints: [{ url: platform.simulatorURL, weight: 1 }],
        upstreamAuth: { type: 'UPSTREAM_AUTH_TYPE_NONE' },
      },
    })
  ).api;
  await admin.post(`/apis/${api.id}:transition`, { lifecycle: 'API_LIFECYCLE_PUBLISHED' });
  pendingSub = (await admin.post('/subscriptions', { applicationId: otherApp.id, apiId: api.id, tier: 'Demo' })).subscription;
  assert.equal(pendingSub.state, 'SUBSCRIPTION_STATE_PENDING');
  suspendedApp = (await admin.post('/applications', { name: `Ứng dụng tạm dừng ${u}`, agencyCode: devAgency })).application;
  await admin.post(`/applications/${suspendedApp.id}:suspend`, { reason: 'kiểm thử' });
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

async function signedIn(username, password) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await signIn(page, platform, username, password);
  return { ctx, page };
}

// The visible text of the page at path, and its HTTP status.
async function open(page, path) {
  const res = await page.goto(`${platform.adminURL}${path}`);
  return { status: res.status(), text: await page.locator('body').innerText(), html: await page.content() };
}

// What the form of the button button(page) finds on the page at path would
// post when that button submits it: its absolute action URL and its
// fields, the text fields filled by fill(name) where it gives a value.
async function formData(page, path, button, fill = () => undefined) {
  await page.goto(`${platform.adminURL}${path}`);
  const b = button(page).first();
  assert.ok((await b.count()) > 0, `no such button on ${path}`);
  const form = b.locator('xpath=ancestor::form[1]');
  for (const input of await form.locator('input[name]:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), textarea[name]').all()) {
    const value = fill(await input.getAttribute('name'));
    if (value !== undefined) await input.fill(value);
  }
  // A required choice left empty would be refused as incomplete before
  // anything else is checked: take its first real option.
  for (const select of await form.locator('select[name]').all()) {
    if ((await select.inputValue()) === '') {
      const first = await select.locator('option').evaluateAll((os) => os.map((o) => o.value).find((v) => v !== ''));
      if (first !== undefined) await select.selectOption(first);
    }
  }
  return form.evaluate((f, btn) => {
    const data = new FormData(f, btn);
    const fields = {};
    for (const [k, v] of data) if (typeof v === 'string') fields[k] = v;
    return { action: new URL(f.getAttribute('action') || location.pathname, location.href).href, fields };
  }, await b.elementHandle());
}

// The CSRF token of the signed-in page: every page has forms (the language
// switch at least) that carry it.
async function csrfOf(page) {
  const token = await page.locator('input[name="csrf"]').first().getAttribute('value');
  assert.ok(token, 'no CSRF token on the page');
  return token;
}

// Posts fields to action as the page's user, with the user's own CSRF token.
async function postAs(page, { action, fields }) {
  if (process.env.E2E_DEBUG) console.log("POST", action, JSON.stringify(fields));
  await page.goto(`${platform.adminURL}/portal`);
  const csrf = await csrfOf(page);
  const res = await page.request.post(action, { form: { ...fields, csrf }, maxRedirects: 0 });
  const text = await res.text();
  if (process.env.E2E_DEBUG) console.log("->", res.status(), text.replace(/\s+/g, " ").match(/role="alert"[^<]*>[^<]*/)?.[0]);
  return { status: res.status(), text };
}

test('an agency developer gets a 403 page, not the data, for pages of other roles', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const dev = await signedIn(developer.username, developer.password);
  const g22 = await admin.get('/agencies/000.00.00.G22');
  // Each page with what it shows an admin and must not show the developer.
  const cases = [
    { path: '/agencies', secrets: [g22.name ?? g22.agency?.name] },
    { path: '/users', secrets: [publisher.username, publisher.displayName] },
    { path: '/approvals', secrets: [otherApp.name, otherApp.id, pendingSub.id] },
    { path: '/audit', secrets: [otherApp.id, otherApp.name, pendingSub.id, publisher.username] },
    { path: `/apps/${otherApp.id}`, secrets: [otherApp.name] },
  ];
  for (const { path, secrets } of cases) {
    // The same page shows the data to an admin, so its absence below means
    // something.
    const seen = await open(adminSession.page, path);
    assert.equal(seen.status, 200, `admin: ${path} answered ${seen.status}`);
    assert.ok(secrets.some((s) => s && seen.html.includes(s)), `admin: ${path} shows none of ${secrets.join(', ')}`);

    const got = await open(dev.page, path);
    assert.equal(got.status, 403, `developer: ${path} answered ${got.status}, not 403`);
    assert.match(got.text, /Không có quyền|Not allowed|forbidden|403/i, `developer: ${path} does not say access is refused`);
    assert.equal(await dev.page.locator('h1').count(), 1);
    for (const s of secrets) {
      if (s) assert.ok(!got.html.includes(s), `developer: ${path} leaks ${s}`);
    }
  }
  // Nor does the developer's menu lead there.
  const nav = dev.page.locator('nav[aria-label]');
  await dev.page.goto(`${platform.adminURL}/portal`);
  for (const path of ['/agencies', '/users', '/approvals', '/audit']) {
    assert.equal(await nav.locator(`a[href="${path}"]`).count(), 0, `developer menu links to ${path}`);
  }
  await adminSession.ctx.close();
  await dev.ctx.close();
});

test('a publisher and an auditor get a 403 page for pages of other roles', async () => {
  const cases = [
    { who: publisher, pages: ['/users', '/audit', '/'] },
    { who: { username: 'auditor', password: platform.auditorPassword }, pages: ['/approvals', '/apis/new'] },
  ];
  for (const { who, pages } of cases) {
    const { ctx, page } = await signedIn(who.username, who.password);
    for (const path of pages) {
      const got = await open(page, path);
      if (path === '/') {
        // An agency's user starts at the catalogue, not the admin overview.
        assert.equal(new URL(page.url()).pathname, '/portal', `${who.username}: / led to ${page.url()}`);
        continue;
      }
      assert.equal(got.status, 403, `${who.username}: ${path} answered ${got.status}, not 403`);
      assert.match(got.text, /Không có quyền|Not allowed|forbidden/i, `${who.username}: ${path} does not say access is refused`);
      assert.equal(await page.locator('form[method="post"]:not([action="/lang"]):not([action="/logout"])').count(), 0, `${who.username}: ${path} shows a form`);
    }
    await ctx.close();
  }
});

test('developer: approving a subscription posted directly is refused', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(adminSession.page, '/approvals', (p) =>
    p.locator('main tr').filter({ hasText: pendingSub.id }).getByRole('button', { name: /^(Duyệt|Approve)$/ }),
  );
  await adminSession.ctx.close();
  assert.equal(form.fields.id ?? pendingSub.id, pendingSub.id);

  const dev = await signedIn(developer.username, developer.password);
  const res = await postAs(dev.page, form);
  assert.equal(res.status, 403, `developer's approval answered ${res.status}`);
  const sub = (await admin.get(`/subscriptions/${pendingSub.id}`)).subscription;
  assert.equal(sub.state, 'SUBSCRIPTION_STATE_PENDING', 'the developer approved a subscription');
  await dev.ctx.close();
});

test('developer: a credential for another agency\'s application posted directly is refused', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(adminSession.page, `/apps/${otherApp.id}`, (p) => p.locator('main').getByRole('button', { name: /khóa API|API key/i }));
  await adminSession.ctx.close();
  const before = (await admin.get(`/applications/${otherApp.id}/credentials`)).credentials ?? [];

  const dev = await signedIn(developer.username, developer.password);
  const res = await postAs(dev.page, form);
  assert.equal(res.status, 403, `developer's credential answered ${res.status}`);
  assert.ok(!/lgspk_/.test(res.text), 'the answer shows an API key');
  const after = (await admin.get(`/applications/${otherApp.id}/credentials`)).credentials ?? [];
  assert.equal(after.length, before.length, 'the developer created a credential on another agency\'s application');
  await dev.ctx.close();
});

test('publisher: creating a user posted directly is refused', async () => {
  const username = `intruder-${unique()}`;
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(
    adminSession.page,
    '/users',
    (p) => p.locator('main form').filter({ has: p.locator('input[type=password]') }).getByRole('button', { name: /^(Tạo|Create)$/ }),
    (name) => {
      if (/pass/i.test(name)) return `Intruder-pass-${u}`;
      if (/user/i.test(name)) return username;
      if (/name/i.test(name)) return 'Kẻ xâm nhập';
      return undefined;
    },
  );
  await adminSession.ctx.close();
  assert.equal(form.fields[Object.keys(form.fields).find((k) => /user/i.test(k))], username, 'the user form has no username field');

  const pub = await signedIn(publisher.username, publisher.password);
  const res = await postAs(pub.page, form);
  assert.equal(res.status, 403, `publisher's new user answered ${res.status}`);
  await assert.rejects(admin.get(`/users/${username}`), (e) => e.status === 404, 'the publisher created a user');
  await pub.ctx.close();
});

test('auditor: creating an agency posted directly is refused', async () => {
  const code = `000.00.${String(10 + Math.floor(Math.random() * 89))}.H${String(10 + Math.floor(Math.random() * 89))}`;
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(
    adminSession.page,
    '/agencies',
    (p) => p.locator('main form').filter({ has: p.locator('input[name="code"]') }).getByRole('button', { name: /Thêm|Tạo|Add|Create/ }),
    (name) => {
      if (/parent/i.test(name)) return undefined;
      if (/code/i.test(name)) return code;
      if (/name/i.test(name)) return 'Cơ quan không được tạo';
      return undefined;
    },
  );
  await adminSession.ctx.close();

  const aud = await signedIn('auditor', platform.auditorPassword);
  const res = await postAs(aud.page, form);
  assert.equal(res.status, 403, `auditor's new agency answered ${res.status}`);
  await assert.rejects(admin.get(`/agencies/${code}`), (e) => e.status === 404, 'the auditor created an agency');
  await aud.ctx.close();
});

test('a form posted without the CSRF token is refused', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const code = `000.00.${String(10 + Math.floor(Math.random() * 89))}.G${String(10 + Math.floor(Math.random() * 89))}`;
  const form = await formData(
    adminSession.page,
    '/agencies',
    (p) => p.locator('main form').filter({ has: p.locator('input[name="code"]') }).getByRole('button', { name: /Thêm|Tạo|Add|Create/ }),
    (name) => (/parent/i.test(name) ? undefined : /code/i.test(name) ? code : /name/i.test(name) ? 'Không có mã CSRF' : undefined),
  );
  const { csrf, ...fields } = form.fields;
  assert.ok(csrf, 'the admin form carries no CSRF token');
  const res = await adminSession.page.request.post(form.action, { form: { ...fields, csrf: 'x'.repeat(43) }, maxRedirects: 0 });
  assert.equal(res.status(), 403);
  await assert.rejects(admin.get(`/agencies/${code}`), (e) => e.status === 404, 'an agency was created without a valid CSRF token');
  await adminSession.ctx.close();
});

// The same, on pages the role may open: the console lets the form through
// and the API refuses it.

test('developer: resuming a suspended application of its own agency is refused by the API', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(adminSession.page, `/apps/${suspendedApp.id}`, (p) => p.locator('main button[name="action"][value="resume"]'));
  await adminSession.ctx.close();

  const dev = await signedIn(developer.username, developer.password);
  assert.equal((await open(dev.page, `/apps/${suspendedApp.id}`)).status, 200, 'the developer cannot open its own application');
  const res = await postAs(dev.page, form);
  assert.equal(res.status, 403, `developer's resume answered ${res.status}`);
  assert.equal((await admin.get(`/applications/${suspendedApp.id}`)).application.state, 'APPLICATION_STATE_SUSPENDED', 'the developer lifted a suspension');
  await dev.ctx.close();
});

test('publisher: approving a subscription to another agency\'s API is refused by the API', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(adminSession.page, '/approvals', (p) =>
    p.locator('main tr').filter({ hasText: pendingSub.id }).getByRole('button', { name: /^(Duyệt|Approve)$/ }),
  );
  await adminSession.ctx.close();

  const pub = await signedIn(publisher.username, publisher.password);
  assert.equal((await open(pub.page, '/approvals')).status, 200, 'the publisher cannot open /approvals');
  const res = await postAs(pub.page, form);
  assert.equal(res.status, 403, `publisher's approval answered ${res.status}`);
  assert.equal((await admin.get(`/subscriptions/${pendingSub.id}`)).subscription.state, 'SUBSCRIPTION_STATE_PENDING', 'the publisher approved a subscription to another agency\'s API');
  await pub.ctx.close();
});

test('auditor: creating a credential is refused by the API', async () => {
  const adminSession = await signedIn('admin', platform.adminPassword);
  const form = await formData(adminSession.page, `/apps/${otherApp.id}`, (p) => p.locator('main').getByRole('button', { name: /khóa API|API key/i }));
  await adminSession.ctx.close();
  const before = (await admin.get(`/applications/${otherApp.id}/credentials`)).credentials ?? [];

  const aud = await signedIn('auditor', platform.auditorPassword);
  assert.equal((await open(aud.page, `/apps/${otherApp.id}`)).status, 200, 'the auditor cannot read the application');
  const res = await postAs(aud.page, form);
  assert.equal(res.status, 403, `auditor's credential answered ${res.status}`);
  assert.ok(!/lgspk_/.test(res.text), 'the answer shows an API key');
  const after = (await admin.get(`/applications/${otherApp.id}/credentials`)).credentials ?? [];
  assert.equal(after.length, before.length, 'the auditor created a credential');
  await aud.ctx.close();
});
