#!/usr/bin/env python3
"""The audit proofs at scale: the goals of the Merkle tree over the log, in one run.

A log of --events events (10 categories, 50 tags, the rest products, posted as bench.py
seeds) is made by the binary of the commit before the tree (--before-binary, schema revision
0010) and kept in --cache between runs, keyed by the count and that binary's revision. Then:

(d) building the tree of that log: `catalog migrate upgrade` of the binary under test on a
    copy, timed from start to exit (the time it logs for the tree alone is shown beside).
    Goal: <= 10 s at 1,000,000 events. The migrated copy is the database of (a)-(c).
(a) a proof's server time: bench/proof_bench.cpp (catalog_proof_bench) times the handlers'
    work in process, without HTTP, for --pairs random (position, size) pairs of each kind
    (sizes uniform over the log, positions uniform within); beside it, the end-to-end median
    of --requests requests over one keep-alive connection from this script.
    Goal: median <= 0.2 ms.
(b) proofs/s through HTTP: wrk -t1 -c32 with bench/lua/{inclusion,consistency}_proof.lua,
    pairs drawn the same way. Goal: >= 20,000 proofs/s.
(c) the tree's cost on durable writes: wrk POST /products/ at c=32 against the before
    binary on a fresh copy of the log without the tree and the binary under test on a fresh
    copy of the migrated log, alternately, --rounds rounds each; medians compared.
    Goal: <= 5 %.

    bench/proofs.py [--events 1000000] [--duration 10] [--rounds 3] [--before-binary PATH]

Run it through bench/run.sh --proofs (which builds both binaries and catalog_proof_bench)
with nothing else running.
"""
import argparse
import hashlib
import http.client
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (wrk, seeding and the server wrapper are shared)

BASE_COMMIT = "28170b5"
NAMED = 60  # the 10 categories and 50 tags bench.seed creates first, one event each


def note(text):
    print(text, file=sys.stderr, flush=True)


