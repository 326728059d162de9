#!/usr/bin/env python3
"""Side-by-side comparison of tidemark with Prometheus and VictoriaMetrics (issue 13).

Installs Debian's `prometheus` and `victoria-metrics` if missing, starts each engine (and tidemark)
on loopback with a data directory of its own, sends each the identical workload with
tidemark-bench (verified read-back included), and measures: ingestion rate and server CPU per
sample, RSS after ingest, on-disk bytes per sample once each engine has persisted its data, and
the latency of the same PromQL dashboard queries (median of repeated runs, every engine at the
same step-aligned timestamps) with every result compared to Prometheus'. Prints one Markdown table
of figures and tidemark/peer ratios. Usage and what each figure means: docs/bench.md.

  scripts/bench-compare.py                      # 10,000 series x 360 scrapes, 4 connections
  scripts/bench-compare.py --series 1000 --scrapes 40 --query-runs 1   # a quick check
"""
import argparse
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Dashboard queries over each metrics workload (datagen/dataset.h): the node workload's, and the
# app workload's from the user's LLM dashboards (p99 latency, tokens by model, error ratio, cost).
WORKLOAD_QUERIES = {
    "node": [
        ("rate by job", 'sum by (job) (rate(http_request_duration_seconds_count[5m]))'),
        ("p99 by le", 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
        ("topk cpu", 'topk(5, sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m])))'),
        ("count by instance", 'count by (instance) ({__name__=~"node_.+"})'),
    ],
    "app": [
        ("p99 by route", 'histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket[5m])))'),
        ("tokens by model", 'sum by (gen_ai_request_model, gen_ai_token_type) (rate(gen_ai_client_token_usage_sum[5m]))'),
        ("error ratio", 'sum by (job) (rate(llm_requests_total{status="error"}[5m])) / sum by (job) (rate(llm_requests_total[5m]))'),
        ("cost by model", 'sum by (gen_ai_request_model) (increase(llm_cost_usd_total[1h]))'),
    ],
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url, data=None, timeout=300):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def wait_ready(url, proc, log, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{url}: the engine exited early; its log:\n{open(log).read()[-3000:]}")
        try:
            if http(url, timeout=2)[0] == 200:
                return
        except Exception:
            pass
        time.sleep(0.1)
    sys.exit(f"{url} not ready after {seconds} s; log:\n{open(log).read()[-3000:]}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid, seconds=60):
    """Waits until the engine uses under 5 % of a core over a second (its background flushes and
    merges after persisting have finished), at most `seconds`; returns the seconds waited. Queries
    are measured on an idle engine: work an engine does in the background after a write burst
    would otherwise land on whichever queries run first."""
    start = time.time()
    while time.time() - start < seconds:
        before = cpu_seconds(pid)
        time.sleep(1)
        if cpu_seconds(pid) - before < 0.05:
            break
    return time.time() - start


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


class Engine:
    """One engine under test: started on free ports, its data in `work/<name>`."""

    def __init__(self, name, work):
        self.name = name
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.log = os.path.join(work, name + ".log")
        self.port = free_port()
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        args = self.command()
        self.proc = subprocess.Popen(args, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     cwd=self.dir)
        wait_ready(self.base + self.ready_path, self.proc, self.log)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Tidemark(Engine):
    ready_path = "/-/ready"
    write_path = "/api/v1/write"

    def __init__(self, work, binary):
        super().__init__("tidemark", work)
        self.binary = binary

    def command(self):
        self.command_args = self._command()
        return self.command_args

    def _command(self):
        config = self.dir + ".yaml"
        with open(config, "w") as f:
            f.write("self_scrape_interval: 0\nstorage:\n  retention: 0s\nweb:\n  enable_admin_api: true\n")
        return [self.binary, "serve", "--config", config, "--data-dir", self.dir, "--http-addr",
                f"127.0.0.1:{self.port}", "--otlp-grpc-addr", f"127.0.0.1:{free_port()}",
                "--otlp-http-addr", f"127.0.0.1:{free_port()}"]

    def persist(self):
        # Flush, then merge every partition's blocks: the counterpart of VictoriaMetrics'
        # force_flush and force_merge below.
        http(self.base + "/api/v1/admin/compact", data=b"")
        return du(self.dir)


class Prometheus(Engine):
    ready_path = "/-/ready"
    write_path = "/api/v1/write"

    def __init__(self, work):
        super().__init__("prometheus", work)

    def command(self):
        config = self.dir + ".yml"
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1h\n")
        return ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
                f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-remote-write-receiver",
                "--web.enable-admin-api", "--storage.tsdb.retention.time=100y"]

    def persist(self):
        # The head written out as a block: what Prometheus keeps once the WAL is truncated.
        _, body = http(self.base + "/api/v1/admin/tsdb/snapshot", data=b"")
        name = json.loads(body)["data"]["name"]
        return du(os.path.join(self.dir, "data", "snapshots", name))


class VictoriaMetrics(Engine):
    ready_path = "/health"
    write_path = "/api/v1/write"

    def __init__(self, work):
        super().__init__("victoria-metrics", work)

    def command(self):
        # No result cache and no latency offset: queries see all data and compute every time.
        # Its default cap of 300,000 series a query would refuse the verification and the
        # dashboard queries at 1,000,000 series; tidemark and Prometheus have no such cap.
        return ["victoria-metrics", f"-storageDataPath={self.dir}/data",
                f"-httpListenAddr=127.0.0.1:{self.port}", "-retentionPeriod=100y",
                "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR",
                "-search.maxUniqueTimeseries=100000000"]

    def persist(self):
        http(self.base + "/internal/force_flush")
        time.sleep(2)
        partition = time.strftime("%Y_%m", time.gmtime())
        try:
            http(self.base + "/internal/force_merge?partition_prefix=" + partition)
        except Exception:
            pass
        time.sleep(10)
        return du(os.path.join(self.dir, "data"))


def ensure_packages():
    missing = [p for p, cmd in (("prometheus", "prometheus"), ("victoria-metrics", "victoria-metrics"))
               if shutil.which(cmd) is None]
    if missing:
        print("installing " + " ".join(missing), file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq"] + missing, check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def query_range(engine, promql, start, end, step):
    params = urllib.parse.urlencode({"query": promql, "start": start, "end": end, "step": step})
    t0 = time.perf_counter()
    try:
        _, body = http(engine.base + "/api/v1/query_range?" + params)
    except urllib.error.HTTPError as e:
        sys.exit(f"{engine.name}: {promql}: HTTP {e.code}: {e.read()[:300]!r}")
    elapsed = time.perf_counter() - t0
    result = json.loads(body)
    if result.get("status") != "success":
        sys.exit(f"{engine.name}: {promql}: {result}")
    series = {}
    for s in result["data"]["result"]:
        key = tuple(sorted(s["metric"].items()))
        series[key] = {float(t): float(v) for t, v in s["values"]}
    return elapsed, series


def agreement(ref, got):
    """Points compared, points that differ (beyond 1e-9 relative), and series present in one only."""
    compared = differ = 0
    only = len(set(ref) ^ set(got))
    for key in set(ref) & set(got):
        a, b = ref[key], got[key]
        for t in set(a) | set(b):
            compared += 1
            if t not in a or t not in b:
                differ += 1
                continue
            x, y = a[t], b[t]
            if math.isnan(x) and math.isnan(y):
                continue
            if abs(x - y) > 1e-9 * max(1.0, abs(x), abs(y)):
                differ += 1
    return compared, differ, only


def machine():
    """The CPU model, cores and memory, as docs/benchmarks.md records them with each figure."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_gib = int(f.readline().split()[1]) / 2**20
    except OSError:
        mem_gib = 0
    return f"{os.cpu_count()} cores of {model}, {mem_gib:.0f} GiB"


def record(path, report):
    """Appends this run's tables to a Markdown file, with when, how and where it was measured."""
    command = " ".join(["scripts/bench-compare.py"] + sys.argv[1:])
    with open(path, "a") as f:
        f.write(f"\n### `bench-compare`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
        f.write(f"Machine: {machine()}. Command: `{command}`.\n")
        f.write("\n".join(report) + "\n")


def draw_ratios(path, names, rows, queries, results):
    """A bar chart of tidemark/peer ratios per figure (below 1: tidemark uses less or is faster)."""
    if shutil.which("gnuplot") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "gnuplot-nox"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    peers = [n for n in names if n != "tidemark"]
    data = path + ".dat"
    with open(data, "w") as f:
        f.write("figure " + " ".join(peers) + "\n")
        figures = [(title, lambda r, k=key: r[k]) for title, key, _ in rows
                   if key not in ("samples_per_s", "rss_kib_per_series")]
        # Ingestion as time per sample, so that below 1 means better throughout.
        figures.insert(0, ("time per sample", lambda r: 1 / r["samples_per_s"]))
        figures += [(label, lambda r, l=label: r["queries"][l]["median_ms"]) for label, _ in queries]
        for title, get in figures:
            ratios = [get(results["tidemark"]) / get(results[p]) for p in peers]
            f.write('"' + title.split(",")[0] + '" ' + " ".join(f"{x:.4f}" for x in ratios) + "\n")
    script = f"""
set terminal pngcairo size 1100,520 font ",10"
set output "{path}"
set title "tidemark / peer (below 1: tidemark uses less or answers sooner)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set yrange [0:*]
set grid ytics
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot for [i=2:{len(peers) + 1}] "{data}" using i:xtic(1) title columnheader(i)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.remove(data)


def median_ms(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def trace_figures(args, work_root):
    """tidemark alone: spans/s and CPU per span over OTLP/gRPC, bytes per span persisted, and the
    latency of a trace by id, a Jaeger search and a TraceQL search."""
    engine = Tidemark(work_root, args.bin)
    try:
        engine.start()
        grpc_port = int(engine.command_args[engine.command_args.index("--otlp-grpc-addr") + 1]
                        .split(":")[1])
        report = os.path.join(work_root, "traces-report.json")
        run = subprocess.run(
            [args.bench, "run", "--quiet", "--workload", "traces", "--protocol", "otlp_grpc",
             "--target", f"127.0.0.1:{grpc_port}", "--traces", str(args.traces),
             "--connections", str(args.connections), "--server-pid", str(engine.proc.pid),
             "--verify", "--traces-url", engine.base, "--report", report],
            capture_output=True, text=True)
        print(run.stdout, file=sys.stderr)
        if run.returncode == 2:
            sys.exit(f"traces: tidemark-bench failed: {run.stderr}")
        r = json.load(open(report))
        spans = r["items_accepted_total"]
        out = {"spans": spans, "spans_per_s": r["items_per_second"],
               "cpu_us_per_span": r["server"]["cpu_seconds_per_million_items"],
               "verified": r["verify"]["complete"]}
        out["bytes_per_span"] = engine.persist() / max(1, spans)
        now = int(time.time())
        window = f"&start={now - 7200}&end={now}"
        _, body = http(engine.base + "/api/search?limit=20" + window + "&q=" +
                       urllib.parse.quote('{ resource.service.name = "rag-api" }'))
        ids = [t["traceID"] for t in json.loads(body)["traces"]]
        if not ids:
            sys.exit("traces: a search found no trace to fetch by id")
        queries = {
            "trace by id (Tempo API)": lambda: [http(engine.base + "/api/traces/" + i) for i in ids[:5]],
            "Jaeger search, service and tag": lambda: http(
                engine.base + "/jaeger/api/traces?service=rag-api&limit=20&tags=" +
                urllib.parse.quote('{"gen_ai.request.model":"gpt-4o"}') +
                f"&start={(now - 7200) * 10**6}&end={now * 10**6}"),
            "TraceQL search": lambda: http(
                engine.base + "/api/search?limit=20" + window + "&q=" +
                urllib.parse.quote('{ span.gen_ai.request.model = "gpt-4o" && duration > 1s }')),
        }
        out["latency_ms"] = {k: median_ms(f, args.query_runs) for k, f in queries.items()}
        # Five fetches per run above: per trace.
        out["latency_ms"]["trace by id (Tempo API)"] /= 5
        return out
    finally:
        engine.stop()
        shutil.rmtree(work_root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", choices=sorted(WORKLOAD_QUERIES), default="node",
                    help="the metrics workload sent and queried (tidemark-bench --workload)")
    ap.add_argument("--series", type=int, default=10000)
    ap.add_argument("--churn", type=float, default=0,
                    help="share of targets replaced per hour of data (tidemark-bench --churn)")
    ap.add_argument("--scrapes", type=int, default=360)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--series-per-request", type=int, default=1000)
    ap.add_argument("--query-runs", type=int, default=5, help="runs per query; the median is kept")
    ap.add_argument("--engines", default="tidemark,prometheus,victoria-metrics")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/server/tidemark"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "build/benchmarks/tidemark-bench"))
    ap.add_argument("--traces", type=int, default=100000,
                    help="traces for tidemark's own trace figures (no trace peer is installable); 0: skip")
    ap.add_argument("--json", help="write every figure here as JSON")
    ap.add_argument("--record", metavar="MARKDOWN",
                    help="append the tables, the command and the machine to this file "
                         "(docs/benchmarks.md)")
    ap.add_argument("--chart", help="draw the tidemark/peer ratios as a PNG here (gnuplot)")
    args = ap.parse_args()
    queries = WORKLOAD_QUERIES[args.workload]
    ensure_packages()

    work = tempfile.mkdtemp(prefix="tidemark-compare-")
    # One end time for every engine: identical bytes (the data ends then) and the same query times.
    end_ms = int(time.time() * 1000) // 60000 * 60000 - 7_500
    first_ms = end_ms - (args.scrapes - 1) * 15000
    step = 60
    # Away from series starts: 10 minutes in (half the data when it is shorter).
    offset_ms = min(10 * 60000, (end_ms - first_ms) // 2)
    q_start = math.ceil((first_ms + offset_ms) / 60000) * 60
    q_end = end_ms // 60000 * 60
    if q_end < q_start:
        sys.exit("the data spans too little time for the queries: raise --scrapes")
    results = {}
    engines = []
    try:
        for name in args.engines.split(","):
            engine = {"tidemark": lambda: Tidemark(work, args.bin),
                      "prometheus": lambda: Prometheus(work),
                      "victoria-metrics": lambda: VictoriaMetrics(work)}[name]()
            engines.append(engine)
            engine.start()
            report = os.path.join(work, name + "-report.json")
            run = subprocess.run(
                [args.bench, "run", "--quiet", "--workload", args.workload,
                 "--target", f"127.0.0.1:{engine.port}",
                 "--path", engine.write_path, "--series", str(args.series), "--scrapes",
                 str(args.scrapes), "--series-per-request", str(args.series_per_request),
                 "--connections", str(args.connections), "--server-pid", str(engine.proc.pid),
                 "--end-ms", str(end_ms), "--churn", str(args.churn),
                 "--verify", "--verify-delay", "2", "--report", report],
                capture_output=True, text=True)
            print(run.stdout, file=sys.stderr)
            if run.returncode == 2:
                sys.exit(f"{name}: tidemark-bench failed: {run.stderr}")
            r = json.load(open(report))
            time.sleep(1)
            figures = {
                "samples": r["items_accepted_total"],
                "samples_per_s": r["items_per_second"],
                "cpu_us_per_sample": r["server"]["cpu_seconds_per_million_items"],
                "verified": r["verify"]["complete"],
                "lost": r["verify"]["expected_samples"] - r["verify"]["found_samples"],
                # When the load ended, before the read-back filled the engine's caches: a
                # reading taken after it swung by half between runs (324 and 466 MiB at
                # 100,000 series) with what the read-back's queries left behind.
                "rss_mib": r["server"]["end_rss_bytes"] / 2**20,
                "peak_rss_mib": r["server"]["peak_rss_bytes"] / 2**20,
                "rss_after_read_back_mib": rss_bytes(engine.proc.pid) / 2**20,
                "series": r["verify"]["expected_series"],
            }
            figures["rss_kib_per_series"] = figures["rss_mib"] * 1024 / max(1, figures["series"])
            figures["disk_bytes_per_sample"] = engine.persist() / max(1, r["items_accepted_total"])
            figures["settle_s"] = wait_idle(engine.proc.pid)
            figures["queries"] = {}
            for label, promql in queries:
                times = []
                for _ in range(args.query_runs):
                    elapsed, series = query_range(engine, promql, q_start, q_end, step)
                    times.append(elapsed * 1000)
                figures["queries"][label] = {"median_ms": statistics.median(times), "series": series}
            results[name] = figures
            engine.stop()
    finally:
        for e in engines:
            e.stop()
        shutil.rmtree(work, ignore_errors=True)

    ref = results.get("prometheus")
    for name, f in results.items():
        for label, q in f["queries"].items():
            if ref is None:
                q["agreement"] = None
                continue
            compared, differ, only = agreement(ref["queries"][label]["series"], q["series"])
            q["agreement"] = {"points": compared, "differ": differ, "series_in_one_only": only}

    report = []

    def emit(text):
        print(text)
        report.append(text)

    rows = [("ingestion, samples/s", "samples_per_s", "{:,.0f}"),
            ("server CPU, µs/sample", "cpu_us_per_sample", "{:.2f}"),
            ("RSS after ingest, MiB", "rss_mib", "{:.0f}"),
            ("peak RSS while ingesting, MiB", "peak_rss_mib", "{:.0f}"),
            ("RSS after the read-back, MiB", "rss_after_read_back_mib", "{:.0f}"),
            ("RSS per series, KiB", "rss_kib_per_series", "{:.2f}"),
            ("disk bytes/sample, persisted", "disk_bytes_per_sample", "{:.2f}")]
    names = list(results)
    peers = [n for n in names if n != "tidemark"]
    header = "| figure | " + " | ".join(names) + "".join(f" | tidemark/{p}" for p in peers) + " |"
    churn = f", churn {args.churn:g} per hour ({results[names[0]]['series']:,} series in all)" if args.churn else ""
    emit(f"\n{args.workload} workload, {args.series} series x {args.scrapes} scrapes{churn}, {args.series_per_request} series per "
          f"remote_write request, {args.connections} connections; queries over "
          f"{(q_end - q_start) // 60} min at {step} s steps, median of {args.query_runs}\n")
    emit(header)
    emit("|" + "---|" * (1 + len(names) + len(peers)))

    def ratio(a, b):
        return f"{a / b:.2f}" if b else "-"

    for title, key, fmt in rows:
        vals = [results[n][key] for n in names]
        line = f"| {title} | " + " | ".join(fmt.format(v) for v in vals)
        if "tidemark" in results:
            line += "".join(f" | {ratio(results['tidemark'][key], results[p][key])}" for p in peers)
        emit(line + " |")
    for label, _ in queries:
        vals = [results[n]["queries"][label]["median_ms"] for n in names]
        line = f"| `{label}` ms | " + " | ".join(f"{v:.1f}" for v in vals)
        if "tidemark" in results:
            line += "".join(f" | {ratio(results['tidemark']['queries'][label]['median_ms'], results[p]['queries'][label]['median_ms'])}"
                            for p in peers)
        emit(line + " |")
    emit("| every sample read back | " + " | ".join(
        "yes" if results[n]["verified"] else f"no, {results[n]['lost']} lost" for n in names) +
        " |" * (len(peers) + 1))
    if args.chart and "tidemark" in results and len(names) > 1:
        draw_ratios(args.chart, names, rows, queries, results)
    if ref is not None:
        emit("\nAgreement with Prometheus (points compared / differing / series in one only):")
        for name in names:
            if name == "prometheus":
                continue
            parts = []
            for label, _ in queries:
                a = results[name]["queries"][label]["agreement"]
                parts.append(f"{label}: {a['points']}/{a['differ']}/{a['series_in_one_only']}")
            emit(f"  {name}: " + "; ".join(parts))
    traces = trace_figures(args, work_root=tempfile.mkdtemp(prefix="tidemark-compare-traces-")) \
        if args.traces > 0 and "tidemark" in args.engines.split(",") else None
    if traces:
        emit(f"\ntidemark's traces ({traces['spans']:,} spans of {args.traces:,} traces over OTLP/gRPC, "
              f"{args.connections} connections; no trace back end to compare with is installable here):\n")
        emit("| figure | tidemark |\n|---|---|")
        emit(f"| ingestion, spans/s | {traces['spans_per_s']:,.0f} |")
        emit(f"| server CPU, µs/span | {traces['cpu_us_per_span']:.2f} |")
        emit(f"| disk bytes/span, persisted | {traces['bytes_per_span']:.1f} |")
        for label, ms in traces["latency_ms"].items():
            emit(f"| {label}, median ms | {ms:.1f} |")
        emit(f"| every checked trace read back whole | {'yes' if traces['verified'] else 'no'} |")
        results_traces = traces
    else:
        results_traces = None
    if args.record:
        record(args.record, report)
    if args.json:
        if results_traces:
            results["tidemark_traces"] = results_traces
        for f in results.values():
            for q in f.get("queries", {}).values():
                q.pop("series")
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    # tidemark must agree with Prometheus; the others' differences are reported, not judged
    # (VictoriaMetrics computes rate() without Prometheus' extrapolation).
    agree = all(q["agreement"] is None or (q["agreement"]["differ"] == 0 and
                                            q["agreement"]["series_in_one_only"] == 0)
                for q in results.get("tidemark", {"queries": {}})["queries"].values())
    return 0 if all(f["verified"] for f in results.values()) and agree else 1


if __name__ == "__main__":
    sys.exit(main())
