// The console's main flow, end to end in a browser: an admin registers an
// API from an OpenAPI document and publishes it and creates an agency
// developer; the developer finds the API in the catalogue, creates an
// application and an API key, and asks for a subscription; the admin
// approves it; the developer calls the API with "try it" and sees the call
// counted; the admin finds it all in the audit log and verifies the chain.
// Only the browser acts; the REST API is used to check what the pages did.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminAPI, launchBrowser, newContext, pathOf, signIn, signOut, startPlatform, unique } from './harness.mjs';

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

const u = unique();
const apiName = `Tra cứu thử nghiệm ${u}`;
const apiContext = `tracuu${u}`;
const appName = `Ứng dụng một cửa ${u}`;
const devAgency = '000.00.00.H41';
const developer = { username: `dev-${u}`, password: `Dev-pass-${u}`, displayName: `Lập trình viên ${u}` };

// A small OpenAPI 3 document with two paths that the platform's NGSP
// simulator answers without a token of its own.
function openAPIDocument() {
  return JSON.stringify(
    {
      openapi: '3.0.3',
      info: { title: apiName, version: '1.0', description: 'Mã định danh mẫu của trình giả lập NGSP' },
      paths: {
        '/_sim/demo': { get: { summary: 'Mã định danh mẫu', responses: { 200: { description: 'OK' } } } },
        '/_sim/health': { get: { summary: 'Tình trạng', responses: { 200: { description: 'OK' } } } },
      },
    },
    null,
    2,
  );
}

// Fills the field labelled label in scope when the form has it: the text,
// or for a <select> the option whose value or text matches value.
async function fillIfPresent(scope, label, value) {
  const field = scope.getByLabel(label);
  if ((await field.count()) === 0) return false;
  const el = field.first();
  const tag = await el.evaluate((e) => e.tagName.toLowerCase());
  if (tag === 'select') {
    const options = await el.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, label: o.textContent.trim() })));
    const re = value instanceof RegExp ? value : new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const o = options.find((o) => re.test(o.value) || re.test(o.label));
    assert.ok(o, `no option ${value} in ${label}: ${JSON.stringify(options)}`);
    await el.selectOption(o.value);
  } else {
    const type = await el.getAttribute('type');
    if (type === 'radio' || type === 'checkbox') await el.check();
    else await el.fill(String(value));
  }
  return true;
}

async function fill(scope, label, value) {
  assert.ok(await fillIfPresent(scope, label, value), `no field labelled ${label}`);
}

// Clicks the button matching name in scope and waits for the page it leads to.
async function press(page, scope, name) {
  const button = scope.getByRole('button', { name }).first();
  await button.waitFor({ timeout: 10_000 });
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation({ timeout: 30_000 }).catch(() => {}), button.click()]);
}

// The API's refusals show as alerts: none may be on the page after a step
// that should have worked.
async function noAlert(page, step) {
  const alerts = page.locator('main [role="alert"]');
  if ((await alerts.count()) > 0) {
    assert.fail(`${step}: the page shows an error: ${(await alerts.allInnerTexts()).join(' | ')}`);
  }
}

