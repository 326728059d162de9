// Status: build and runtime information, storage (head, partitions, bytes per sample, spans,
// retention), head cardinality, flags and the configuration in force.
import type { JSX } from 'preact';
import { promData } from '../api';
import { Collapsible, ErrorBox, Loading, Page, useFetch } from '../components';
import { formatShort, formatTime } from '../format';

interface StorageStatus {
  retention: string;
  spanRetention: string;
  head: { series: number; chunks: number; samples: number; memoryBytes: number };
  walBytes: number;
  segmentBytes: number;
  samplesAppended: number;
  exemplarsAppended: number;
  spansAppended: number;
  spanBytes: number;
  partitions: { start: number; end: number; blocks: number; samples: number; series: number; storedBytes: number }[];
  storedSamples: number;
  bytesPerSample: number | null;
}

interface NameValue {
  name: string;
  value: number;
}

interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: NameValue[];
  labelValueCountByLabelName: NameValue[];
  memoryInBytesByLabelName: NameValue[];
  seriesCountByLabelValuePair: NameValue[];
}

interface Everything {
  build: Record<string, string>;
  runtime: Record<string, string | number | boolean>;
  flags: Record<string, string>;
  config: { yaml: string };
  tsdb: TsdbStatus;
  storage: StorageStatus;
}

function bytes(n: number): string {
  return `${formatShort(n)}B`;
}

function Pairs(props: { entries: [string, string | number | boolean][]; testId?: string }): JSX.Element {
  return (
    <dl class="kv" data-testid={props.testId}>
      {props.entries.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd class="mono">{String(v)}</dd>
        </>
      ))}
    </dl>
  );
}

function TopList(props: { title: string; items: NameValue[]; unit?: (n: number) => string }): JSX.Element {
  return (
    <div class="top-list">
      <h3>{props.title}</h3>
      <table>
        <tbody>
          {props.items.map((item) => (
            <tr key={item.name}>
              <td class="mono">{item.name}</td>
              <td>{props.unit ? props.unit(item.value) : item.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StatusPage(): JSX.Element {
  const status = useFetch<Everything>(
    async (signal) => {
      const [build, runtime, flags, config, tsdb, storage] = await Promise.all([
        promData<Record<string, string>>('api/v1/status/buildinfo', undefined, signal),
        promData<Record<string, string | number | boolean>>('api/v1/status/runtimeinfo', undefined, signal),
        promData<Record<string, string>>('api/v1/status/flags', undefined, signal),
        promData<{ yaml: string }>('api/v1/status/config', undefined, signal),
        promData<TsdbStatus>('api/v1/status/tsdb', undefined, signal),
        promData<StorageStatus>('api/v1/status/storage', undefined, signal),
      ]);
      return { build, runtime, flags, config, tsdb, storage };
    },
    [],
    30000,
  );
  const s = status.data;
  return (
    <Page title="Status">
      <ErrorBox error={status.error} />
      <Loading when={status.loading && !s} />
      {s && (
        <>
          <Collapsible title="Build and runtime" testId="status-build">
            <Pairs
              entries={[
                ['version', s.build.revision?.replace(/^tidemark-/, '') ?? ''],
                ['Prometheus API', s.build.version],
                ['started', formatTime(Date.parse(String(s.runtime.startTime)))],
                ['working directory', s.runtime.CWD],
                ['cores', s.runtime.GOMAXPROCS],
              ]}
            />
          </Collapsible>
          <Collapsible title="Storage" testId="status-storage">
            <Pairs
              testId="storage-summary"
              entries={[
                ['sample retention', s.storage.retention],
                ['span retention', s.storage.spanRetention],
                ['head series', s.storage.head.series],
                ['head samples', s.storage.head.samples],
                ['head memory', bytes(s.storage.head.memoryBytes)],
                ['write-ahead log', bytes(s.storage.walBytes)],
                ['samples on disk', `${s.storage.storedSamples} in ${bytes(s.storage.segmentBytes)}`],
                ['bytes per sample', s.storage.bytesPerSample === null ? 'none stored yet' : s.storage.bytesPerSample.toFixed(2)],
                ['samples appended', s.storage.samplesAppended],
                ['exemplars appended', s.storage.exemplarsAppended],
                ['spans appended', s.storage.spansAppended],
                ['spans on disk', bytes(s.storage.spanBytes)],
              ]}
            />
            {s.storage.partitions.length > 0 && (
              <div class="table-wrap">
                <table data-testid="partitions">
                  <thead>
                    <tr>
                      <th>Partition</th>
                      <th>Blocks</th>
                      <th>Series</th>
                      <th>Samples</th>
                      <th>Encoded</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.storage.partitions.map((p) => (
                      <tr key={p.start}>
                        <td>
                          {formatTime(p.start)} – {formatTime(p.end)}
                        </td>
                        <td>{p.blocks}</td>
                        <td>{p.series}</td>
                        <td>{p.samples}</td>
                        <td>{bytes(p.storedBytes)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Collapsible>
          <Collapsible title="Head cardinality" testId="status-tsdb">
            <Pairs
              entries={[
                ['series', s.tsdb.headStats.numSeries],
                ['label pairs', s.tsdb.headStats.numLabelPairs],
                ['chunks', s.tsdb.headStats.chunkCount],
                ['from', s.tsdb.headStats.minTime > 0 ? formatTime(s.tsdb.headStats.minTime) : ''],
                ['to', s.tsdb.headStats.maxTime > 0 ? formatTime(s.tsdb.headStats.maxTime) : ''],
              ]}
            />
            <div class="top-lists">
              <TopList title="Series by metric name" items={s.tsdb.seriesCountByMetricName} />
              <TopList title="Values by label name" items={s.tsdb.labelValueCountByLabelName} />
              <TopList title="Memory by label name" items={s.tsdb.memoryInBytesByLabelName} unit={bytes} />
              <TopList title="Series by label pair" items={s.tsdb.seriesCountByLabelValuePair} />
            </div>
          </Collapsible>
          <Collapsible title="Flags" open={false} testId="status-flags">
            <Pairs entries={Object.entries(s.flags)} />
          </Collapsible>
          <Collapsible title="Configuration" open={false} testId="status-config">
            <pre class="config">{s.config.yaml}</pre>
          </Collapsible>
        </>
      )}
    </Page>
  );
}
