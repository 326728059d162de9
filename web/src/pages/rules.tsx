// Rule groups: each group's file, interval, last evaluation and its duration, and each rule's
// health and last error (/api/v1/rules).
import type { JSX } from 'preact';
import { promData } from '../api';
import { Collapsible, ErrorBox, LabelBadges, Loading, Page, StateBadge, useFetch } from '../components';
import { formatAgo, formatDurationMs, formatPromDuration, formatTime } from '../format';
import type { RuleGroup } from './rules_model';

function evaluated(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) || ms <= 0 ? 'never' : formatAgo(ms);
}

export function RulesPage(): JSX.Element {
  const rules = useFetch((signal) => promData<{ groups: RuleGroup[] }>('api/v1/rules', undefined, signal), [], 15000);
  const groups = rules.data?.groups ?? [];
  return (
    <Page title="Rules">
      <ErrorBox error={rules.error} />
      <Loading when={rules.loading && !rules.data} />
      {rules.data && groups.length === 0 && (
        <p class="muted">No rule groups. List rule files under rule_files in the configuration (docs/alerting.md).</p>
      )}
      {groups.map((group) => {
        const failing = group.rules.filter((r) => r.health === 'err').length;
        return (
          <Collapsible
            key={`${group.file}/${group.name}`}
            testId="rule-group"
            title={
              <>
                <strong>{group.name}</strong>
                <span class="muted">{group.file}</span>
                <span class="muted">every {formatPromDuration(group.interval)}</span>
                <span class="muted" title={formatTime(Date.parse(group.lastEvaluation))}>
                  evaluated {evaluated(group.lastEvaluation)} in {formatDurationMs(group.evaluationTime * 1000)}
                </span>
                {failing > 0 && <StateBadge state="err" />}
              </>
            }
          >
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Rule</th>
                    <th>Health</th>
                    <th>Last evaluation</th>
                    <th>Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {group.rules.map((rule) => (
                    <tr key={rule.name} data-testid="rule" data-health={rule.health}>
                      <td>
                        <div class="mono">
                          <span class="muted">{rule.type === 'alerting' ? 'alert: ' : 'record: '}</span>
                          <strong>{rule.name}</strong>
                        </div>
                        <div class="mono">expr: {rule.query}</div>
                        {rule.labels && Object.keys(rule.labels).length > 0 && <LabelBadges labels={rule.labels} />}
                        {rule.lastError && <div class="state-err">{rule.lastError}</div>}
                      </td>
                      <td>
                        <StateBadge state={rule.health} />
                      </td>
                      <td>{evaluated(rule.lastEvaluation)}</td>
                      <td>{formatDurationMs(rule.evaluationTime * 1000)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Collapsible>
        );
      })}
    </Page>
  );
}