test('admin registers and publishes an API, a developer subscribes and calls it, the admin audits it', { timeout: 300_000 }, async (t) => {
  const rest = await AdminAPI.login(platform, 'admin', platform.adminPassword);
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const shots = await mkdtemp(join(tmpdir(), 'lgsp-e2e-flow-'));
  let step = 'start';
  const at = (s) => {
    step = s;
    t.diagnostic(s);
  };
  try {
    // 1. The admin registers the API from an OpenAPI document.
    at('admin signs in');
    await signIn(page, platform, 'admin', platform.adminPassword);

    at('admin registers an API by importing an OpenAPI document on /apis/new');
    await page.goto(`${platform.adminURL}/apis/new`);
    const form = page.locator('main form').filter({ has: page.getByLabel(/OpenAPI/) }).first();
    await form.waitFor({ timeout: 10_000 });
    await fill(form, /OpenAPI/, openAPIDocument());
    await fill(form, /^(Tên API|API name)/i, apiName);
    await fill(form, /Ngữ cảnh|Context/i, apiContext);
    await fill(form, /Phiên bản|Version/i, '1.0');
    await fill(form, /Cơ quan sở hữu|Owner agency/i, '000.00.00.H30');
    await fill(form, /Địa chỉ dịch vụ gốc|Upstream URL/i, platform.simulatorURL);
    await fill(form, /Phê duyệt thủ công|Manual approval/i, true);
    await press(page, form, /Nhập và đăng ký API|Import and register the API/i);
    await noAlert(page, step);
    const apiPath = pathOf(page.url());
    assert.match(apiPath, /^\/apis\/[^/]+$/, `after registering, the browser is at ${apiPath}, not the API's page`);
    const apiID = decodeURIComponent(apiPath.split('/')[2]);
    let api = (await rest.get(`/apis/${apiID}`)).api;
    assert.equal(api.name, apiName);
    assert.deepEqual(api.resources.map((r) => `${r.method} ${r.path}`).sort(), ['GET /_sim/demo', 'GET /_sim/health']);
    assert.equal(api.hasOpenapiDocument, true);
    assert.deepEqual(api.endpoints.map((e) => e.url), [platform.simulatorURL]);
    for (const p of ['/_sim/demo', '/_sim/health']) {
      assert.ok((await page.locator('main').innerText()).includes(p), `the API's page does not list ${p}`);
    }

    at('admin publishes the API');
    await press(page, page.locator('main'), /Xuất bản|Công bố|Publish/i);
    await noAlert(page, step);
    api = (await rest.get(`/apis/${apiID}`)).api;
    assert.equal(api.lifecycle, 'API_LIFECYCLE_PUBLISHED');
    assert.equal(api.approvalMode, 'APPROVAL_MODE_MANUAL');

    // 2. The admin creates an agency developer.
    at('admin creates an agency developer on /users');
    await page.goto(`${platform.adminURL}/users`);
    const userForm = page.locator('main form').filter({ has: page.locator('input[type="password"]') }).first();
    await fill(userForm, /Tên đăng nhập|Username/i, developer.username);
    await fill(userForm, /Tên hiển thị|Display name/i, developer.displayName);
    await fill(userForm, /Mật khẩu|Password/i, developer.password);
    await fill(userForm, /Vai trò|Role/i, /developer|Nhà phát triển/i);
    await fill(userForm, /^Cơ quan|Agency/i, devAgency);
    await press(page, userForm, /Tạo|Thêm|Create|Add/i);
    await noAlert(page, step);
    const user = await rest.get(`/users/${developer.username}`);
    assert.equal((user.user ?? user).role, 'USER_ROLE_AGENCY_DEVELOPER');
    assert.equal((user.user ?? user).agencyCode, devAgency);
    await signOut(page);

    // 3. The developer finds the API and subscribes an application.
    at('developer signs in and searches the catalogue');
    await signIn(page, platform, developer.username, developer.password);
    await page.goto(`${platform.adminURL}/portal`);
    const search = page.getByRole('searchbox').or(page.getByLabel(/Tìm kiếm|Search/i)).first();
    await search.fill(u);
    await Promise.all([page.waitForNavigation(), search.press('Enter')]);
    const hit = page.locator(`main a[href="/portal/apis/${apiID}"]`);
    await hit.first().waitFor({ timeout: 10_000 });
    // The search narrowed the catalogue: the demo business API is not listed.
    assert.ok(!(await page.locator('main').innerText()).includes('apiCSDLDKDN'), 'the search did not filter the catalogue');
    await Promise.all([page.waitForNavigation(), hit.first().click()]);
    assert.equal(pathOf(page.url()), `/portal/apis/${apiID}`);
    for (const p of ['/_sim/demo', '/_sim/health']) {
      assert.ok((await page.locator('main').innerText()).includes(p), `the API's documentation does not list ${p}`);
    }

    at('developer creates an application on /apps');
    await page.goto(`${platform.adminURL}/apps`);
    const appForm = page.locator('main form[method="post"]').filter({ has: page.getByLabel(/Tên ứng dụng|Application name/i) }).first();
    await fill(appForm, /Tên ứng dụng|Application name/i, appName);
    await press(page, appForm, /Tạo|Create/i);
    await noAlert(page, step);
    const appPath = pathOf(page.url());
    assert.match(appPath, /^\/apps\/[^/]+$/, `after creating the application, the browser is at ${appPath}`);
    const appID = decodeURIComponent(appPath.split('/')[2]);
    const app = (await rest.get(`/applications/${appID}`)).application;
    assert.equal(app.name, appName);
    assert.equal(app.agencyCode, devAgency);

    at('developer creates an API key, shown once');
    await press(page, page.locator('main'), /^(Tạo khóa API|Create an API key)$/i);
    await noAlert(page, step);
    const shown = (await page.locator('main').innerText()).match(/lgspk_[A-Za-z0-9_-]+/);
    assert.ok(shown, 'the new API key is not shown');
    const secret = shown[0];
    const creds = (await rest.get(`/applications/${appID}/credentials`)).credentials;
    assert.equal(creds.length, 1);
    assert.equal(creds[0].type, 'CREDENTIAL_TYPE_API_KEY');
    assert.ok(secret.includes(creds[0].keyId), 'the key shown is not the credential created');
    await page.reload();
    assert.ok(!(await page.content()).includes(secret), 'reloading the page shows the secret again');
    assert.equal((await rest.get(`/applications/${appID}/credentials`)).credentials.length, 1, 'reloading the page created another key');
    await page.goto(`${platform.adminURL}${appPath}`);
    assert.ok(!(await page.content()).includes(secret), 'opening the application again shows the secret');

    at('developer asks for a subscription');
    await page.goto(`${platform.adminURL}/portal/apis/${apiID}`);
    const subButton = page.locator('main').getByRole('button', { name: /Gửi yêu cầu đăng ký|Đăng ký sử dụng|Send the request|Subscribe/i }).first();
    const subForm = subButton.locator('xpath=ancestor::form[1]');
    await fill(subForm, /^(Ứng dụng|Application)$/i, appID);
    await fillIfPresent(subForm, /Gói chính sách|Tier/i, 'Demo');
    await Promise.all([page.waitForNavigation({ timeout: 30_000 }), subButton.click()]);
    await noAlert(page, step);
    const subs = (await rest.get(`/subscriptions?applicationId=${appID}`)).subscriptions ?? [];
    const sub = subs.find((s) => s.apiId === apiID);
    assert.ok(sub, 'no subscription was created');
    assert.equal(sub.state, 'SUBSCRIPTION_STATE_PENDING');
    await signOut(page);

    // 4. The admin approves it.
    at('admin approves the subscription on /approvals');
    await signIn(page, platform, 'admin', platform.adminPassword);
    await page.goto(`${platform.adminURL}/approvals`);
    const row = page.locator('main tr, main li, main article').filter({ hasText: appName }).filter({ has: page.getByRole('button', { name: /Duyệt|Phê duyệt|Approve/i }) }).last();
    await row.waitFor({ timeout: 10_000 });
    await press(page, row, /^(Duyệt|Phê duyệt|Approve)$/i);
    await noAlert(page, step);
    assert.equal((await rest.get(`/subscriptions/${sub.id}`)).subscription.state, 'SUBSCRIPTION_STATE_APPROVED');
    await signOut(page);

    // 5. The developer calls it with "try it".
    at('developer calls the API with try it');
    await signIn(page, platform, developer.username, developer.password);
    let answer = '';
    // The gateway applies the approval when its routing table is rebuilt,
    // shortly after; try again until it has.
    for (let i = 0; i < 20; i++) {
      await page.goto(`${platform.adminURL}/portal/apis/${apiID}`);
      const tryButton = page.locator('main').getByRole('button', { name: /^(Thử gọi|Try it)$/i }).first();
      const tryForm = tryButton.locator('xpath=ancestor::form[1]');
      await fill(tryForm, /^(Tài nguyên|Resource)$/i, /_sim\/demo/);
      await fill(tryForm, /Khóa API|API key/i, secret);
      await Promise.all([page.waitForNavigation({ timeout: 30_000 }), tryButton.click()]);
      answer = await page.locator('main').innerText();
      if (/\b200\b/.test(answer) && answer.includes('0109549006')) break;
      await sleep(500);
    }
    assert.match(answer, /\b200\b/, `try it did not show HTTP 200:\n${answer.slice(0, 2000)}`);
    assert.ok(answer.includes('0109549006'), 'try it did not show the simulator\'s answer body');

    // 6. The call is counted.
    at('developer sees the call in the usage chart');
    let counted = 0;
    for (let i = 0; i < 60 && counted < 1; i++) {
      // Today's calls to this API: the total the page shows.
      await page.goto(`${platform.adminURL}/portal/usage?range=today&api=${encodeURIComponent(apiID)}`);
      await noAlert(page, step);
      const total = page.locator('main data.total-requests');
      counted = (await total.count()) > 0 ? Number(await total.getAttribute('value')) : 0;
      if (counted < 1) await sleep(1000);
    }
    assert.ok(counted >= 1, 'the usage page does not count the call');
    await signOut(page);

    // 7. The admin audits it.
    at('admin sees the actions in the audit log and verifies the chain');
    await signIn(page, platform, 'admin', platform.adminPassword);
    await page.goto(`${platform.adminURL}/audit`);
    const log = await page.locator('main').innerHTML();
    for (const [what, id] of [['API', apiID], ['subscription', sub.id], ['application', appID]]) {
      assert.ok(log.includes(id), `the audit log does not show the ${what} ${id}`);
    }
    await press(page, page.locator('main'), /Kiểm tra chuỗi|Xác minh|Verify/i);
    const result = page.locator('main [role="status"], main [role="alert"]').first();
    await result.waitFor({ timeout: 15_000 });
    assert.equal(await result.getAttribute('role'), 'status', `verifying the chain failed: ${await result.innerText()}`);
    assert.match(await result.innerText(), /nguyên vẹn|hợp lệ|toàn vẹn|intact|valid|verified/i);
  } catch (err) {
    const file = join(shots, 'failure.png');
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message = `at "${step}" (${page.url()}; screenshot ${file}): ${err.message}`;
    throw err;
  } finally {
    await ctx.close();
  }
});
