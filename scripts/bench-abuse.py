#!/usr/bin/env python3
"""A well-behaved client's latency while others attack the server (issue 14).

Starts `tidemark serve` (default configuration, loopback, a temporary data directory), writes
20,000 series into it, then runs phases of `--seconds` each. In every phase a well-behaved client
(127.0.0.1, one keep-alive connection) alternates a PromQL query and a remote_write request of
100 samples every 50 ms; beside it, from other loopback addresses (127.0.x.y), one attack:

  none          nothing (the baseline)
  idle          --idle connections opened and left open (10,000 by default)
  slowloris     1,000 connections sending their header a byte a second, reconnecting when closed
  non-readers   20 connections asking for a 2 MB response and never reading it
  malformed     4 clients sending garbage request lines, 70 KiB headers and bad Content-Lengths
  big-bodies    200 connections declaring 16 MB bodies and sending them slowly

For each phase: the well-behaved client's query and write latency (p50, p99, max), its failures,
the server's peak RSS and threads, and the CPU the server and this script (the clients, attack
included) used, as a share of one core: on a small machine the attackers' own CPU slows the
server down too. Prints a Markdown table; `--record FILE` appends it with
the machine and command. Run it with `--binary` pointing at another build to compare.

  scripts/bench-abuse.py                                   # build/server/tidemark, 20 s phases
  scripts/bench-abuse.py --seconds 5 --idle 2000           # a quick check
"""
import argparse
import http.client
import importlib.util
import os
import resource
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("bench_compare",
                                               os.path.join(ROOT, "scripts", "bench-compare.py"))
bench_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_compare)

SERIES = 20_000
QUERY = 'sum by (job) (rate(abuse_requests_total[5m]))'


# --- remote_write without extra packages: protobuf by hand, snappy as literal blocks ---

def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def write_request(series, timestamp_ms, value):
    """A remote_write 1.0 WriteRequest: `series` label dicts, one sample each."""
    out = bytearray()
    for labels in series:
        ts = bytearray()
        for name in sorted(labels):
            ts += field(1, field(1, name.encode()) + field(2, labels[name].encode()))
        sample = b"\x09" + struct.pack("<d", value) + b"\x10" + varint(timestamp_ms)
        ts += field(2, sample)
        out += field(1, bytes(ts))
    return bytes(out)


