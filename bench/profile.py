#!/usr/bin/env python3
"""Where a request's CPU goes: perf with DWARF call graphs on the service under one scenario.

Starts the Release build on a fresh database seeded like the benchmark, runs wrk -t1 for the
scenario, records the server with `perf record --call-graph dwarf` for a few seconds in the
middle, and prints the requests/s with the inclusive share of the samples of each function of
the hot path (the same list before and after a change makes the comparison). With
`--callees F`, also where the samples under each function F go, one level down (repeatable).

    bench/profile.py [--scenario get_product] [--connections 32] [--catalog build-release/catalog]
    bench/profile.py --database ../bench-cache/catalog-1000000/catalog.db --products 1000000 \
        --scenario post_product --connections 256 --callees drain --callees apply_batch
"""
import argparse
import collections
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
    "catalog::actors::(anonymous namespace)::drain",
    "catalog::projections::CatalogProjection::apply_batch",
    "catalog::actors::ProjectorState::sync_filters",
    "catalog::projections::FilterIndex::refresh",
    "catalog::events::store::SqliteLog::append",
    "catalog::db::Transaction::commit",
    "catalog::projections::FilterIndex::page",
    "catalog::projections::FilterIndex::matches",
    "catalog::db::Checkpointer::run",
    "__libc_pread64",
    "__libc_recvmsg",
    "malloc",
    "free",
]


def stacks(data):
    """The call stacks of `perf script`, leaf first, as function names."""
    out = subprocess.run(["perf", "script", "-i", data], capture_output=True, text=True,
                         check=True).stdout
    for sample in out.split("\n\n"):
        frames = [re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)) for m in
                  re.finditer(r"^\s+[0-9a-f]+\s+(.*?)\s+\(.*\)$", sample, re.M)]
        if frames:
            yield frames


def short(name):
    return re.sub(r"\(.*", "", re.sub(r"<.*>", "<>", name))[:100]


def print_callees(all_stacks, function):
    """The share of all samples under the outermost frame naming `function`, by its callee."""
    below = collections.Counter()
    for frames in all_stacks:
        at = [i for i, f in enumerate(frames) if function in f]
        if at:
            i = max(at)
            below[short(frames[i - 1]) if i > 0 else "(itself)"] += 1
    total = len(all_stacks)
    print(f"under {function}: {100 * sum(below.values()) / total:.1f} % of the samples")
    for name, n in below.most_common(12):
        print(f"  {100 * n / total:6.1f} %  {name}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="get_product", help="a script of bench/lua")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--products", type=int, default=10000)
    p.add_argument("--catalog", default=os.path.join(here, "..", "build-release", "catalog"))
    p.add_argument("--database", help="a copy of this seeded catalog (holding --products "
                   "products; with its -wal, signing key and write model snapshot beside it) "
                   "instead of seeding one")
    p.add_argument("--no-filter-index", action="store_true",
                   help="do not wait for 'filter index loaded', which builds before 8ba2e10 "
                   "never log (they load the index before serving)")
    p.add_argument("--callees", action="append", default=[],
                   help="also break down the samples under this function (repeatable)")
    args = p.parse_args()
    args.catalog = os.path.abspath(args.catalog)
    work = tempfile.mkdtemp(prefix="catalog-profile-")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/catalog.db", PORT=str(port))
    log = open(os.path.join(work, "server.log"), "w")
    if args.database:
        folder, name = os.path.split(os.path.abspath(args.database))
        for f in os.listdir(folder):
            if f.startswith(name) and not f.endswith("-shm"):
                shutil.copy2(os.path.join(folder, f),
                             os.path.join(work, "catalog.db" + f[len(name):]))
    server = Target("catalog", [args.catalog, "serve"], port, env=env, cwd=work, log=log)
    try:
        wait_for(server.base + "/health")
        # The filter index is read on a thread of its own after the start; until it is
        # there, filtered lists run in SQL, which is not what is profiled.
        deadline = time.monotonic() + 300
        while not args.no_filter_index and time.monotonic() < deadline:
            log.flush()
            with open(os.path.join(work, "server.log")) as f:
                if "filter index loaded" in f.read():
                    break
            time.sleep(0.2)
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
        if args.callees:
            all_stacks = list(stacks(data))
            for function in args.callees:
                print_callees(all_stacks, function)
        print(f"perf data: {data}")
    finally:
        server.stop()
        log.close()


if __name__ == "__main__":
    main()
