#!/usr/bin/env python3
"""Load without loss: the benchmark's mixed scenario at 256 connections for 10 minutes,
with the service's memory sampled every second.

Prints RSS and heap (RssAnon) at the start and the end, their trend (MB per minute over the
second half, by least squares) and the database's growth, the answers by kind; checks that
every acknowledged create is in the catalog and that /audit/verify holds; then starts a fresh
process on the final data, runs the mix for a minute and prints what it holds, to set the
soaked process's memory against.

    bench/soak.py [--minutes 10] [--products 10000] [--connections 256]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import LUA, Target, free_port, seed, total_products, wait_for  # noqa: E402


def memory_mb(pid):
    """(VmRSS, RssAnon) in MB: all resident pages, and those that are not file pages (the
    heap; the mapped database file is in the first only)."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("RssAnon", float("nan"))


def mix(base, seconds, connections, products, env):
    return subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", os.path.join(LUA, "soak.lua"), base],
        env=dict(env, BENCH_LUA_DIR=LUA, BENCH_PRODUCTS=str(products)),
        capture_output=True, text=True, check=True).stdout


def slope(points):
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    return sum((t - mx) * (v - my) for t, v in points) / var if var else 0.0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--products", type=int, default=10000)
    p.add_argument("--connections", type=int, default=256)
    p.add_argument("--catalog", default=os.path.join(here, "..", "build-release", "catalog"))
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="catalog-soak-")
    log = open(os.path.join(work, "server.log"), "w")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/catalog.db", PORT=str(port))
    server = Target("catalog", [args.catalog, "serve"], port, env=env, cwd=work, log=log)
    try:
        wait_for(server.base + "/health")
        seed(server.base, args.products)
        before = total_products(server.base)
        db_file = os.path.join(work, "catalog.db")
        db_before = os.path.getsize(db_file) / 2**20
        samples, stop = [], threading.Event()

        def sample():
            t0 = time.monotonic()
            while not stop.is_set():
                rss, anon = memory_mb(server.proc.pid)
                samples.append((time.monotonic() - t0, rss, anon))
                stop.wait(1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        out = mix(server.base, int(args.minutes * 60), args.connections, args.products,
                  os.environ)
        stop.set()
        sampler.join()
        created = int(re.search(r"SOAK created=(\d+)", out).group(1))
        failed = int(re.search(r"failed=(\d+)", out).group(1))
        requests = re.search(r"(\d+) requests in", out).group(1)
        socket_errors = re.search(r"Socket errors: (.*)", out)
        after = total_products(server.base)
        with urllib.request.urlopen(server.base + "/audit/verify", timeout=600) as r:
            verify = r.read().decode()
        half = samples[-1][0] / 2
        rss_trend = slope([(t, r) for t, r, _ in samples if t >= half]) * 60
        anon_trend = slope([(t, a) for t, _, a in samples if t >= half]) * 60
        print(f"soak: {args.minutes:g} min, {args.connections} connections, {requests} requests, "
              f"{created} creates acknowledged, {failed} answers >= 300, socket errors: "
              f"{socket_errors.group(1) if socket_errors else 'none'}")
        print(f"RSS: start {samples[0][1]:.1f} MB, end {samples[-1][1]:.1f} MB, max "
              f"{max(r for _, r, _ in samples):.1f}; trend over the second half "
              f"{rss_trend:+.2f} MB/min")
        print(f"heap (RssAnon): start {samples[0][2]:.1f} MB, end {samples[-1][2]:.1f} MB, max "
              f"{max(a for _, _, a in samples):.1f}; trend over the second half "
              f"{anon_trend:+.2f} MB/min")
        # Creates grow the catalog, its write model and the mapped database file with it: RSS
        # is read against that growth, not against a flat line.
        print(f"database file: {db_before:.1f} MB before, "
              f"{os.path.getsize(db_file) / 2**20:.1f} MB after")
        missing = before + created - after
        print(f"products: {before} before + {created} acknowledged = {before + created}; "
              f"{after} present ({'none missing' if missing <= 0 else f'{missing} MISSING'})")
        print(f"verify: {verify}")
        with open(os.path.join(work, "rss.csv"), "w") as f:
            f.write("seconds,rss_mb,anon_mb\n")
            f.writelines(f"{t:.0f},{r:.1f},{a:.1f}\n" for t, r, a in samples)
        print(f"RSS samples: {work}/rss.csv")
        soaked = samples[-1]
        server.stop()
        # What a process that never soaked holds on the same data, after a minute of the same
        # load: the soaked one holding much more would be a leak.
        server = Target("catalog", [args.catalog, "serve"], port, env=env, cwd=work, log=log)
        wait_for(server.base + "/health")
        mix(server.base, 60, args.connections, args.products, os.environ)
        rss, anon = memory_mb(server.proc.pid)
        print(f"a fresh process on the final data after 1 min of the mix: RSS {rss:.1f} MB, "
              f"heap {anon:.1f} MB (the soaked one: {soaked[1]:.1f} MB, {soaked[2]:.1f} MB)")
        sys.exit(0 if missing <= 0 and '"ok":true' in verify else 1)
    finally:
        server.stop()
        log.close()


if __name__ == "__main__":
    main()
