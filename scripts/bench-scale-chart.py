#!/usr/bin/env python3
"""Scale curves of the side-by-side comparison (issue 13): tidemark/peer ratios against the
number of series, one line per figure, from the JSON reports of several bench-compare.py runs.

  scripts/bench-compare.py --series 10000 --json 10k.json
  scripts/bench-compare.py --series 100000 --scrapes 120 --json 100k.json
  scripts/bench-scale-chart.py --out docs/benchmarks-scale.png 10k.json 100k.json

Below 1 tidemark uses less or answers sooner. Ingestion is drawn as time per sample and memory
as RSS per series, so that every line reads the same way. Draws with gnuplot (Debian's
gnuplot-nox, installed if missing).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys


def figures(run, peer):
    """(title, ratio) of every figure both engines measured in one run."""
    t, p = run["tidemark"], run[peer]
    out = [("time per sample", p["samples_per_s"] / t["samples_per_s"]),
           ("CPU per sample", t["cpu_us_per_sample"] / p["cpu_us_per_sample"]),
           ("RSS per series", t["rss_kib_per_series"] / p["rss_kib_per_series"]),
           ("disk per sample", t["disk_bytes_per_sample"] / p["disk_bytes_per_sample"])]
    for label, q in t["queries"].items():
        if label in p["queries"] and p["queries"][label]["median_ms"] > 0:
            out.append((label, q["median_ms"] / p["queries"][label]["median_ms"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", help="bench-compare.py --json files")
    ap.add_argument("--peer", default="victoria-metrics")
    ap.add_argument("--out", required=True, help="the PNG to write")
    args = ap.parse_args()
    points = {}  # figure -> [(series, ratio)]
    for path in args.reports:
        with open(path) as f:
            run = json.load(f)
        for engine in ("tidemark", args.peer):
            if engine not in run:
                sys.exit(f"{path}: no {engine} figures")
            if "series" not in run[engine]:
                sys.exit(f"{path}: no series count (written by an older bench-compare.py)")
        for title, ratio in figures(run, args.peer):
            points.setdefault(title, []).append((run["tidemark"]["series"], ratio))
    if shutil.which("gnuplot") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "gnuplot-nox"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    data = args.out + ".dat"
    with open(data, "w") as f:
        for title, pts in points.items():
            f.write(f'"{title}"\n')
            for series, ratio in sorted(pts):
                f.write(f"{series} {ratio:.4f}\n")
            f.write("\n\n")
    script = f"""
set terminal pngcairo size 1000,560 font ",10"
set output "{args.out}"
set title "tidemark / {args.peer} by series count (below 1: tidemark uses less or answers sooner)"
set logscale x
set xlabel "series"
set ylabel "ratio"
set yrange [0:*]
set grid
set key outside right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot for [i=0:{len(points) - 1}] "{data}" index i using 1:2 with linespoints lw 2 title columnheader(1)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.remove(data)
    print(f"wrote {args.out}: {len(points)} figures over {len(args.reports)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
