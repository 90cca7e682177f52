// End to end in Debian's headless Chromium (playwright-core, no downloaded browser) against the
// real `vigil serve`: sign in, filter findings, open one, change its status and see the
// history, check a hostile title renders as text, sign in with an API token, visit projects, an overview with its trend,
// start a scan and download its report, start another and cancel it, /docs and /redoc, sign out. Screenshots of each view go to VIGIL_SHOTS_DIR (default build/web-shots).
// Any console error, page error, failed request or dialog fails the run.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { PASSWORD, seed, startServer } from './server.mjs';
import { SPEC, startTarget } from './target.mjs';

const require = createRequire(join(process.env.VIGIL_SOURCE_DIR || process.cwd(), 'web', 'package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launch() {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vigil-chromium-')), {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 },
  });
}

async function main() {
  const shots = process.env.VIGIL_SHOTS_DIR || join(process.env.VIGIL_BUILD_DIR || 'build', 'web-shots');
  mkdirSync(shots, { recursive: true });
  const srv = await startServer();
  const target = await startTarget();
  const ctx = await launch();
  const problems = [];
  try {
    const data = await seed(srv.api);
    const page = ctx.pages()[0] || (await ctx.newPage());
    // ReDoc's sidebar shows a "Redocly" logo from its CDN: the page's CSP blocks it (no request
    // leaves the machine), which Chromium reports; that one report is expected.
    const REDOC_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
    const offSite = (u) => !u.startsWith(srv.base) && !u.startsWith('data:') && !u.startsWith(`blob:${srv.base}`);
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes(REDOC_LOGO)) problems.push(`console: ${m.text()} at ${m.location().url}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
    page.on('requestfailed', (r) => {
      if (r.url() !== REDOC_LOGO && r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`requestfailed: ${r.url()}`);
    });
    page.on('request', (r) => { if (offSite(r.url()) && r.url() !== REDOC_LOGO) problems.push(`off-site request: ${r.url()}`); });
    // The docs pages are thousands of pixels tall: their shots are of the viewport only.
    const shot = (name, fullPage = true) => page.screenshot({ path: join(shots, `${name}.png`), fullPage, timeout: 90000 });

    // Sign in.
    await page.goto(`${srv.base}/`);
    await page.getByLabel('Username').fill(data.username);
    await page.getByLabel('Password').fill('wrong-password-entirely');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    problems.length = 0; // the 401 of the wrong password is logged by Chromium as a failed resource
    await shot('01-login-error');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Findings' }).waitFor();
    assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie must be HttpOnly');
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    await page.locator('tbody tr').first().waitFor();
    assert.equal(await page.locator('tbody tr').count(), 12);
    // The hostile title is text: no <img> was created from it and no dialog opened.
    assert.equal(await page.locator('tbody img').count(), 0);
    await page.getByRole('link', { name: '<img src=x onerror=alert(1)>' }).waitFor();
    await shot('02-findings');

    // Filter (server side): high severity in Payments API.
    await page.getByLabel('Severity').selectOption('high');
    await page.getByLabel('Project').selectOption(data.project.id);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('caption', { hasText: /^4 finding/ }).waitFor();
    const titles = await page.locator('tbody td:nth-child(3)').allTextContents();
    assert.deepEqual(titles.sort(), ['<img src=x onerror=alert(1)>', 'Finding number 1', 'Finding number 11', 'Finding number 6'].sort());
    await page.getByLabel('Search').fill('number');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('caption', { hasText: /^3 finding/ }).waitFor();
    await shot('03-findings-filtered');

    // Open the hostile one, change its status with a comment, see the history.
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('caption', { hasText: /^4 finding/ }).waitFor();
    await page.getByRole('link', { name: '<img src=x onerror=alert(1)>' }).click();
    await page.getByRole('heading', { level: 1, name: '<img src=x onerror=alert(1)>' }).waitFor();
    assert.equal(await page.locator('main img').count(), 0);
    await page.getByLabel('New status').selectOption('confirmed');
    await page.getByLabel('Comment (added to the evidence notes)').fill('Reproduced on staging.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('list', { name: 'Status history' }).getByText('open → confirmed').waitFor();
    await page.getByText('Reproduced on staging.', { exact: false }).first().waitFor();
    const fresh = (await srv.api('GET', `/api/v1/findings/${data.findings[0].id}`)).data;
    assert.equal(fresh.status, 'confirmed');
    await shot('04-finding');

    // Bulk change from the list.
    await page.goto(`${srv.base}/#/findings?cwe=CWE-89`);
    await page.locator('caption', { hasText: 'finding' }).waitFor();
    const boxes = page.locator('tbody input[type=checkbox]');
    const n = await boxes.count();
    assert.ok(n >= 2);
    for (let i = 0; i < n; i++) await boxes.nth(i).check();
    await page.getByLabel('Set status of selected').selectOption('accepted');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByRole('status').getByText(`${n} finding(s) set to accepted.`).waitFor();
    const accepted = await srv.api('GET', '/api/v1/findings?cwe=CWE-89&status=accepted');
    assert.equal(accepted.meta.total, n);

    // Projects and assets, and a project's overview chart.
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('heading', { name: 'Projects and assets' }).waitFor();
    await page.getByText('https://pay.example.test').first().waitFor();
    await shot('05-projects');
    await page.getByRole('link', { name: 'Payments API' }).click();
    await page.locator('svg.chart rect').first().waitFor();
    assert.equal(await page.locator('svg.chart rect').count(), 5);
    // The trend: one bar a week for 8 weeks; all 10 of the project's findings were recorded
    // in the last one.
    assert.equal(await page.locator('svg.trend rect').count(), 8);
    const trend = await page.locator('svg.trend title').textContent();
    const perWeek = [...trend.matchAll(/ (\d+)(?:,|$)/g)].map((m) => Number(m[1]));
    assert.deepEqual(perWeek, [0, 0, 0, 0, 0, 0, 0, 10], trend);
    await shot('06-overview');

    // Controls: the confirmed high XSS puts PCI DSS 6.2.4 at risk; evidence and a manual
    // status are recorded from its page, and the hostile title stays text there too.
    await page.getByRole('link', { name: 'Controls' }).click();
    await page.getByRole('heading', { name: 'Compliance controls' }).waitFor();
    await page.getByLabel('Framework').selectOption('pci-dss');
    await page.getByLabel('Control status').selectOption('at_risk');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('tbody tr', { hasText: '6.2.4' }).getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: /PCI DSS 6\.2\.4/ }).waitFor();
    await page.getByRole('list', { name: 'Open findings' }).getByRole('link', { name: '<img src=x onerror=alert(1)>' }).waitFor();
    assert.equal(await page.locator('main img').count(), 0);
    await page.getByLabel('Evidence note').fill('WAF rules reviewed <b>quarterly</b>');
    await page.getByLabel('Link (optional)').fill('https://wiki.example.test/waf');
    await page.getByRole('button', { name: 'Add evidence' }).click();
    await page.getByRole('list', { name: 'Evidence' }).getByText('WAF rules reviewed <b>quarterly</b>').waitFor();
    await page.getByLabel('Set status by hand').selectOption('implemented');
    await page.getByLabel('Reason').fill('Compensating control');
    await page.getByRole('button', { name: 'Set status' }).click();
    await page.getByText('implemented: Compensating control').waitFor();
    const ctl = (await srv.api('GET', '/api/v1/controls/pci-dss-6.2.4')).data;
    assert.equal(ctl.status, 'at_risk', 'a manual status cannot hide the open high finding');
    assert.equal(ctl.evidence_count, 1);
    assert.equal(ctl.manual_status.reason, 'Compensating control');
    await shot('06b-control');

    // Start a scan of the test's target from the form, watch it finish, download its report.
    await page.getByRole('link', { name: 'Scans' }).click();
    await page.getByRole('heading', { name: 'Start a scan' }).waitFor();
    await page.getByLabel('Target URL').fill(target.base);
    await page.getByLabel('…or the OpenAPI document (JSON or YAML)').fill(SPEC);
    await page.getByLabel('Project (its findings land there)').selectOption(data.project.id);
    await page.getByRole('button', { name: 'Start scan' }).click();
    await page.getByRole('heading', { level: 1, name: `Scan of ${target.base}` }).waitFor();
    await page.locator('dd .badge', { hasText: 'complete' }).waitFor({ timeout: 120000 });
    const scanId = page.url().split('/').pop();
    const done = (await srv.api('GET', `/api/v1/scans/${scanId}`)).data;
    assert.equal(done.status, 'complete');
    assert.ok(done.progress.findings >= 1, 'the stack trace is reported');
    await page.getByText(`of ${done.progress.endpoints_discovered} endpoint(s) tested`).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Report' }).getByRole('link').count(), 5);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'SARIF' }).click()]);
    const sarif = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0].results.length >= 1);
    await shot('07-scan-complete');

    // A scan of the slow half of the target is still running when it is cancelled.
    await page.getByRole('link', { name: '← All scans' }).click();
    await page.getByLabel('Target URL').fill(`${target.base}/slow`);
    await page.getByLabel('…or the OpenAPI document (JSON or YAML)').fill(SPEC);
    await page.getByRole('button', { name: 'Start scan' }).click();
    await page.locator('dd .badge', { hasText: 'running' }).waitFor({ timeout: 60000 });
    await page.getByRole('button', { name: 'Cancel scan' }).click();
    await page.locator('dd .badge', { hasText: 'cancelled' }).waitFor({ timeout: 60000 });
    const cancelled = (await srv.api('GET', `/api/v1/scans/${page.url().split('/').pop()}`)).data;
    assert.equal(cancelled.status, 'cancelled');
    await shot('08-scan-cancelled');
    await page.getByRole('link', { name: '← All scans' }).click();
    await page.locator('caption', { hasText: /^2 scan\(s\)/ }).waitFor();
    await shot('09-scans');

    // Phone size.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${srv.base}/#/findings`);
    await page.locator('tbody tr').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, 'the findings view must fit a phone-size viewport');
    await shot('10-findings-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Every control has a label (or an aria-label), and the keyboard reaches the filters.
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
      .filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).length);
    assert.equal(unlabelled, 0);
    await page.getByLabel('Search').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'severity');

    // The API docs render offline.
    await page.goto(`${srv.base}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20000 });
    await shot('11-docs', false);
    await page.goto(`${srv.base}/redoc`);
    await page.locator('[role=search], .api-content').first().waitFor({ timeout: 20000 });
    await shot('12-redoc', false);

    // Sign out: the cookie is gone and the API refuses the old session.
    await page.goto(`${srv.base}/#/findings`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to vigil' }).waitFor();
    const cookies = await ctx.cookies(srv.base);
    assert.equal(cookies.filter((c) => c.name === 'vigil_session').length, 0);
    await shot('13-signed-out');

    // Sign in with an API token instead: it stays in the page's memory, never in storage or a
    // cookie, and a wrong one is refused with the API's problem.
    await page.getByLabel('API token', { exact: true }).fill('vgl_live_not-a-real-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('alert').waitFor();
    problems.length = 0; // the 401 of the bad token is logged by Chromium as a failed resource
    await page.getByLabel('API token', { exact: true }).fill(srv.token);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: 'Findings' }).waitFor();
    await page.locator('tbody tr').first().waitFor();
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length), 0);
    assert.equal((await ctx.cookies(srv.base)).length, 0);
    await shot('14-token-session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to vigil' }).waitFor();
    problems.splice(0, problems.length, ...problems.filter((p) => !/\/api\/v1\/auth\/session\b.*401|401 \(Unauthorized\)/.test(p)));
    assert.deepEqual(problems, [], 'no console errors, page errors, dialogs or failed requests');
    console.log(`web e2e: ok; screenshots in ${shots}`);
  } finally {
    await ctx.close();
    await srv.stop();
    target.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => { console.error(e); process.exit(1); });
