#!/usr/bin/env bash
# Installs the real clients the integration tests drive: the OpenTelemetry JS SDK exporters (npm,
# versions pinned in tests/clients/package.json) into tests/clients/node_modules, Prometheus
# (Debian) for the remote_write test, scraping differential and as a scrape target, Alertmanager
# (Debian) for alert delivery, the scrape targets node_exporter and python3-prometheus-client
# (Debian), VictoriaMetrics (Debian) for the comparison's smoke test, and chromium (Debian) for the
# web UI's tests (driven by puppeteer-core from tests/clients). Idempotent; fast when
# everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing+=(python3-prometheus-client)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-clients: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
stamp=tests/clients/node_modules/.installed
if [ ! -f "$stamp" ] || [ tests/clients/package.json -nt "$stamp" ]; then
  (cd tests/clients && npm install --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
