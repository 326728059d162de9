// The shapes of /api/v1/rules (Prometheus' JSON), as the alerts and rules pages read them.

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string; // firing, pending
  activeAt?: string;
  value: string;
}

interface RuleBase {
  name: string;
  query: string;
  labels?: Record<string, string>;
  health: string; // ok, err, unknown
  lastError?: string;
  evaluationTime: number; // seconds
  lastEvaluation: string; // RFC 3339
}

export interface AlertingRule extends RuleBase {
  type: 'alerting';
  state: string; // firing, pending, inactive
  duration: number; // for, seconds
  keepFiringFor?: number;
  annotations?: Record<string, string>;
  alerts: Alert[];
}

export interface RecordingRule extends RuleBase {
  type: 'recording';
}

export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
  name: string;
  file: string;
  interval: number; // seconds
  limit?: number;
  evaluationTime: number;
  lastEvaluation: string;
  rules: Rule[];
}