def revision(binary):
    """The commit a binary was built from when its source tree is a clean checkout, else a
    hash of the file itself: the key of the log it seeded."""
    where = os.path.dirname(binary)
    try:
        top = subprocess.run(["git", "-C", where, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", top, "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        if not dirty:
            return subprocess.run(["git", "-C", top, "rev-parse", "--short=7", "HEAD"],
                                  capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        pass
    with open(binary, "rb") as f:
        return "bin-" + hashlib.sha256(f.read()).hexdigest()[:12]


def service_env(db, port=None):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}")
    if port:
        env["PORT"] = str(port)
    for k in ("TELEGRAM_BOT_API_KEY", "TELEGRAM_USER_ID", "CATALOG_API_TOKEN", "SQL_ECHO",
              "CATALOG_READ_MODEL", "CATALOG_NODE_URL", "CATALOG_SIGNING_KEY_FILE"):
        env.pop(k, None)
    return env


def start(binary, db, work, log, name):
    port = bench.free_port()
    server = bench.Target(name, [binary, "serve"], port, env=service_env(db, port), cwd=work,
                          log=log)
    try:
        bench.wait_for(server.base + "/health")
    except BaseException:
        server.stop()
        raise
    return server


def settle(db):
    """Folds the WAL into the file, so that the file alone is the whole database."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ("-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)


def remove_db(db):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)


def copy_db(source, target):
    # The file alone is the database only while its WAL is empty (settle() made it so, and
    # only read-only connections opened it since, which may leave an empty one behind).
    if os.path.exists(source + "-wal") and os.path.getsize(source + "-wal") > 0:
        raise SystemExit(f"proofs: {source} has a WAL that is not empty")
    remove_db(target)
    shutil.copyfile(source, target)


def log_head(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()[0]
    finally:
        con.close()


def seeded_log(args, work, log):
    """The log of --events events made by the before binary, from the cache or made now."""
    os.makedirs(args.cache, exist_ok=True)
    path = os.path.join(args.cache, f"proofs-{args.events}-{args.before_revision}.db")
    if os.path.exists(path):
        note(f"seeded log: {path} (cached)")
        return path
    db = os.path.join(work, "seeding.db")
    server = start(args.before_binary, db, work, log, "before")
    try:
        note(f"seeding {args.events} events with {args.before_binary} ...")
        took = bench.seed(server.base, args.events - NAMED)
        note(f"seeded in {took:.0f} s ({(args.events - NAMED) / took:.0f} products/s)")
    finally:
        server.stop()
    settle(db)
    head = log_head(db)
    if head != args.events:
        raise SystemExit(f"proofs: seeding made {head} events, not {args.events}")
    partial = path[:-3] + ".part.db"  # *.db: ignored by git like the cache itself
    shutil.copyfile(db, partial)
    os.replace(partial, path)  # a seeding cut short leaves nothing under the real name
    remove_db(db)
    note(f"seeded log: {path}")
    return path


def build_tree(args, seeded, after_db):
    """(d): `catalog migrate upgrade` on a copy of the revision-0010 log; its row."""
    copy_db(seeded, after_db)
    env = service_env(after_db)
    before = subprocess.run([args.catalog, "migrate", "current"], env=env, capture_output=True,
                            text=True, check=True).stdout.strip()
    t0 = time.monotonic()
    done = subprocess.run([args.catalog, "migrate", "upgrade"], env=env, capture_output=True,
                          text=True)
    took = time.monotonic() - t0
    if done.returncode != 0:
        raise SystemExit(f"proofs: catalog migrate upgrade failed:\n{done.stdout}{done.stderr}")
    after = subprocess.run([args.catalog, "migrate", "current"], env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    logged = re.search(r"built the Merkle tree of (\d+) logged events in ([\d.]+) s",
                       done.stderr)
    tree = f"; the tree alone {float(logged.group(2)):.1f} s as logged" if logged else ""
    note(f"  migrate upgrade: {before} -> {after} in {took:.2f} s{tree}")
    settle(after_db)
    return (f"(d) building the tree of a {args.events}-event log "
            f"(catalog migrate upgrade, {before.split()[0]} -> {after.split()[0]})",
            f"{took:.2f} s from start to exit{tree}", "<= 10 s", "yes" if took <= 10 else "NO")


def proof_server_time(args, after_db):
    """(a), in process: catalog_proof_bench's table, by kind."""
    out = subprocess.run([args.proof_bench, after_db, str(args.pairs)], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit(f"proofs: catalog_proof_bench failed:\n{out.stderr}")
    note(out.stdout.rstrip())
    kinds = {}
    for line in out.stdout.splitlines():
        m = re.match(r"(inclusion|consistency|tree-head)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+"
                     r"([\d.]+)\s+([\d.]+)$", line)
        if m:
            kinds[m.group(1)] = {"median": float(m.group(3)), "p99": float(m.group(4)),
                                 "hashes": float(m.group(6))}
    return kinds


def percentile(values, pct):
    values = sorted(values)
    return values[min(int(pct / 100 * len(values)), len(values) - 1)]


def end_to_end(port, head, requests):
    """(a), through HTTP: each kind's answer times over one keep-alive connection, in ms."""
    rng = random.Random(17)

    def pair():
        high = rng.randint(1, head)
        return rng.randint(1, high), high
    paths = {
        "inclusion": lambda: "/audit/proof/inclusion?position={}&tree_size={}".format(*pair()),
        "consistency": lambda: "/audit/proof/consistency?first={}&second={}".format(*pair()),
        "tree-head": lambda: f"/audit/tree-head?tree_size={pair()[1]}",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times = {}
    try:
        for kind, path in paths.items():
            taken = []
            for i in range(requests + requests // 10):  # the first tenth untimed
                target = path()
                t0 = time.perf_counter()
                conn.request("GET", target)
                r = conn.getresponse()
                r.read()
                elapsed = time.perf_counter() - t0
                if r.status != 200:
                    raise SystemExit(f"proofs: GET {target} answered {r.status}")
                if i >= requests // 10:
                    taken.append(elapsed * 1000)
            times[kind] = taken
    finally:
        conn.close()
    return times


def write_round(binary, source, db, work, log, name, args):
    copy_db(source, db)
    server = start(binary, db, work, log, name)
    try:
        if args.warmup > 0:
            bench.wrk(server.base, "post_product", 32, args.warmup, 0)
        return bench.wrk(server.base, "post_product", 32, args.duration, 0)
    finally:
        server.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1000000, help="events in the log (> 60)")
    p.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run")
    p.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each")
    p.add_argument("--rounds", type=int, default=3, help="write runs of each binary")
    p.add_argument("--pairs", type=int, default=10000, help="proofs of each kind timed in process")
    p.add_argument("--requests", type=int, default=2000,
                   help="proofs of each kind timed end to end over one connection")
    p.add_argument("--catalog", default=os.path.join(HERE, "..", "build-release", "catalog"),
                   help="the binary under test (with the tree)")
    p.add_argument("--before-binary",
                   default=os.path.join(HERE, "..", "..", "bench-base", "build-release",
                                        "catalog"),
                   help=f"the binary of {BASE_COMMIT}, before the tree")
    p.add_argument("--proof-bench", default=os.path.join(HERE, "..", "build-release", "bench",
                                                         "catalog_proof_bench"),
                   help="bench/proof_bench.cpp, built")
    p.add_argument("--cache", default=os.path.join(HERE, ".cache"),
                   help="where seeded logs are kept between runs")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    if args.events <= NAMED:
        p.error(f"--events must be more than {NAMED}")
    for attr in ("catalog", "before_binary", "proof_bench", "cache"):
        setattr(args, attr, os.path.abspath(getattr(args, attr)))
    for binary in (args.catalog, args.before_binary, args.proof_bench):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"proofs: {binary} is missing (bench/run.sh --proofs builds it)")
    args.before_revision = revision(args.before_binary)
    # A SIGTERM ends the run through the finally blocks below, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = tempfile.mkdtemp(prefix="catalog-proofs-bench-")
    log = open(os.path.join(work, "servers.log"), "w")
    rows = []  # (measure, figure, goal, met)
    try:
        seeded = seeded_log(args, work, log)
        after_db = os.path.join(work, "after-seeded.db")
        tree_row = build_tree(args, seeded, after_db)
        head = log_head(after_db)

        server_time = proof_server_time(args, after_db)

        run_db = os.path.join(work, "run.db")
        copy_db(after_db, run_db)
        server = start(args.catalog, run_db, work, log, "after")
        try:
            e2e = end_to_end(server.port, head, args.requests)
            load = {}
            for kind in ("inclusion", "consistency"):
                script = f"{kind}_proof"
                extra = {"BENCH_EVENTS": str(head)}
                if args.warmup > 0:
                    bench.wrk(server.base, script, 32, args.warmup, 0, extra)
                load[kind] = r = bench.wrk(server.base, script, 32, args.duration, 0, extra)
                note(f"  {kind} proofs c=32 {r['rps']:>9.0f} req/s p50 {r['p50']:6.2f} ms "
                     f"p99 {r['p99']:6.2f} ms errors {r['errors']}")
        finally:
            server.stop()

        for kind in ("inclusion", "consistency", "tree-head"):
            s = server_time[kind]
            median = s["median"] / 1000
            what = "hashes in the path" if kind != "tree-head" else "nodes combined, signed"
            label = f"{kind} proof" if kind != "tree-head" else "tree head (root + Ed25519)"
            rows.append((f"(a) {label}: server time (in process, no HTTP)",
                         f"median {median:.3f} ms, p99 {s['p99'] / 1000:.3f} ms "
                         f"({s['hashes']:.1f} {what})",
                         "median <= 0.2 ms" if kind != "tree-head" else "",
                         ("yes" if median <= 0.2 else "NO") if kind != "tree-head" else ""))
            t = e2e[kind]
            rows.append((f"    {label}: end to end (Python client, one keep-alive connection)",
                         f"median {statistics.median(t):.3f} ms, p99 {percentile(t, 99):.3f} ms "
                         f"over {len(t)}", "", ""))
        for kind in ("inclusion", "consistency"):
            r = load[kind]
            rows.append((f"(b) {kind} proofs through HTTP, wrk -t1 -c32",
                         f"{r['rps']:.0f} proofs/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, "
                         f"{r['errors']} errors", ">= 20000 proofs/s",
                         "yes" if r["rps"] >= 20000 and r["errors"] == 0 else "NO"))

        # (c): the same log, without the tree (before) and with it (after), alternately, each
        # round on a fresh copy.
        before, after = [], []
        for i in range(args.rounds):
            for name, binary, source, out in (("before", args.before_binary, seeded, before),
                                              ("after", args.catalog, after_db, after)):
                r = write_round(binary, source, run_db, work, log, name, args)
                out.append(r)
                note(f"  POST /products/ c=32 round {i + 1} {name:6} {r['rps']:>8.0f} req/s "
                     f"p50 {r['p50']:6.2f} ms p99 {r['p99']:6.2f} ms errors {r['errors']}")
        b = statistics.median(r["rps"] for r in before)
        a = statistics.median(r["rps"] for r in after)
        cost = (b - a) / b * 100
        errors = sum(r["errors"] for r in before + after)
        rows.append((f"(c) POST /products/ c=32, {args.rounds} rounds each, alternated: "
                     f"{args.before_revision} (no tree) vs this build",
                     f"median {b:.0f} vs {a:.0f} req/s = cost {cost:.1f} %, {errors} errors",
                     "cost <= 5 %", "yes" if cost <= 5 and errors == 0 else "NO"))
        rows.append(("    rounds, before / after (req/s; p99 ms)",
                     "  ".join(f"{x['rps']:.0f}/{y['rps']:.0f}" for x, y in zip(before, after)) +
                     "; p99 " + "  ".join(f"{x['p99']:.1f}/{y['p99']:.1f}"
                                          for x, y in zip(before, after)), "", ""))

        rows.append(tree_row)

        print(f"\ncatalog audit proofs benchmark: {head} events (seeded by "
              f"{args.before_revision}, tree built by this build), wrk -t1, {args.duration} s "
              f"per run after {args.warmup} s warm-up")
        width = max(len(r[0]) for r in rows)
        for name, figure, goal, met in rows:
            print(f"{name:<{width}}  {figure:<62} {goal:<18} {met}")
    finally:
        log.close()
        if args.keep:
            note(f"work directory: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
