// The query page and the metrics explorer in headless Chromium against a real tidemark: gauges
// and a histogram with an exemplar sent over OTLP/HTTP JSON; a query typed with the keyboard,
// with autocompletion of the metric, its label names and values; the table and the graph, whose
// drawn points must equal what /api/v1/query_range answers for the same start, end and step;
// stacking, legend toggling, a syntax error marked in the editor, the URL reproducing the view
// after a reload, an exemplar opening its trace; the explorer listing type, unit and help.
// Screenshots in light and dark themes and at a phone's width.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertNoProblems,
  launchBrowser,
  newPage,
  otlpGauges,
  postOtlpJson,
  screenshot,
  startTidemark,
  waitFor,
} from './harness.mjs';

const GAUGE = 'webui_room_temperature';
const HISTOGRAM = 'webui_request_latency'; // unit "s": stored as webui_request_latency_seconds_*
const BUCKETS = `${HISTOGRAM}_seconds_bucket`;
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const EDITOR = '[data-testid=panel-expr] textarea';

let server;
let browser;
const now = Date.now();
// 40 points 30 s apart, ending a minute ago, off the second (and so off any step boundary).
const times = Array.from({ length: 40 }, (_, i) => now - 60_000 - (39 - i) * 30_000 + 1234);
const rooms = {
  kitchen: times.map((t, i) => [t, 20 + Math.sin(i / 5) * 2]),
  cellar: times.map((t, i) => [t, 11.5 + (i % 7) * 0.25]),
};
const nanos = (ms) => String(BigInt(Math.round(ms)) * 1000000n);

