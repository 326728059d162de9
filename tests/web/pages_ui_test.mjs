// The web UI's shell and its operational pages in Debian's chromium: every page loads with no
// console errors; alerts firing and pending from a real rule file; a down and an up scrape target
// (python3-prometheus-client serving /metrics); the status page's storage figures; keyboard
// navigation, the phone-sized menu and the dark theme; the files' caching, compression and
// security headers; and the whole UI behind a path prefix (--web.route-prefix).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  assertNoProblems,
  freePort,
  launchBrowser,
  newPage,
  postOtlpJson,
  otlpGauges,
  screenshot,
  startTidemark,
  texts,
  waitFor,
} from './harness.mjs';

const RULES = `groups:
  - name: web-ui
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: TargetDown
        expr: up == 0
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.instance }} of job {{ $labels.job }} is down"
      - alert: SlowBurn
        expr: vector(1)
        for: 1h
`;

let server;
let browser;
let pythonTarget;
let deadPort;

before(async () => {
  const pyPort = await freePort();
  deadPort = await freePort(); // nothing listens there: the target is down
  pythonTarget = spawn(
    '/usr/bin/python3',
    ['-c', `import prometheus_client, time\nprometheus_client.start_http_server(${pyPort}, addr='127.0.0.1')\ntime.sleep(600)`],
    { stdio: 'ignore' },
  );
  server = await startTidemark({
    files: { 'rules.yml': RULES },
    config: `global:
  scrape_interval: 1s
  evaluation_interval: 1s
self_scrape_interval: 0
rule_files: [rules.yml]
scrape_configs:
  - job_name: python-app
    static_configs: [{targets: ['127.0.0.1:${pyPort}']}]
  - job_name: gone
    static_configs: [{targets: ['127.0.0.1:${deadPort}']}]
`,
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  pythonTarget?.kill('SIGKILL');
});

test('every page loads with no console errors, and the navigation reaches each', async () => {
  const now = Date.now();
  await postOtlpJson(server, 'metrics', otlpGauges([{ name: 'ui_smoke_gauge', labels: { a: 'b' }, points: [[now - 1000, 1]] }]));
  const page = await newPage(browser);
  await page.goto(`${server.ui}/`, { waitUntil: 'networkidle0' });
  // "/" is the query page, as Prometheus' "/" is its graph.
  await waitFor('the query page', async () => new URL(page.url()).pathname === '/query');
  for (const [title, path] of [
    ['Metrics', '/explore'],
    ['Traces', '/traces'],
    ['Alerts', '/alerts'],
    ['Rules', '/rules'],
    ['Targets', '/targets'],
    ['Status', '/status'],
    ['Query', '/query'],
  ]) {
    const links = await page.$$('nav a');
    let clicked = false;
    for (const link of links) {
      if ((await link.evaluate((a) => a.textContent)) === title) {
        await link.click();
        clicked = true;
        break;
      }
    }
    assert.ok(clicked, `no navigation link "${title}"`);
    await waitFor(`${path} to show`, async () => new URL(page.url()).pathname === path);
    await waitFor(`${title}'s heading`, async () => (await texts(page, 'h1')).length > 0);
    await page.waitForNetworkIdle({ idleTime: 200, timeout: 15000 });
  }
  // A reload of a page's own address is answered by the server (no client routing on the way).
  for (const path of ['/query', '/graph', '/explore', '/traces', '/alerts', '/rules', '/targets', '/status']) {
    await page.goto(`${server.ui}${path}`, { waitUntil: 'networkidle0' });
    assert.ok((await texts(page, 'h1')).length > 0, `${path} rendered no heading`);
  }
  assertNoProblems(page);
  await page.close();
});

test('alerts: a firing and a pending alert from the rule file, with rendered annotations', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/alerts`, { waitUntil: 'networkidle0' });
  // The rules run every second; the scrape of the dead port fails within its first interval.
  const firing = await waitFor(
    'TargetDown to fire',
    async () => {
      await page.reload({ waitUntil: 'networkidle0' });
      const rows = await page.$$eval('[data-testid="alert-instance"]', (els) =>
        els.map((e) => ({ state: e.getAttribute('data-state'), text: e.textContent })),
      );
      return rows.find((r) => r.state === 'firing');
    },
    30000,
    1000,
  );
  assert.match(firing.text, new RegExp(`127\\.0\\.0\\.1:${deadPort} of job gone is down`));
  assert.match(firing.text, /severity="page"/);
  const rules = await texts(page, '[data-testid="alert-rule"] summary');
  assert.ok(rules.some((t) => /firing/i.test(t) && t.includes('TargetDown')), rules.join(' | '));
  assert.ok(rules.some((t) => /pending/i.test(t) && t.includes('SlowBurn')), rules.join(' | '));
  await screenshot(page, 'alerts');
  // The state filter hides what is unticked.
  const firingBox = await page.$$('.page-actions input[type="checkbox"]');
  await firingBox[0].click(); // firing off
  const after = await texts(page, '[data-testid="alert-rule"] summary');
  assert.ok(!after.some((t) => t.includes('TargetDown')), 'unticking firing still shows TargetDown');
  assertNoProblems(page);
  await page.close();
});

test('rules: the group with its rules, their health and last evaluation', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/rules`, { waitUntil: 'networkidle0' });
  const rows = await waitFor('three healthy rules', async () => {
    await page.reload({ waitUntil: 'networkidle0' });
    const r = await page.$$eval('[data-testid="rule"]', (els) => els.map((e) => [e.getAttribute('data-health'), e.textContent]));
    return r.length === 3 && r.every(([h]) => h === 'ok') ? r : null;
  });
  assert.match(rows[0][1], /record: job:up:sum/);
  assert.match(rows[0][1], /ago/);
  const group = await texts(page, '[data-testid="rule-group"] summary');
  assert.match(group[0], /web-ui/);
  assert.match(group[0], /rules\.yml/);
  await screenshot(page, 'rules');
  assertNoProblems(page);
  await page.close();
});

