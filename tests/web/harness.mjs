// What the web UI's tests share: a tidemark server started on free loopback ports with a data
// directory of its own (stopped by PID, always), data sent to it the way real clients send it,
// Debian's chromium driven by puppeteer-core (tests/clients, scripts/install-test-clients.sh),
// pages watched for console errors and failed requests, screenshots, and bounded waits.
//
// Environment: TIDEMARK_BINARY (the server, set by CTest), TIDEMARK_SCREENSHOTS (where pages'
// screenshots go; default: a directory under the system's temp dir), CHROMIUM (default
// /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const clientsDir = path.resolve(here, '../clients');
const require = createRequire(path.join(clientsDir, 'package.json'));
export const puppeteer = require('puppeteer-core');

export const screenshotDir =
  process.env.TIDEMARK_SCREENSHOTS ?? path.join(os.tmpdir(), 'tidemark-web-screenshots');

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `probe` until it returns a truthy value, at most `timeoutMs`; throws naming `what`.
export async function waitFor(what, probe, timeoutMs = 15000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(everyMs);
  }
}

// A free TCP port on 127.0.0.1 (the kernel's choice; released before the server binds it).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts `tidemark serve` with `config` (YAML text, without the addresses) and `extraArgs`.
// Returns { url, ui (where the pages are), apiPort, otlpHttpPort, otlpGrpcPort, dir, log(), stop() }.
export async function startTidemark({ config = '', extraArgs = [], files = {}, prefix = '' } = {}) {
  const binary = process.env.TIDEMARK_BINARY;
  if (!binary) throw new Error('TIDEMARK_BINARY is not set (CTest sets it to the built server)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidemark-web-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, 'config.yaml'), config);
  const [apiPort, otlpHttpPort, otlpGrpcPort] = [await freePort(), await freePort(), await freePort()];
  const logPath = path.join(dir, 'server.log');
  const out = [];
  const child = spawn(
    binary,
    [
      'serve',
      '--config', path.join(dir, 'config.yaml'),
      '--data-dir', path.join(dir, 'data'),
      '--http-addr', `127.0.0.1:${apiPort}`,
      '--otlp-http-addr', `127.0.0.1:${otlpHttpPort}`,
      '--otlp-grpc-addr', `127.0.0.1:${otlpGrpcPort}`,
      ...extraArgs,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => out.push(d));
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const log = () => Buffer.concat(out).toString();
  const url = `http://127.0.0.1:${apiPort}${prefix}`;
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const deadline = Date.now() + 15000;
      while (exited === null && Date.now() < deadline) await sleep(50);
      if (exited === null) child.kill('SIGKILL');
    }
    writeFileSync(logPath, log());
    if (!process.env.TIDEMARK_KEEP_DATA) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', () => {
    if (exited === null) child.kill('SIGKILL');
  });
  try {
    await waitFor('tidemark to be ready', async () => {
      if (exited !== null) throw new Error(`tidemark exited (${JSON.stringify(exited)}): ${log()}`);
      const r = await fetch(`${url}/-/ready`);
      return r.ok;
    }, 30000);
  } catch (e) {
    await stop();
    throw e;
  }
  // TIDEMARK_WEB_DEV=1: the pages come from web/dist through web/dev.mjs in front of the server
  // (UI development without relinking the binary); otherwise from the binary itself.
  let ui = url;
  let stopDev = async () => {};
  if (process.env.TIDEMARK_WEB_DEV) {
    const devPort = await freePort();
    const dev = spawn(process.execPath, [path.resolve(here, '../../web/dev.mjs'), '--port', String(devPort), '--tidemark', url], {
      stdio: 'ignore',
    });
    process.on('exit', () => dev.kill('SIGKILL'));
    ui = `http://127.0.0.1:${devPort}`;
    await waitFor('the web UI dev server', async () => (await fetch(`${ui}/-/ready`)).ok, 10000);
    stopDev = async () => dev.kill('SIGTERM');
  }
  const stopAll = async () => {
    await stopDev();
    await stop();
  };
  return { url, ui, apiPort, otlpHttpPort, otlpGrpcPort, dir, log, stop: stopAll, pid: child.pid };
}

// Sends OTLP/HTTP JSON to the server's OTLP port (`signal`: "metrics" or "traces").
export async function postOtlpJson(server, signal, body) {
  const r = await fetch(`http://127.0.0.1:${server.otlpHttpPort}/v1/${signal}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`OTLP ${signal}: ${r.status} ${await r.text()}`);
}

// Gauges as OTLP/HTTP JSON: `series` is [{ name, labels: {k: v}, points: [[ms, value], ...] }].
export function otlpGauges(series, service = 'web-ui-test') {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [
          {
            scope: { name: 'web-ui-test' },
            metrics: series.map((s) => ({
              name: s.name,
              gauge: {
                dataPoints: s.points.map(([ms, value]) => ({
                  timeUnixNano: String(BigInt(ms) * 1000000n),
                  asDouble: value,
                  attributes: Object.entries(s.labels ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
                })),
              },
            })),
          },
        ],
      },
    ],
  };
}

// Runs one of tests/clients' Node programs (the OpenTelemetry JS SDK's exporters) to its end.
export function runClient(script, args) {
  const r = spawnSync(process.execPath, [path.join(clientsDir, script), ...args.map(String)], {
    cwd: clientsDir,
    encoding: 'utf8',
    timeout: 60000,
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// Debian's chromium, headless.
export async function launchBrowser() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
    protocolTimeout: 60000,
  });
}

// A new tab that records console errors, uncaught exceptions and failed requests in
// `page.problems` (assertNoProblems checks it).
export async function newPage(browser, { width = 1280, height = 860 } = {}) {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  page.setDefaultTimeout(15000);
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (!why.includes('ERR_ABORTED')) page.problems.push(`request failed: ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return page;
}

export function assertNoProblems(page, allowed = []) {
  const left = page.problems.filter((p) => !allowed.some((re) => re.test(p)));
  if (left.length) throw new Error(`the page had problems:\n  ${left.join('\n  ')}`);
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// The text of every element matching `selector`.
export async function texts(page, selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));
}