before(async () => {
  server = await startTidemark();
  const gauges = otlpGauges(Object.entries(rooms).map(([room, points]) => ({ name: GAUGE, labels: { room }, points })));
  gauges.resourceMetrics[0].scopeMetrics[0].metrics.forEach((m) => (m.description = 'Temperature of a room'));
  await postOtlpJson(server, 'metrics', gauges);
  // A cumulative histogram whose 0.7 s observation carries the trace it was made in.
  await postOtlpJson(server, 'metrics', {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [
          {
            scope: { name: 'web-ui-test' },
            metrics: [
              {
                name: HISTOGRAM,
                description: 'Time to answer a request',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      startTimeUnixNano: nanos(now - 900_000),
                      timeUnixNano: nanos(now - 120_000),
                      count: '3',
                      sum: 1.5,
                      bucketCounts: ['1', '2', '0'],
                      explicitBounds: [0.1, 1],
                      exemplars: [{ timeUnixNano: nanos(now - 125_000), asDouble: 0.7, traceId: TRACE_ID, spanId: SPAN_ID }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  // The trace the exemplar points at, so its page has something to show.
  await postOtlpJson(server, 'traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [
          {
            scope: { name: 'web-ui-test' },
            spans: [
              {
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                name: 'POST /checkout',
                kind: 2,
                startTimeUnixNano: nanos(now - 125_700),
                endTimeUnixNano: nanos(now - 125_000),
              },
            ],
          },
        ],
      },
    ],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage({ width = 1280, height = 860, theme = 'light' } = {}) {
  const page = await newPage(browser, { width, height });
  await page.evaluateOnNewDocument((t) => localStorage.setItem('tidemark.theme', t), theme);
  return page;
}

async function api(path, params) {
  const url = new URL(`${server.url}/${path}`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  const r = await fetch(url);
  const body = await r.json();
  assert.equal(body.status, 'success', `${path}: ${JSON.stringify(body)}`);
  return body.data;
}

async function clearEditor(page) {
  await page.click(EDITOR);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
}

// The labels of the completion list's options, once one of them is `expected`.
async function waitForOption(page, expected) {
  let seen = [];
  try {
    return await waitFor(`the completion "${expected}"`, async () => {
      seen = await page.$$eval('[role=listbox] [role=option] .completion-label', (els) => els.map((e) => e.textContent));
      return seen.includes(expected) ? seen : null;
    });
  } catch (e) {
    const text = await page.$eval(EDITOR, (el) => `${JSON.stringify(el.value)} (cursor ${el.selectionStart})`);
    throw new Error(`${e.message}; the editor holds ${text}, the options were ${JSON.stringify(seen)}`);
  }
}

async function graphData(page, what = 'the graph') {
  return waitFor(what, () =>
    page.evaluate(() => {
      const el = document.querySelector('[data-testid=graph]');
      return el && el.tidemarkGraph ? JSON.parse(JSON.stringify(el.tidemarkGraph)) : null;
    }),
  );
}

const params = (page) => new URL(page.url()).searchParams;

// Every series the API answers is drawn with exactly its samples, and nothing else is drawn.
async function assertGraphMatchesApi(drawn) {
  const { query, start, end, step } = drawn.query;
  const answer = await api('api/v1/query_range', { query, start, end, step });
  assert.equal(answer.resultType, 'matrix');
  assert.equal(drawn.series.length, answer.result.length, 'as many series drawn as answered');
  for (const s of answer.result) {
    const d = drawn.series.find((x) => JSON.stringify(sorted(x.labels)) === JSON.stringify(sorted(s.metric)));
    assert.ok(d, `series ${JSON.stringify(s.metric)} is drawn`);
    assert.deepEqual(
      d.points,
      s.values.map(([t, v]) => [t, Number(v)]),
      `the points of ${JSON.stringify(s.metric)}`,
    );
  }
  return answer;
}

function sorted(labels) {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

// How many canvas pixels have (nearly) the colour of the legend's marker for series `i`.
async function pixelsOfSeries(page, i) {
  return page.evaluate((i) => {
    const marker = document.querySelectorAll('[data-testid=graph] .u-legend .u-series')[i]?.querySelector('.u-marker');
    const canvas = document.querySelector('[data-testid=graph] canvas');
    if (!marker || !canvas) return -1;
    const rgb = getComputedStyle(marker).borderColor.match(/\d+/g).slice(0, 3).map(Number);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] > 200 && Math.abs(data[p] - rgb[0]) + Math.abs(data[p + 1] - rgb[1]) + Math.abs(data[p + 2] - rgb[2]) < 40) n++;
    }
    return n;
  }, i);
}

test('a query typed with completion runs as a table and a graph that match the API', async () => {
  const page = await openPage();
  await page.goto(`${server.ui}/query`, { waitUntil: 'networkidle0' });
  await page.click(EDITOR);
  await page.keyboard.type('webui_room_te');
  const offered = await waitForOption(page, GAUGE);
  assert.ok(!offered.includes(BUCKETS), 'only names matching the prefix are offered');
  // The metric's metadata is the option's detail.
  const detail = await page.$eval('[role=listbox] [role=option] .completion-detail', (e) => e.textContent);
  assert.match(detail, /gauge · Temperature of a room/);
  await page.keyboard.press('Enter'); // accepts the completion
  await waitFor('the completed name', async () => (await page.$eval(EDITOR, (e) => e.value)) === GAUGE);
  // The editor puts the cursor after the completion in the next animation frame: let it, so
  // what is typed next goes after it (a user does not type within 16 ms either).
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

  // Label names inside braces, then the label's values.
  await page.keyboard.type('{');
  await waitForOption(page, 'room');
  await page.keyboard.type('room="');
  const values = await waitForOption(page, 'kitchen');
  assert.ok(values.includes('cellar'));
  await page.keyboard.type('k');
  await waitFor('only kitchen offered', async () => {
    const labels = await page.$$eval('[role=listbox] [role=option] .completion-label', (els) => els.map((e) => e.textContent));
    return labels.length === 1 && labels[0] === 'kitchen';
  });
  await page.keyboard.press('Escape');
  // Functions with their signature; label names in a grouping, of the metric it aggregates.
  await clearEditor(page);
  await page.keyboard.type('histogram_q');
  await waitForOption(page, 'histogram_quantile');
  const fn = await page.$eval('[role=listbox] [role=option] .completion-detail', (e) => e.textContent);
  assert.equal(fn, 'histogram_quantile(φ scalar, instant-vector)');
  await page.keyboard.press('Escape');
  await clearEditor(page);
  await page.keyboard.type(`sum(${GAUGE}) by (`);
  const grouping = await waitForOption(page, 'room');
  assert.ok(!grouping.includes('le'), `only ${GAUGE}'s labels: ${grouping}`);
  await page.keyboard.press('Escape');
  await clearEditor(page);
  await page.keyboard.type(GAUGE);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter'); // runs it

  // The table: both rooms with their latest values (the instant query's lookback reaches them).
  await page.waitForSelector('[data-testid=result-table] tbody tr');
  const rows = await waitFor('two table rows', async () => {
    const r = await page.$$eval('[data-testid=result-table] tbody tr', (trs) => trs.map((tr) => tr.textContent));
    return r.length === 2 ? r : null;
  });
  for (const [room, points] of Object.entries(rooms)) {
    const row = rows.find((r) => r.includes(`room="${room}"`));
    assert.ok(row, `a row for ${room}: ${rows}`);
    const last = points[points.length - 1][1];
    assert.ok(row.includes(String(last)), `${room}'s value ${last} in "${row}"`);
  }
  assert.equal(params(page).get('g0.expr'), GAUGE);
  assert.equal(params(page).get('g0.tab'), 'table');
  await screenshot(page, 'query-table');

  // The graph: the drawn points are the API's for the same query, start, end and step.
  await page.click('[data-testid=tab-graph]');
  const drawn = await graphData(page);
  assert.equal(drawn.query.query, GAUGE);
  assert.equal(drawn.query.end - drawn.query.start, 3600, 'the default range is an hour');
  assert.equal(drawn.query.step, 14, 'the automatic step is range/250');
  const answer = await assertGraphMatchesApi(drawn);
  assert.equal(answer.result.length, 2);
  assert.ok(answer.result.every((s) => s.values.length > 40), 'the lines span more than the raw samples');
  assert.ok((await pixelsOfSeries(page, 1)) > 50, 'the first series is drawn on the canvas');
  assert.equal(params(page).get('g0.tab'), 'graph');
  assert.equal(await page.$eval('[data-testid=tab-graph]', (e) => e.getAttribute('aria-selected')), 'true');
  await screenshot(page, 'query-graph');

  // Hovering the plot shows the values under the cursor in the legend: the last drawn points.
  const over = await page.$eval('[data-testid=graph] .u-over', (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.right - 2, y: r.top + r.height / 2 };
  });
  await page.mouse.move(over.x, over.y);
  const hovered = await waitFor('hover values in the legend', async () => {
    const v = await page.$$eval('[data-testid=graph] .u-legend .u-series .u-value', (els) => els.map((e) => e.textContent));
    return v.slice(1).every((x) => /\d/.test(x)) ? v.slice(1) : null;
  });
  drawn.series.forEach((s, i) => {
    const last = s.points[s.points.length - 1][1];
    assert.equal(hovered[i], String(Number(last.toPrecision(6))), `the legend's value of ${s.labels.room}`);
  });
  await page.mouse.move(1, 1);

  // The legend hides a series on click and shows it again, with the mouse or the keyboard.
  const legendRow = '[data-testid=graph] .u-legend .u-series:nth-child(2)';
  await page.click(`${legendRow} th`);
  await waitFor('the series hidden', () => page.$eval(legendRow, (e) => e.classList.contains('u-off')));
  assert.equal(await page.$eval(`${legendRow} th`, (e) => e.getAttribute('aria-pressed')), 'false');
  assert.ok((await pixelsOfSeries(page, 1)) < 5, 'a hidden series is not drawn');
  await page.focus(`${legendRow} th`);
  await page.keyboard.press('Enter');
  await waitFor('the series shown', () => page.$eval(legendRow, (e) => !e.classList.contains('u-off')));
  assert.ok((await pixelsOfSeries(page, 1)) > 50, 'the series is drawn again');

  // Stacked: the second series is drawn on top of the first.
  await page.click('xpath/.//label[contains(., "Stacked")]/input');
  await waitFor('g0.stacked=1', () => params(page).get('g0.stacked') === '1');
  const st = await waitFor('the stacked graph drawn', async () => {
    const g = await graphData(page);
    return g.query.stacked ? g : null;
  });
  assert.equal(st.series.length, 2);
  const [a, b] = st.series;
  assert.deepEqual(a.stackedPoints, a.points, 'the first series is drawn as it is');
  const below = new Map(a.points);
  let onTop = 0;
  for (const [t, v] of b.stackedPoints) {
    const own = b.points.find((p) => p[0] === t)[1];
    assert.equal(v, own + (below.get(t) ?? 0), `stacked value at ${t}`);
    if (below.has(t)) onTop++;
  }
  assert.ok(onTop > 40, 'the series overlap where they are stacked');
  // Hiding the lower series restacks the upper one (no errors; the pixels move).
  await page.click(`${legendRow} th`);
  await waitFor('the lower series hidden', () => page.$eval(legendRow, (e) => e.classList.contains('u-off')));
  await page.click(`${legendRow} th`);
  await waitFor('the lower series back', () => page.$eval(legendRow, (e) => !e.classList.contains('u-off')));
  await screenshot(page, 'query-graph-stacked');

  // A reload shows the same view: the graph tab, stacked, the same expression, range and step.
  const before = new URL(page.url()).search;
  await page.reload({ waitUntil: 'networkidle0' });
  assert.equal(new URL(page.url()).search, before);
  const reloaded = await graphData(page, 'the graph after a reload');
  assert.equal(reloaded.query.query, GAUGE);
  assert.equal(reloaded.query.stacked, true);
  assert.equal(reloaded.query.end - reloaded.query.start, 3600);
  assert.equal(reloaded.query.step, 14);
  assert.equal(await page.$eval(EDITOR, (e) => e.value), GAUGE);
  assert.equal(await page.$eval('xpath/.//label[contains(., "Stacked")]/input', (e) => e.checked), true);
  await assertGraphMatchesApi(reloaded);

  // A narrower range from its − button, and a fixed end time: both in the URL, both drawn.
  await page.click('[aria-label="Shorter range"]');
  await waitFor('range 30m', () => params(page).get('g0.range_input') === '30m');
  await page.click('xpath/.//label[contains(., "Stacked")]/input');
  await page.click('[aria-label="Earlier"]');
  await waitFor('an end time', () => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(params(page).get('g0.end_input') ?? ''));
  const endInput = params(page).get('g0.end_input');
  const endMs = Date.parse(endInput.replace(' ', 'T') + 'Z'); // end_input is UTC
  assert.ok(Math.abs(endMs - (Date.now() - 15 * 60_000)) < 60_000, `"Earlier" moves the end back by half the range: ${endInput}`);
  const shifted = await waitFor('the 30m graph ending at end_input', async () => {
    const g = await graphData(page);
    return g.query.end - g.query.start === 1800 && !g.query.stacked && g.query.end * 1000 === endMs ? g : null;
  });
  assert.equal(shifted.query.step, 7);
  await assertGraphMatchesApi(shifted);
  assertNoProblems(page);

  // Dark theme: the graph is drawn again in the theme's colours.
  await page.click('.theme-toggle');
  await waitFor('the dark theme', () => page.evaluate(() => document.documentElement.dataset.theme === 'dark'));
  await assertGraphMatchesApi(await graphData(page));
  assert.ok((await pixelsOfSeries(page, 1)) > 20, 'the series is drawn after the theme changed');
  await screenshot(page, 'query-graph-dark');
  assertNoProblems(page);
  await page.close();
});

test('a syntax error is marked where the server says it is', async () => {
  const page = await openPage();
  await page.goto(`${server.ui}/query`, { waitUntil: 'networkidle0' });
  await page.click(EDITOR);
  const bad = `sum by (room) (rate(${GAUGE}[5m])`; // the sum's parenthesis is not closed
  await page.keyboard.type(bad);
  await page.keyboard.press('Escape');
  // The live check (api/v1/parse_query after typing stops) marks the unclosed parenthesis.
  const message = await waitFor('the error message', () => page.$eval('.editor-error', (e) => e.textContent).catch(() => null));
  assert.match(message, /^1:\d+: /);
  const marked = await page.$$eval('.editor .tok-error', (els) => els.map((e) => e.textContent));
  assert.ok(marked.length > 0, 'a part of the text is marked');
  assert.equal(await page.$eval(EDITOR, (e) => e.getAttribute('aria-invalid')), 'true');
  // The server's column is where the mark starts.
  const api400 = await fetch(`${server.url}/api/v1/parse_query?query=${encodeURIComponent(bad)}`).then((r) => r.json());
  const col = Number(/1:(\d+):/.exec(api400.error)[1]);
  const markedAt = await page.evaluate(() => {
    const pre = document.querySelector('.editor-highlight');
    const err = pre.querySelector('.tok-error');
    const range = document.createRange();
    range.setStart(pre, 0);
    range.setEndBefore(err);
    return range.toString().length;
  });
  assert.equal(markedAt, Math.min(col - 1, bad.length), `the mark starts at column ${col}`);
  await screenshot(page, 'query-syntax-error');
  // Running it shows the server's error too, and the mark stays.
  await page.keyboard.press('Enter');
  await waitFor('the run error', () => page.$eval('.editor-error', (e) => e.textContent).catch(() => null));
  // Fixing it clears the mark.
  await page.keyboard.type(')');
  // The default bound: under the whole suite on two cores, the debounced check's answer took
  // more than 5 s once.
  await waitFor('the mark cleared', async () => (await page.$('.editor .tok-error')) === null);
  await waitFor('still no mark after the check', async () => {
    await new Promise((r) => setTimeout(r, 700));
    return (await page.$('.editor .tok-error')) === null;
  });
  // Both 400s are the server's answer to the deliberate error, nothing else.
  assertNoProblems(page, [/HTTP 400: .*\/api\/v1\/(parse_query|query)\?/, /status of 400 \(Bad Request\)/]);
  await page.close();
});

test('an exemplar is drawn on the graph and opens its trace', async () => {
  const page = await openPage();
  await page.goto(`${server.ui}/query`, { waitUntil: 'networkidle0' });
  await page.click(EDITOR);
  await page.keyboard.type(BUCKETS);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  await page.click('[data-testid=tab-graph]');
  await graphData(page);
  await page.click('xpath/.//label[contains(., "Exemplars")]/input');
  await waitFor('g0.show_exemplars=1', () => params(page).get('g0.show_exemplars') === '1');
  const drawn = await waitFor('an exemplar drawn', async () => {
    const g = await graphData(page);
    return g.exemplars.length ? g : null;
  });
  await assertGraphMatchesApi(drawn);
  const stored = await api('api/v1/query_exemplars', { query: BUCKETS, start: drawn.query.start, end: drawn.query.end });
  assert.equal(stored.flatMap((s) => s.exemplars).length, drawn.exemplars.length, 'every stored exemplar is drawn');
  const ex = drawn.exemplars[0];
  assert.equal(ex.traceId, TRACE_ID);
  const attr = JSON.parse(await page.$eval('[data-testid=graph]', (e) => e.dataset.exemplars));
  assert.deepEqual(attr, drawn.exemplars);
  // Hovering shows its labels; a click opens the trace.
  const box = await page.$eval('[data-testid=graph]', (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left, y: r.top };
  });
  await page.mouse.move(box.x + ex.x, box.y + ex.y);
  const tip = await waitFor('the exemplar tooltip', () => page.$eval('.exemplar-tip', (e) => e.textContent).catch(() => null));
  assert.ok(tip.includes(TRACE_ID) && tip.includes('0.7'), tip);
  await screenshot(page, 'query-exemplars');
  assertNoProblems(page);
  await page.mouse.click(box.x + ex.x, box.y + ex.y);
  await waitFor('the trace page', () => new URL(page.url()).pathname === `/trace/${TRACE_ID}`);
  await page.waitForNetworkIdle({ idleTime: 300 });
  assertNoProblems(page);
  await page.close();
});

test('panels are added and removed, each with its own state in the URL', async () => {
  const page = await openPage();
  const q = new URLSearchParams({ 'g0.expr': GAUGE, 'g0.tab': 'table' });
  await page.goto(`${server.ui}/query?${q}`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('[data-testid=result-table]');
  await page.click('xpath/.//button[normalize-space(.)="Add panel"]');
  await waitFor('two panels', async () => (await page.$$('[data-testid=panel]')).length === 2);
  const second = (await page.$$(EDITOR))[1];
  await second.click();
  await page.keyboard.type(`scalar(count(${GAUGE}))`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  await waitFor('g1.expr', () => params(page).get('g1.expr') === `scalar(count(${GAUGE}))`);
  const scalar = await waitFor('the scalar', async () => {
    const tables = await page.$$('[data-testid=result-table]');
    if (tables.length !== 2) return null;
    return tables[1].$$eval('th, td', (els) => els.map((e) => e.textContent));
  });
  assert.equal(scalar[0], 'scalar');
  assert.equal(scalar[3], '2', `two rooms: ${scalar}`);
  assert.equal(params(page).get('g0.expr'), GAUGE);
  // Removing the first panel leaves the second, now g0, with its text and answer.
  await page.click('[aria-label="Remove panel 1"]');
  await waitFor('one panel', async () => (await page.$$('[data-testid=panel]')).length === 1);
  assert.equal(params(page).get('g0.expr'), `scalar(count(${GAUGE}))`);
  assert.equal(params(page).get('g1.expr'), null);
  assert.equal(await page.$eval(EDITOR, (e) => e.value), `scalar(count(${GAUGE}))`);
  assert.equal(await page.$eval('[data-testid=result-table] td:last-child', (e) => e.textContent), '2');
  assertNoProblems(page);
  await page.close();
});

test('the query page at a phone width', async () => {
  const page = await openPage({ width: 390, height: 844 });
  const q = new URLSearchParams({ 'g0.expr': GAUGE, 'g0.tab': 'graph', 'g0.range_input': '1h' });
  await page.goto(`${server.ui}/query?${q}`, { waitUntil: 'networkidle0' });
  const drawn = await graphData(page);
  await assertGraphMatchesApi(drawn);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  const graphWidth = await page.$eval('[data-testid=graph] canvas', (c) => c.getBoundingClientRect().width);
  assert.ok(graphWidth <= 390 && graphWidth > 250, `the graph fits the screen (${graphWidth}px)`);
  await screenshot(page, 'query-phone');
  assertNoProblems(page);
  await page.close();
});

test('the metrics explorer lists names with type, unit and help, and opens one in the query page', async () => {
  const page = await openPage();
  await page.goto(`${server.ui}/explore`, { waitUntil: 'networkidle0' });
  const row = (name) => `[data-testid=metric-row][data-metric="${name}"]`;
  await page.waitForSelector(row(GAUGE));
  const gauge = await page.$eval(row(GAUGE), (e) => [...e.children].map((td) => td.textContent));
  assert.deepEqual(gauge.slice(0, 4), [GAUGE, 'gauge', '', 'Temperature of a room']);
  assert.equal(gauge[4], '2', 'two series (status/tsdb)');
  const buckets = await page.$eval(row(BUCKETS), (e) => [...e.children].map((td) => td.textContent));
  assert.deepEqual(buckets.slice(0, 4), [BUCKETS, 'histogram', 's', 'Time to answer a request']);
  assert.equal(buckets[4], '3', 'one series per bucket');
  const labels = await page.$$eval('[data-testid=label-cardinality] tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(labels.some((l) => l.startsWith('room2')), `room has two values: ${labels}`);
  await screenshot(page, 'explore');

  // The filter is in the URL, by substring or regular expression.
  await page.type('[data-testid=explore-filter]', 'temperature');
  await waitFor('the filter in the URL', () => params(page).get('filter') === 'temperature');
  await waitFor('one metric left', async () => (await page.$$('[data-testid=metric-row]')).length === 1);
  await page.click('xpath/.//label[contains(., "Regex")]/input');
  await clearFilter(page);
  await page.type('[data-testid=explore-filter]', '^webui_.*_(count|sum)$');
  await waitFor('two metrics by regex', async () => {
    const names = await page.$$eval('[data-testid=metric-row]', (rs) => rs.map((r) => r.dataset.metric));
    return names.length === 2 && names.every((n) => /_(count|sum)$/.test(n));
  });
  await page.reload({ waitUntil: 'networkidle0' });
  assert.equal(await page.$eval('[data-testid=explore-filter]', (e) => e.value), '^webui_.*_(count|sum)$');
  await clearFilter(page);
  await page.type('[data-testid=explore-filter]', 'temp');
  await waitFor('one metric left', async () => (await page.$$('[data-testid=metric-row]')).length === 1);

  await page.click('.theme-toggle');
  await screenshot(page, 'explore-dark');
  await page.click('.theme-toggle');

  // A metric's name opens it in the query page's graph.
  await page.click(`${row(GAUGE)} a`);
  await waitFor('the query page', () => new URL(page.url()).pathname === '/query');
  assert.equal(params(page).get('g0.expr'), GAUGE);
  const drawn = await graphData(page);
  await assertGraphMatchesApi(drawn);
  assertNoProblems(page);
  await page.close();

  const phone = await openPage({ width: 390, height: 844 });
  await phone.goto(`${server.ui}/explore`, { waitUntil: 'networkidle0' });
  await phone.waitForSelector(row(GAUGE));
  await screenshot(phone, 'explore-phone');
  assertNoProblems(phone);
  await phone.close();
});

async function clearFilter(page) {
  await page.click('[data-testid=explore-filter]', { clickCount: 3 });
  await page.keyboard.press('Backspace');
}