test('targets: the down target with its error and the up one', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/targets`, { waitUntil: 'networkidle0' });
  const targets = await waitFor('both targets scraped', async () => {
    await page.reload({ waitUntil: 'networkidle0' });
    const t = await page.$$eval('[data-testid="target"]', (els) =>
      els.map((e) => ({ health: e.getAttribute('data-health'), url: e.getAttribute('data-url'), text: e.textContent })),
    );
    // The Python target may come up after the first scrape: wait for each to reach its state.
    const dead = t.find((x) => x.url.includes(`:${deadPort}/`));
    const live = t.find((x) => !x.url.includes(`:${deadPort}/`));
    return t.length === 2 && dead.health === 'down' && live.health === 'up' ? t : null;
  }, 30000, 1000);
  const down = targets.find((t) => t.url.includes(`:${deadPort}/`));
  const up = targets.find((t) => !t.url.includes(`:${deadPort}/`));
  assert.equal(down.health, 'down');
  assert.match(down.text, /refused|connect/i, 'the down target shows no error');
  assert.equal(up.health, 'up');
  assert.match(up.text, /job="python-app"/);
  const pools = await texts(page, '[data-testid="scrape-pool"] summary');
  assert.ok(pools.some((p) => p.includes('gone') && p.includes('(0/1 up)')), pools.join(' | '));
  await screenshot(page, 'targets');
  // Unhealthy only leaves the down target.
  await page.click('.page-actions input[type="checkbox"]');
  assert.equal((await page.$$('[data-testid="target"]')).length, 1);
  assertNoProblems(page);
  await page.close();
});

test('status: build, storage, cardinality and the configuration', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/status`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('[data-testid="storage-summary"]');
  const storage = await page.$eval('[data-testid="storage-summary"]', (e) => e.textContent);
  const api = await (await fetch(`${server.url}/api/v1/status/storage`)).json();
  assert.equal(api.status, 'success');
  assert.match(storage, new RegExp(`sample retention${api.data.retention}`));
  assert.match(storage, /head series\d+/);
  const series = Number(/head series(\d+)/.exec(storage)[1]);
  assert.ok(series > 0, 'the head holds the scraped and recorded series');
  // The configuration shown is the one in force (its scrape jobs).
  await page.click('[data-testid="status-config"] summary');
  const config = await page.$eval('[data-testid="status-config"] pre', (e) => e.textContent);
  assert.match(config, /job_name: python-app/);
  await screenshot(page, 'status');
  assertNoProblems(page);
  await page.close();
});

