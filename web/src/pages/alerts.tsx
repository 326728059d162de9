// Alerts: every alerting rule with its state and the alerts it holds (firing and pending, with
// labels, annotations, value and since when), from /api/v1/rules; filters by state and text.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { promData } from '../api';
import { Collapsible, ErrorBox, LabelBadges, Loading, Page, StateBadge, useFetch } from '../components';
import { formatAgo, formatPromDuration, formatTime, formatValue } from '../format';
import type { RuleGroup, AlertingRule } from './rules_model';

const STATES = ['firing', 'pending', 'inactive'] as const;

function AlertRule(props: { rule: AlertingRule; group: RuleGroup }): JSX.Element {
  const { rule } = props;
  return (
    <Collapsible
      open={rule.state !== 'inactive'}
      testId="alert-rule"
      title={
        <>
          <StateBadge state={rule.state} />
          <strong class="mono">{rule.name}</strong>
          <span class="muted">
            {rule.alerts.length} active · {props.group.file} › {props.group.name}
          </span>
        </>
      }
    >
      <dl class="kv">
        <dt>expr</dt>
        <dd class="mono">{rule.query}</dd>
        {rule.duration > 0 && (
          <>
            <dt>for</dt>
            <dd>{formatPromDuration(rule.duration)}</dd>
          </>
        )}
        {(rule.keepFiringFor ?? 0) > 0 && (
          <>
            <dt>keep_firing_for</dt>
            <dd>{formatPromDuration(rule.keepFiringFor ?? 0)}</dd>
          </>
        )}
        {Object.keys(rule.labels ?? {}).length > 0 && (
          <>
            <dt>labels</dt>
            <dd>
              <LabelBadges labels={rule.labels ?? {}} />
            </dd>
          </>
        )}
        {Object.entries(rule.annotations ?? {}).map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd class="mono">{v}</dd>
          </>
        ))}
        {rule.lastError && (
          <>
            <dt>last error</dt>
            <dd class="state-err">{rule.lastError}</dd>
          </>
        )}
      </dl>
      {rule.alerts.length > 0 && (
        <div class="table-wrap">
          <table data-testid="alert-instances">
            <thead>
              <tr>
                <th>Labels</th>
                <th>State</th>
                <th>Active since</th>
                <th>Value</th>
                <th>Annotations</th>
              </tr>
            </thead>
            <tbody>
              {rule.alerts.map((alert, i) => (
                <tr key={i} data-testid="alert-instance" data-state={alert.state}>
                  <td>
                    <LabelBadges labels={alert.labels} skip={['alertname']} />
                  </td>
                  <td>
                    <StateBadge state={alert.state} />
                  </td>
                  <td title={alert.activeAt ? formatTime(Date.parse(alert.activeAt)) : ''}>
                    {alert.activeAt ? formatAgo(Date.parse(alert.activeAt)) : ''}
                  </td>
                  <td class="mono">{formatValue(Number(alert.value))}</td>
                  <td>
                    {Object.entries(alert.annotations ?? {}).map(([k, v]) => (
                      <div key={k}>
                        <span class="muted">{k}: </span>
                        {v}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Collapsible>
  );
}

export function AlertsPage(): JSX.Element {
  const rules = useFetch((signal) => promData<{ groups: RuleGroup[] }>('api/v1/rules', { type: 'alert' }, signal), [], 15000);
  const [shown, setShown] = useState<Set<string>>(new Set(STATES));
  const [filter, setFilter] = useState('');
  const all: { rule: AlertingRule; group: RuleGroup }[] = [];
  for (const group of rules.data?.groups ?? []) {
    for (const rule of group.rules) if (rule.type === 'alerting') all.push({ rule, group });
  }
  const counts = Object.fromEntries(STATES.map((s) => [s, all.filter((r) => r.rule.state === s).length]));
  const needle = filter.toLowerCase();
  const visible = all.filter(
    ({ rule }) =>
      shown.has(rule.state) &&
      (!needle ||
        rule.name.toLowerCase().includes(needle) ||
        rule.alerts.some((a) => Object.values(a.labels).some((v) => v.toLowerCase().includes(needle)))),
  );
  return (
    <Page
      title="Alerts"
      actions={
        <>
          {STATES.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={shown.has(s)}
                onChange={() => {
                  const next = new Set(shown);
                  if (next.has(s)) next.delete(s);
                  else next.add(s);
                  setShown(next);
                }}
              />{' '}
              <StateBadge state={s} /> {counts[s]}
            </label>
          ))}
          <input
            type="search"
            placeholder="Filter by name or label"
            aria-label="Filter alerts"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </>
      }
    >
      <ErrorBox error={rules.error} />
      <Loading when={rules.loading && !rules.data} />
      {rules.data && all.length === 0 && (
        <p class="muted">No alerting rules. List rule files under rule_files in the configuration (docs/alerting.md).</p>
      )}
      {visible.map(({ rule, group }) => (
        <AlertRule key={`${group.file}/${group.name}/${rule.name}`} rule={rule} group={group} />
      ))}
    </Page>
  );
}