def snappy_literal(data):
    """Snappy's block format holding `data` as literals only: valid, uncompressed."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        else:
            out.append(61 << 2)
            out += struct.pack("<H", n)
        out += chunk
    return bytes(out)


def series_labels(i):
    return {"__name__": "abuse_requests_total", "job": f"job-{i % 10}",
            "instance": f"host-{i // 10}:9100"}


def remote_write(conn, series, timestamp_ms, value):
    body = snappy_literal(write_request(series, timestamp_ms, value))
    conn.request("POST", "/api/v1/write", body=body, headers={
        "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
        "X-Prometheus-Remote-Write-Version": "0.1.0"})
    response = conn.getresponse()
    response.read()
    return response.status


# --- the attacks: each runs until `stop` is set, from loopback addresses of its own ---

def connect_from(source, port, timeout=5):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def sources(first_octet, count):
    return [f"127.0.{first_octet}.{i}" for i in range(1, count + 1)]


class Attack:
    def __init__(self, port, stop, args):
        self.port, self.stop, self.args = port, stop, args
        self.held = 0  # connections open at the peak

    @staticmethod
    def without_closed(socks, action):
        """`socks` less those the server closed, running `action(s)` on each (non-blocking); an
        action that would block is skipped."""
        alive = []
        for s in socks:
            try:
                s.setblocking(False)
                if action(s):
                    alive.append(s)
                    continue
            except BlockingIOError:
                alive.append(s)
                continue
            except OSError:
                pass
            s.close()
        return alive

    def close_all(self, socks):
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


class Idle(Attack):
    def run(self):
        socks = []
        addresses = sources(10, 200)
        for i in range(self.args.idle):
            if self.stop.is_set():
                break
            try:
                socks.append(connect_from(addresses[i // 200], self.port))
            except OSError:
                pass
        self.held = len(socks)
        self.stop.wait()
        self.close_all(socks)


class Slowloris(Attack):
    def run(self):
        header = b"GET /api/v1/query?query=up HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 4000
        addresses = sources(20, 10)
        conns = []  # [socket, bytes sent]
        while not self.stop.is_set():
            while len(conns) < 1000:
                try:
                    conns.append([connect_from(addresses[len(conns) % 10], self.port), 0])
                except OSError:
                    break
            self.held = max(self.held, len(conns))
            for c in list(conns):
                try:
                    c[0].send(header[c[1] % len(header):c[1] % len(header) + 1])
                    c[1] += 1
                except OSError:
                    conns.remove(c)
                    c[0].close()
            self.stop.wait(1.0)
        self.close_all(c[0] for c in conns)


class NonReaders(Attack):
    def run(self):
        request = ('GET /api/v1/series?match[]=' + urllib.parse.quote('{__name__=~".+"}') +
                   ' HTTP/1.1\r\nHost: x\r\n\r\n').encode()
        addresses = sources(30, 20)
        socks = []
        while not self.stop.is_set():
            while len(socks) < 20:
                try:
                    s = connect_from(addresses[len(socks)], self.port)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.send(request)
                    socks.append(s)
                except OSError:
                    break
            self.held = max(self.held, len(socks))
            # Closed by the server after its write timeout: another is opened.
            socks = self.without_closed(socks, lambda s: s.recv(1, socket.MSG_PEEK) != b"")
            self.stop.wait(1.0)
        self.close_all(socks)


class Malformed(Attack):
    CASES = [b"GARBAGE\r\n\r\n",
             b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
             b"POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
             b"GET / HTTP/9.9\r\n\r\n"]

    def run(self):
        threads = [threading.Thread(target=self.client, args=(f"127.0.40.{i + 1}",))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def client(self, source):
        i = 0
        while not self.stop.is_set():
            try:
                s = connect_from(source, self.port)
                s.sendall(self.CASES[i % len(self.CASES)])
                while s.recv(65536):
                    pass
                s.close()
            except OSError:
                pass
            i += 1
            self.stop.wait(0.002)  # at most 500 a second from each client
        self.held = 4


class BigBodies(Attack):
    def run(self):
        header = (b"POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                  b"Content-Encoding: snappy\r\nContent-Length: 16000000\r\n\r\n")
        addresses = sources(50, 10)
        conns = []
        while not self.stop.is_set():
            while len(conns) < 200:
                try:
                    s = connect_from(addresses[len(conns) % 10], self.port)
                    s.sendall(header)
                    conns.append(s)
                except OSError:
                    break
            self.held = max(self.held, len(conns))
            chunk = b"\0" * 65536
            conns = self.without_closed(conns, lambda s: s.send(chunk) >= 0)
            self.stop.wait(0.5)
        self.close_all(conns)


ATTACKS = {"none": None, "idle": Idle, "slowloris": Slowloris, "non-readers": NonReaders,
           "malformed": Malformed, "big-bodies": BigBodies}


# --- the well-behaved client ---

def well_behaved(port, stop, out):
    """Alternates a query and a 100-sample write every 50 ms; `out` gets (kind, ms or None)."""
    conn = None
    i = 0
    while not stop.is_set():
        kind = "query" if i % 2 == 0 else "write"
        started = time.perf_counter()
        ok = False
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if kind == "query":
                conn.request("GET", "/api/v1/query?query=" + urllib.parse.quote(QUERY))
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            else:
                first = (i * 50) % SERIES
                batch = [series_labels((first + k) % SERIES) for k in range(100)]
                ok = remote_write(conn, batch, int(time.time() * 1000), float(i)) == 204
        except (OSError, http.client.HTTPException):
            conn = None
        out.append((kind, (time.perf_counter() - started) * 1000 if ok else None))
        i += 1
        stop.wait(0.05)


def threads_of(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_phase(server, name, args):
    stop = threading.Event()
    attack = ATTACKS[name](server.port, stop, args) if ATTACKS[name] else None
    attacker = threading.Thread(target=attack.run) if attack else None
    if attacker:
        attacker.start()
        time.sleep(2)  # the attack in place before measuring
    samples = []
    client = threading.Thread(target=well_behaved, args=(server.port, stop, samples))
    client.start()
    peak_rss = peak_threads = 0
    server_cpu = bench_compare.cpu_seconds(server.proc.pid)
    own_cpu = time.process_time()
    end = time.time() + args.seconds
    while time.time() < end:
        peak_rss = max(peak_rss, bench_compare.rss_bytes(server.proc.pid))
        peak_threads = max(peak_threads, threads_of(server.proc.pid))
        time.sleep(0.2)
    server_cpu = bench_compare.cpu_seconds(server.proc.pid) - server_cpu
    own_cpu = time.process_time() - own_cpu
    stop.set()
    client.join()
    if attacker:
        attacker.join()
    row = {"attack": name, "held": attack.held if attack else 0,
           "rss_mb": peak_rss / 2**20, "threads": peak_threads,
           "server_cpu": server_cpu / args.seconds, "client_cpu": own_cpu / args.seconds}
    for kind in ("query", "write"):
        ok = [ms for k, ms in samples if k == kind and ms is not None]
        row[kind] = (percentile(ok, 50), percentile(ok, 99), max(ok) if ok else float("nan"))
        row[kind + "_failed"] = sum(1 for k, ms in samples if k == kind and ms is None)
        row[kind + "_total"] = sum(1 for k, _ in samples if k == kind)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "server", "tidemark"))
    parser.add_argument("--label", default="", help="names the binary in the table")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--idle", type=int, default=10_000, help="connections of the idle attack")
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    parser.add_argument("--record", help="append the table to this Markdown file")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="tidemark-abuse-")
    server = bench_compare.Tidemark(work, args.binary)
    rows = []
    try:
        server.start()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        now = int(time.time() * 1000)
        for minute in range(10, 0, -1):  # ten minutes of history for the 5-minute rates
            for first in range(0, SERIES, 2000):
                batch = [series_labels(i) for i in range(first, first + 2000)]
                status = remote_write(conn, batch, now - minute * 60_000, float(10 - minute))
                if status != 204:
                    sys.exit(f"preloading: remote_write answered {status}")
        conn.close()
        for name in args.attacks.split(","):
            rows.append(run_phase(server, name, args))
            print(f"{name}: {rows[-1]}", file=sys.stderr)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    label = args.label or os.path.relpath(args.binary, ROOT)
    table = [f"\n`{label}`, {args.seconds:g} s a phase:\n",
             "| attack | attackers' connections | query p50 / p99 / max ms | write p50 / p99 / max ms "
             "| failed (query, write) | server peak RSS | server threads | server CPU | clients' CPU |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        q, w = r["query"], r["write"]
        table.append(
            f"| {r['attack']} | {r['held']:,} | {q[0]:.1f} / {q[1]:.1f} / {q[2]:.1f} "
            f"| {w[0]:.1f} / {w[1]:.1f} / {w[2]:.1f} "
            f"| {r['query_failed']}/{r['query_total']}, {r['write_failed']}/{r['write_total']} "
            f"| {r['rss_mb']:.0f} MB | {r['threads']} "
            f"| {r['server_cpu']:.0%} | {r['client_cpu']:.0%} |")
    print("\n".join(table))
    if args.record:
        command = " ".join(["scripts/bench-abuse.py"] + sys.argv[1:])
        with open(args.record, "a") as f:
            f.write(f"\n### `bench-abuse`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
            f.write(f"Machine: {bench_compare.machine()}. Command: `{command}`.\n")
            f.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main()
