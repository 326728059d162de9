// A development server for the web UI: serves web/dist (node build.mjs --out /dev/null --dist dist)
// and passes every other request to a running tidemark, so pages can be tried without rebuilding
// the binary. Not used by the build or the tests.
//   node dev.mjs [--port 8080] [--tidemark http://127.0.0.1:9090]
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const port = Number(arg('--port', '8080'));
const upstream = new URL(arg('--tidemark', 'http://127.0.0.1:9090'));
const dist = path.join(here, 'dist');
const pages = /^\/(|query|graph|explore|traces|trace\/.*|alerts|rules|targets|status)$/;

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/assets/') && existsSync(path.join(dist, url.pathname))) {
      const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css';
      res.writeHead(200, { 'Content-Type': type });
      res.end(readFileSync(path.join(dist, url.pathname)));
      return;
    }
    if (pages.test(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(readFileSync(path.join(dist, 'index.html'), 'utf8').replace('__TIDEMARK_BASE__', '/'));
      return;
    }
    const proxied = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    proxied.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(proxied);
  })
  .listen(port, '127.0.0.1', () => console.log(`web UI dev server on http://127.0.0.1:${port}/, API at ${upstream}`));
