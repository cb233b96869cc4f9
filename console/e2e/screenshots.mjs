// Saves screenshots of the console's main pages into docs/screenshots/ at
// 1366×768, from a fresh lgsp dev with its demo data plus one pending
// subscription and one call, so that every page has something to show.
// Run it with `make screenshots` (after make build), or
// `node screenshots.mjs [output dir]` with LGSP_BIN set.

import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminAPI, launchBrowser, newContext, signIn, startPlatform } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '../../docs/screenshots'));

const platform = await startPlatform();
let browser;
try {
  browser = await launchBrowser();
  await mkdir(out, { recursive: true });

  // Demo content: an API from an OpenAPI document, a developer with an
  // application subscribed to it (one subscription approved and called,
  // one waiting for approval).
  const admin = await AdminAPI.login(platform, 'admin', platform.adminPassword);
  const api = (
    await admin.post('/apis', {
      api: {
        name: 'Tra cứu mã định danh mẫu',
        description: 'Mã định danh mẫu của trình giả lập NGSP / Demo identifiers of the NGSP simulator',
        context: 'demo-ids',
        version: '1.0',
        ownerAgency: '000.00.00.H30',
        visibility: 'API_VISIBILITY_PUBLIC',
        approvalMode: 'APPROVAL_MODE_MANUAL',
        endpoints: [{ url: platform.simulatorURL, weight: 1 }],
        upstreamAuth: { type: 'UPSTREAM_AUTH_TYPE_NONE' },
      },
    })
  ).api;
  await admin.post(`/apis/${api.id}:importOpenApi`, {
    openapiDocument: JSON.stringify({
      openapi: '3.0.3',
      info: { title: 'Tra cứu mã định danh mẫu', version: '1.0' },
      paths: {
        '/_sim/demo': { get: { summary: 'Mã định danh mẫu / Demo identifiers', responses: { 200: { description: 'OK' } } } },
        '/_sim/health': { get: { summary: 'Tình trạng / Health', responses: { 200: { description: 'OK' } } } },
      },
    }),
  });
  await admin.post(`/apis/${api.id}:transition`, { lifecycle: 'API_LIFECYCLE_PUBLISHED' });
  const dev = { username: 'nguyen.van.a', password: 'Demo-developer-password' };
  await admin.post('/users', {
    user: { username: dev.username, displayName: 'Nguyễn Văn A', role: 'USER_ROLE_AGENCY_DEVELOPER', agencyCode: '000.00.00.H41' },
    password: dev.password,
  });
  const developer = await AdminAPI.login(platform, dev.username, dev.password);
  const app = (await developer.post('/applications', { name: 'Phần mềm một cửa điện tử', agencyCode: '000.00.00.H41' })).application;
  const { secret } = await developer.post(`/applications/${app.id}/credentials`, { type: 'CREDENTIAL_TYPE_API_KEY', description: 'Máy chủ một cửa' });
  const sub = (await developer.post('/subscriptions', { applicationId: app.id, apiId: api.id, tier: 'Demo' })).subscription;
  await admin.post(`/subscriptions/${sub.id}:approve`, {});
  const other = (await developer.post('/applications', { name: 'Cổng thông tin huyện', agencyCode: '000.00.00.H41' })).application;
  await developer.post('/subscriptions', { applicationId: other.id, apiId: api.id, tier: 'Demo' });
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${platform.gatewayURL}/${api.context}/${api.version}/_sim/demo`, { headers: { apikey: secret } });
    await res.arrayBuffer();
    if (res.status === 200) break;
    await sleep(500); // the gateway picks up the approval shortly after
  }

  const shoot = async (page, path, name) => {
    const res = await page.goto(`${platform.adminURL}${path}`);
    if (res.status() !== 200) throw new Error(`${path}: HTTP ${res.status()}`);
    const file = join(out, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`${file}  (${path})`);
  };

  const ctx = await newContext(browser, { viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  await signIn(page, platform, 'admin', platform.adminPassword);
  await shoot(page, '/', 'overview');
  await shoot(page, '/apis', 'apis');
  await shoot(page, `/apis/${api.id}`, 'api');
  await shoot(page, '/approvals', 'approvals');
  await shoot(page, '/usage', 'usage');
  await shoot(page, '/audit', 'audit');
  await ctx.close();

  const devCtx = await newContext(browser, { viewport: { width: 1366, height: 768 } });
  const devPage = await devCtx.newPage();
  await signIn(devPage, platform, dev.username, dev.password);
  await shoot(devPage, '/portal', 'catalogue');
  await shoot(devPage, `/portal/apis/${api.id}`, 'api-docs');
  // "Try it" with the application's key, the answer in view.
  const tryButton = devPage.locator('main').getByRole('button', { name: /^(Thử gọi|Try it)$/ }).first();
  const tryForm = tryButton.locator('xpath=ancestor::form[1]');
  const resource = tryForm.getByLabel(/^(Tài nguyên|Resource)$/);
  const demo = await resource.locator('option').evaluateAll((os) => os.find((o) => o.textContent.includes('/_sim/demo'))?.value);
  await resource.selectOption(demo);
  await tryForm.getByLabel(/Khóa API|API key/).fill(secret);
  await Promise.all([devPage.waitForNavigation(), tryButton.click()]);
  const answer = devPage.locator('#try-result');
  await answer.scrollIntoViewIfNeeded();
  if (!(await answer.innerText()).includes('200')) throw new Error(`try it did not answer 200: ${await answer.innerText()}`);
  await devPage.screenshot({ path: join(out, 'api-try-it.png') });
  console.log(`${join(out, 'api-try-it.png')}  (/portal/apis/${api.id}, try it)`);
  await shoot(devPage, '/portal/usage', 'portal-usage');
  await devCtx.close();
} finally {
  await browser?.close();
  await platform.stop();
}
