// Scrape targets by pool: health, last error, last scrape and its duration, labels
// (/api/v1/targets); a filter for unhealthy targets and by text.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { promData } from '../api';
import { Collapsible, ErrorBox, LabelBadges, Loading, Page, StateBadge, useFetch } from '../components';
import { formatAgo, formatDurationMs, formatTime } from '../format';

interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number; // seconds
  health: string; // up, down, unknown
  scrapeInterval: string;
  scrapeTimeout: string;
}

interface Targets {
  activeTargets: Target[];
  droppedTargetCounts?: Record<string, number>;
}

function Pool(props: { name: string; targets: Target[]; dropped: number }): JSX.Element {
  const up = props.targets.filter((t) => t.health === 'up').length;
  return (
    <Collapsible
      testId="scrape-pool"
      title={
        <>
          <strong>{props.name}</strong>
          <span class={up === props.targets.length ? 'state-up' : 'state-down'}>
            ({up}/{props.targets.length} up)
          </span>
          {props.dropped > 0 && <span class="muted">{props.dropped} dropped by relabelling</span>}
        </>
      }
    >
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>State</th>
              <th>Labels</th>
              <th>Last scrape</th>
              <th>Duration</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {props.targets.map((t) => {
              const last = Date.parse(t.lastScrape);
              return (
                <tr key={t.scrapeUrl} data-testid="target" data-health={t.health} data-url={t.scrapeUrl}>
                  <td class="mono">
                    <a href={t.globalUrl || t.scrapeUrl} rel="noreferrer">
                      {t.scrapeUrl}
                    </a>
                  </td>
                  <td>
                    <StateBadge state={t.health} />
                  </td>
                  <td>
                    <LabelBadges labels={t.labels} />
                  </td>
                  <td title={last > 0 ? formatTime(last) : ''}>{formatAgo(last)}</td>
                  <td>{t.lastScrapeDuration > 0 ? formatDurationMs(t.lastScrapeDuration * 1000) : ''}</td>
                  <td class="state-err">{t.lastError}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Collapsible>
  );
}

export function TargetsPage(): JSX.Element {
  const targets = useFetch((signal) => promData<Targets>('api/v1/targets', { state: 'active' }, signal), [], 10000);
  const [unhealthyOnly, setUnhealthyOnly] = useState(false);
  const [filter, setFilter] = useState('');
  const needle = filter.toLowerCase();
  const pools = new Map<string, Target[]>();
  for (const t of targets.data?.activeTargets ?? []) {
    if (unhealthyOnly && t.health === 'up') continue;
    if (needle && !t.scrapeUrl.toLowerCase().includes(needle) && !Object.values(t.labels).some((v) => v.toLowerCase().includes(needle)))
      continue;
    if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
    pools.get(t.scrapePool)!.push(t);
  }
  return (
    <Page
      title="Targets"
      actions={
        <>
          <label class="check">
            <input type="checkbox" checked={unhealthyOnly} onChange={() => setUnhealthyOnly(!unhealthyOnly)} /> Unhealthy only
          </label>
          <input
            type="search"
            placeholder="Filter by endpoint or label"
            aria-label="Filter targets"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </>
      }
    >
      <ErrorBox error={targets.error} />
      <Loading when={targets.loading && !targets.data} />
      {targets.data && targets.data.activeTargets.length === 0 && (
        <p class="muted">No scrape targets. Add scrape_configs to the configuration (docs/scraping.md).</p>
      )}
      {[...pools.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, list]) => (
          <Pool key={name} name={name} targets={list} dropped={targets.data?.droppedTargetCounts?.[name] ?? 0} />
        ))}
    </Page>
  );
}