test('keyboard, phone width and the dark theme', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  await page.goto(`${server.ui}/rules`, { waitUntil: 'networkidle0' });
  // On a phone the navigation folds behind the menu button.
  assert.equal(await page.$eval('nav', (n) => getComputedStyle(n).display), 'none');
  await page.click('.menu-toggle');
  assert.notEqual(await page.$eval('nav', (n) => getComputedStyle(n).display), 'none');
  await screenshot(page, 'phone-menu');
  // The keyboard reaches the Targets link and Enter follows it.
  await page.focus('nav a');
  for (let i = 0; i < 10; i++) {
    if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Targets') break;
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Targets');
  await page.keyboard.press('Enter');
  await waitFor('the targets page', async () => new URL(page.url()).pathname === '/targets');
  // The theme toggles, and the page's background follows.
  const light = await page.evaluate(() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]);
  await page.click('.theme-toggle');
  const dark = await page.evaluate(() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]);
  assert.notEqual(light[0], dark[0]);
  assert.notEqual(light[1], dark[1]);
  await page.waitForNetworkIdle({ idleTime: 200, timeout: 15000 });
  await screenshot(page, `targets-phone-${dark[0]}`);
  // The choice outlives a reload.
  await page.reload({ waitUntil: 'networkidle0' });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), dark[0]);
  assertNoProblems(page);
  await page.close();
});

test('files: gzip, caching by content hash, and the security headers', async () => {
  const index = await fetch(`${server.url}/status`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.match(index.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const html = await index.text();
  assert.match(html, /<base href="\/">/);
  const script = /src="(assets\/app-[^"]+\.js)"/.exec(html)[1];
  const plain = await fetch(`${server.url}/${script}`, { headers: { 'Accept-Encoding': 'identity' } });
  const plainBody = Buffer.from(await plain.arrayBuffer());
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.match(plain.headers.get('cache-control'), /immutable/);
  // fetch() decompresses: the same bytes either way.
  const gz = await fetch(`${server.url}/${script}`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.ok(Buffer.from(await gz.arrayBuffer()).equals(plainBody));
  const etag = plain.headers.get('etag');
  const again = await fetch(`${server.url}/${script}`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const missing = await fetch(`${server.url}/assets/app-OLD.js`);
  assert.equal(missing.status, 404);
});

test('behind a path prefix: pages, files and API calls under it', async () => {
  const prefixed = await startTidemark({ extraArgs: ['--web.route-prefix', '/tidemark'], prefix: '/tidemark' });
  try {
    const root = await fetch(`http://127.0.0.1:${prefixed.apiPort}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/tidemark/');
    const outside = await fetch(`http://127.0.0.1:${prefixed.apiPort}/api/v1/query?query=1`);
    assert.equal(outside.status, 404);
    const page = await newPage(browser);
    await page.goto(`${prefixed.url}/status`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('[data-testid="storage-summary"]');
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const links = await page.$$('nav a');
    for (const link of links) {
      if ((await link.evaluate((a) => a.textContent)) === 'Rules') await link.click();
    }
    await waitFor('the prefixed rules page', async () => new URL(page.url()).pathname === '/tidemark/rules');
    await page.waitForNetworkIdle({ idleTime: 200, timeout: 15000 });
    assert.ok(requests.includes('/tidemark/api/v1/rules'), `API calls: ${requests.join(', ')}`);
    assertNoProblems(page);
    await page.close();
  } finally {
    await prefixed.stop();
  }
});
