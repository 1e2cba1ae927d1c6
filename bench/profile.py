#!/usr/bin/env python3
"""Where a request's CPU goes: perf with DWARF call graphs on the service under one scenario.

Starts the Release build on a fresh database seeded like the benchmark, runs wrk -t1 for the
scenario, records the server with `perf record --call-graph dwarf` for a few seconds in the
middle, and prints the requests/s with the inclusive share of the samples of each function of
the hot path (the same list before and after a change makes the comparison).

    bench/profile.py [--scenario get_product] [--connections 32] [--catalog build-release/catalog]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import LUA, Target, free_port, parse_wrk, seed, wait_for  # noqa: E402

HOT_PATH = [
    "catalog::http::Session::dispatch",
    "catalog::projections::ReadModel::product",
    "catalog::projections::ReadModel::products",
    "sqlite3_step",
    "sqlite3BtreeBeginTrans",
    "sqlite3VdbeHalt",
    "__GI___libc_fcntl64",
    "catalog::http::Session::write",
    "__libc_sendmsg",
    "catalog::http::Session::record",
    "spdlog::logger::log_it_",
    "__GI___lll_lock_wake",
    "catalog::actors::catalog_actor",
    "catalog::events::EventStore::append",
    "catalog::projections::CatalogProjection::apply",
    "fdatasync",
    "fsync",
    "sqlite3VtabSavepoint",
    "sqlite3Fts5IndexSync",
    "retry_while_busy",
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="get_product", help="a script of bench/lua")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--products", type=int, default=10000)
    p.add_argument("--catalog", default=os.path.join(here, "..", "build-release", "catalog"))
    p.add_argument("--database", help="a copy of this seeded catalog (holding --products "
                   "products) instead of seeding one")
    args = p.parse_args()
    args.catalog = os.path.abspath(args.catalog)
    work = tempfile.mkdtemp(prefix="catalog-profile-")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/catalog.db", PORT=str(port))
    log = open(os.path.join(work, "server.log"), "w")
    if args.database:
        shutil.copy2(args.database, os.path.join(work, "catalog.db"))
    server = Target("catalog", [args.catalog, "serve"], port, env=env, cwd=work, log=log)
    try:
        wait_for(server.base + "/health")
        if not args.database:
            seed(server.base, args.products)
        wrk_env = dict(os.environ, BENCH_LUA_DIR=LUA, BENCH_PRODUCTS=str(args.products))
        load = subprocess.Popen(
            ["wrk", "-t1", f"-c{args.connections}", "-d12s", "--latency", "-s",
             os.path.join(LUA, args.scenario + ".lua"), server.base],
            env=wrk_env, stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        data = os.path.join(work, "perf.data")
        subprocess.run(["perf", "record", "-F", "499", "--call-graph", "dwarf,16384", "-p",
                        str(server.proc.pid), "-o", data, "--", "sleep", "6"],
                       capture_output=True, check=True)
        result = parse_wrk(load.communicate()[0])
        report = subprocess.run(["perf", "report", "-i", data, "--children", "--stdio", "-g",
                                 "none", "--sort", "symbol"],
                                capture_output=True, text=True, check=True).stdout
        print(f"{args.scenario}, wrk -t1 -c{args.connections}: {result['rps']:.0f} req/s, "
              f"p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms")
        print("inclusive share of the server's samples:")
        for name in HOT_PATH:
            m = re.search(r"^\s+([\d.]+%)\s+[\d.]+%\s+\[.\]\s+" + re.escape(name) + r"\s", report,
                          re.M)
            if m:
                print(f"  {m.group(1):>7}  {name}")
        print(f"perf data: {data}")
    finally:
        server.stop()
        log.close()


if __name__ == "__main__":
    main()
