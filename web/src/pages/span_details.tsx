// The details of one span: what it is (name, service, kind, status, timing, ids), its GenAI usage,
// recorded exceptions with their stack traces, its attributes grouped as OpenTelemetry groups
// them (resource, instrumentation scope, span), its events and its links to other traces.
import type { JSX } from 'preact';
import { Collapsible } from '../components';
import { formatDurationMs, formatTime } from '../format';
import { Link } from '../router';
import type { Attr, SpanModel, TraceModel } from './trace_model';
import { attrOf, formatAttrValue, serviceColor } from './trace_model';
import { formatCost } from './waterfall';

function AttrTable(props: { attrs: Attr[]; empty?: string }): JSX.Element {
  if (!props.attrs.length) return <p class="muted">{props.empty ?? 'None.'}</p>;
  const sorted = props.attrs.slice().sort((a, b) => a.key.localeCompare(b.key));
  return (
    <table class="attr-table">
      <tbody>
        {sorted.map((a, i) => (
          <tr key={a.key + i}>
            <th scope="row" class="mono">
              {a.key}
            </th>
            <td class={'mono attr-' + (a.value === null ? 'null' : typeof a.value)}>{formatAttrValue(a.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// A recorded exception (the semantic conventions' event "exception"): type, message, stack trace.
function ExceptionBlock(props: { attrs: Attr[]; offsetMs: number }): JSX.Element {
  const get = (k: string) => {
    const v = attrOf(props.attrs, k);
    return v === undefined || v === null ? '' : formatAttrValue(v);
  };
  const stack = get('exception.stacktrace');
  return (
    <div class="exception" data-testid="span-exception">
      <div class="exception-head">
        <strong class="exception-type">{get('exception.type') || 'exception'}</strong>
        {get('exception.message') && <span class="exception-message">: {get('exception.message')}</span>}
        <span class="muted"> at +{formatDurationMs(props.offsetMs)}</span>
      </div>
      {stack && (
        <pre class="exception-stack" data-testid="exception-stacktrace">
          {stack}
        </pre>
      )}
    </div>
  );
}

export function SpanDetails(props: {
  trace: TraceModel;
  span: SpanModel;
  onClose: () => void;
  onSelect: (span: number) => void;
}): JSX.Element {
  const { trace, span: s } = props;
  const parent = s.parent >= 0 ? trace.spans[s.parent] : null;
  const exceptions = s.events.filter((e) => e.name === 'exception');
  const g = s.genai;
  return (
    <aside class="span-details" data-testid="span-details" aria-label={`Span ${s.name}`}>
      <div class="sd-head">
        <span class="wf-swatch" style={{ background: serviceColor(s.service) }} />
        <h2>
          <span class="sd-service">{s.service}</span> {s.name}
        </h2>
        <button class="sd-close" onClick={props.onClose} aria-label="Close the span's details">
          ×
        </button>
      </div>
      <dl class="kv sd-facts">
        <dt>Kind</dt>
        <dd>{s.kind}</dd>
        <dt>Status</dt>
        <dd>
          <span class={`state state-${s.status === 'error' ? 'error' : s.status === 'ok' ? 'ok' : 'unknown'}`}>
            {s.status}
          </span>
          {s.statusMessage && <span class="sd-status-message"> {s.statusMessage}</span>}
        </dd>
        <dt>Duration</dt>
        <dd>{formatDurationMs(s.durationMs)}</dd>
        <dt>Start</dt>
        <dd>
          +{formatDurationMs(s.offsetMs)} <span class="muted">({formatTime(trace.startMs + s.offsetMs)})</span>
        </dd>
        <dt>Span ID</dt>
        <dd class="mono">{s.spanId}</dd>
        <dt>Parent ID</dt>
        <dd class="mono">
          {parent ? (
            <button class="linklike" onClick={() => props.onSelect(parent.index)} title={`Show ${parent.name}`}>
              {s.parentId}
            </button>
          ) : s.parentId ? (
            <span title="The parent span is not in the trace (not received yet, or dropped)">{s.parentId} (missing)</span>
          ) : (
            <span class="muted">none (root)</span>
          )}
        </dd>
        {trace.critical.has(s.index) && (
          <>
            <dt>Critical path</dt>
            <dd>
              {formatDurationMs(trace.critical.get(s.index)!.reduce((n, [a, b]) => n + b - a, 0))} of it on the
              critical path
            </dd>
          </>
        )}
      </dl>

      {g && (
        <Collapsible title="GenAI" testId="span-genai">
          <dl class="kv">
            {g.system && (
              <>
                <dt>System</dt>
                <dd>{g.system}</dd>
              </>
            )}
            {g.operation && (
              <>
                <dt>Operation</dt>
                <dd>{g.operation}</dd>
              </>
            )}
            {g.requestModel && (
              <>
                <dt>Request model</dt>
                <dd class="mono">{g.requestModel}</dd>
              </>
            )}
            {g.responseModel && (
              <>
                <dt>Response model</dt>
                <dd class="mono">{g.responseModel}</dd>
              </>
            )}
            {g.inputTokens !== undefined && (
              <>
                <dt>Input tokens</dt>
                <dd>{g.inputTokens}</dd>
              </>
            )}
            {g.outputTokens !== undefined && (
              <>
                <dt>Output tokens</dt>
                <dd>{g.outputTokens}</dd>
              </>
            )}
            {g.cost !== undefined && (
              <>
                <dt>Cost</dt>
                <dd>
                  {formatCost(g.cost)} <span class="muted">({g.costKey})</span>
                </dd>
              </>
            )}
            {g.ttftMs !== undefined && (
              <>
                <dt>Time to first token</dt>
                <dd>{formatDurationMs(g.ttftMs)}</dd>
              </>
            )}
          </dl>
        </Collapsible>
      )}

      {exceptions.length > 0 && (
        <Collapsible title={`Exceptions (${exceptions.length})`} testId="span-exceptions">
          {exceptions.map((e, i) => (
            <ExceptionBlock key={i} attrs={e.attributes} offsetMs={e.offsetMs} />
          ))}
        </Collapsible>
      )}

      <Collapsible title={`Span attributes (${s.attributes.length})`} testId="span-attributes">
        <AttrTable attrs={s.attributes} />
      </Collapsible>
      <Collapsible
        title={
          <>
            Scope <span class="mono">{s.scope.name || '(unnamed)'}</span>
            {s.scope.version && <span class="muted"> version {s.scope.version}</span>}
            {s.scope.attributes.length > 0 && <span class="muted"> ({s.scope.attributes.length})</span>}
          </>
        }
        open={s.scope.attributes.length > 0}
        testId="span-scope"
      >
        <AttrTable attrs={s.scope.attributes} empty="No scope attributes." />
      </Collapsible>
      <Collapsible title={`Resource attributes (${s.resource.length})`} open={false} testId="span-resource">
        <AttrTable attrs={s.resource} />
      </Collapsible>

      {s.events.length > 0 && (
        <Collapsible title={`Events (${s.events.length})`} testId="span-events">
          <ol class="sd-events">
            {s.events.map((e, i) => (
              <li key={i}>
                <div>
                  <strong>{e.name || '(unnamed event)'}</strong>{' '}
                  <span class="muted">
                    +{formatDurationMs(e.offsetMs - s.offsetMs)} into the span ·{' '}
                    {formatTime(trace.startMs + e.offsetMs)}
                  </span>
                </div>
                {e.name === 'exception' ? (
                  <p class="muted">A recorded exception: its type, message and stack trace are shown above.</p>
                ) : (
                  e.attributes.length > 0 && <AttrTable attrs={e.attributes} />
                )}
              </li>
            ))}
          </ol>
        </Collapsible>
      )}

      {s.links.length > 0 && (
        <Collapsible title={`Links (${s.links.length})`} testId="span-links">
          <ul class="sd-links">
            {s.links.map((l, i) => (
              <li key={i}>
                <Link page={`trace/${l.traceId}`} params={{ span: l.spanId }}>
                  trace {l.traceId.slice(0, 16)}… span {l.spanId}
                </Link>
                {l.attributes.length > 0 && <AttrTable attrs={l.attributes} />}
              </li>
            ))}
          </ul>
        </Collapsible>
      )}
    </aside>
  );
}
