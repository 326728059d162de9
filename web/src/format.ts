// How numbers, times and durations are shown.

// A sample value as Prometheus' UI shows it: up to 6 significant digits, SI-free.
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v !== 0 && (Math.abs(v) >= 1e15 || Math.abs(v) < 1e-6)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

// A short value for axes: 1.5k, 2M, 300m.
export function formatShort(v: number): string {
  const a = Math.abs(v);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (a >= scale) return Number((v / scale).toPrecision(3)) + unit;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

// A duration in milliseconds: "350µs", "12.3ms", "1.52s", "2m 5s", "1h 2m".
export function formatDurationMs(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toPrecision(3))}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s - m * 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m - h * 60}m`;
}

// A time in ms since the epoch, as local date and time to the second ("2026-12-03 13:45:07").
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// How long ago a time was: "12s ago", "3m ago"; "never" for a zero time.
export function formatAgo(ms: number, now = Date.now()): string {
  if (!ms || ms <= 0) return 'never';
  const s = Math.max(0, (now - ms) / 1000);
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.floor(s % 60)}s ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

// A Prometheus duration ("5m", "1h30m", "90s") in seconds, or null when it is not one.
export function parseDuration(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index !== consumed) return null;
    total += parseFloat(m[1]) * units[m[2]];
    consumed = m.index + m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : null;
}

// Seconds as a Prometheus duration: 3600 -> "1h", 90 -> "1m30s".
export function formatPromDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  const parts: [number, string][] = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = seconds;
  let out = '';
  for (const [scale, unit] of parts) {
    const n = Math.floor(rest / scale);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * scale;
    }
  }
  if (rest > 0) out += `${Math.round(rest * 1000)}ms`;
  return out;
}

// A label set as {a="x", b="y"}, __name__ first and outside the braces.
export function formatSeries(labels: Record<string, string>): string {
  const name = labels['__name__'] ?? '';
  const rest = Object.entries(labels)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return rest.length ? `${name}{${rest.join(', ')}}` : name || '{}';
}
