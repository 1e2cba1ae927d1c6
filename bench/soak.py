#!/usr/bin/env python3
"""Load without loss: the benchmark's mixed scenario at 256 connections for 10 minutes,
with the service's memory sampled every second.

Prints RSS at the start and the end, its range and its trend (MB per minute over the second
half, by least squares), the answers by kind, and checks afterwards that every acknowledged
create is in the catalog and that /audit/verify holds.

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


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


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
                samples.append((time.monotonic() - t0, rss_mb(server.proc.pid)))
                stop.wait(1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        seconds = int(args.minutes * 60)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", os.path.join(LUA, "soak.lua"), server.base],
            env=dict(os.environ, BENCH_LUA_DIR=LUA, BENCH_PRODUCTS=str(args.products)),
            capture_output=True, text=True, check=True).stdout
        stop.set()
        sampler.join()
        created = int(re.search(r"SOAK created=(\d+)", out).group(1))
        failed = int(re.search(r"failed=(\d+)", out).group(1))
        requests = re.search(r"(\d+) requests in", out).group(1)
        socket_errors = re.search(r"Socket errors: (.*)", out)
        after = total_products(server.base)
        with urllib.request.urlopen(server.base + "/audit/verify", timeout=600) as r:
            verify = r.read().decode()
        second_half = [s for s in samples if s[0] >= samples[-1][0] / 2]
        print(f"soak: {args.minutes:g} min, {args.connections} connections, {requests} requests, "
              f"{created} creates acknowledged, {failed} answers >= 300, socket errors: "
              f"{socket_errors.group(1) if socket_errors else 'none'}")
        print(f"RSS: start {samples[0][1]:.1f} MB, end {samples[-1][1]:.1f} MB, min "
              f"{min(v for _, v in samples):.1f}, max {max(v for _, v in samples):.1f}; trend over "
              f"the second half {slope(second_half) * 60:+.2f} MB/min")
        # Creates grow the catalog, its write model and the mapped database file with it: RSS
        # is read against that growth, not against a flat line.
        print(f"database file: {db_before:.1f} MB before, "
              f"{os.path.getsize(db_file) / 2**20:.1f} MB after")
        missing = before + created - after
        print(f"products: {before} before + {created} acknowledged = {before + created}; "
              f"{after} present ({'none missing' if missing <= 0 else f'{missing} MISSING'})")
        print(f"verify: {verify}")
        with open(os.path.join(work, "rss.csv"), "w") as f:
            f.writelines(f"{t:.0f},{v:.1f}\n" for t, v in samples)
        print(f"RSS samples: {work}/rss.csv")
        sys.exit(0 if missing <= 0 and '"ok":true' in verify else 1)
    finally:
        server.stop()
        log.close()


if __name__ == "__main__":
    main()
