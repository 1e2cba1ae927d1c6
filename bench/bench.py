#!/usr/bin/env python3
"""The catalog benchmark: the service, the HTTP ceiling and the FastAPI original, side by side.

Starts each on a fresh database, seeds it through its API (10 categories, 50 tags, N products
with 0-3 tags), runs wrk for every scenario (-t1, 32 and 256 connections, a warm-up, then a
measured run), each run on a fresh process with the seeded database restored, and prints one
table with requests/s, p50, p99, errors, peak RSS and the ratios.
Run it through bench/run.sh, which builds what it needs first.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
LUA = os.path.join(HERE, "lua")

SCENARIOS = [
    ("1", "GET /products/{id}", "get_product"),
    ("2", "GET /products/?limit=100", "list_products"),
    ("3", "GET /products/?name=…&price&tag_ids=1,2&limit=50", "filter_products"),
    ("4", "POST /products/", "post_product"),
    ("5", "PUT /products/{id} (price)", "put_product"),
    ("6", "mix: 90 % 1-3, 10 % 4-5", "mix"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=600):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"bench: {url} did not answer")


def post(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def total_products(base):
    with urllib.request.urlopen(base + "/products/?limit=1", timeout=30) as r:
        return int(r.headers.get("X-Total-Count") or len(json.loads(r.read())))


def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def wrk(base, script, connections, seconds, products, extra_env=None):
    env = dict(os.environ, BENCH_LUA_DIR=LUA, BENCH_PRODUCTS=str(products), **(extra_env or {}))
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
           "-s", os.path.join(LUA, script + ".lua"), base]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def seed(base, products):
    for i in range(10):
        post(base, "/categories/", {"name": f"Category {i + 1}"})
    for i in range(50):
        post(base, "/tags/", {"name": f"Tag {i + 1}"})
    env = dict(os.environ, BENCH_LUA_DIR=LUA, BENCH_SEED=str(products))
    started = time.monotonic()
    # wrk's thread stops itself after BENCH_SEED answers, but wrk itself waits out -d: so it
    # is stopped here once the count stops growing. Its first request() is built and never
    # sent, so one product (or a few, after an error) is left to add one by one.
    load = subprocess.Popen(["wrk", "-t1", "-c32", "-d36000s", "--timeout", "30s", "-s",
                             os.path.join(LUA, "seed.lua"), base], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        have, unchanged = -1, 0
        while load.poll() is None and unchanged < 4:
            time.sleep(0.5)
            now = total_products(base)
            unchanged = unchanged + 1 if now == have else 0
            have = now
    finally:  # an interrupted seeding must not leave wrk at a server that is gone
        load.terminate()
        load.wait()
    while have < products:
        have += 1
        post(base, "/products/", {"name": f"seeded product {have}", "price_shmeckles": 10.5,
                                  "price_flurbos": 7, "category_id": 1, "tag_ids": [1, 2]})
    have = total_products(base)
    if have < products:
        raise SystemExit(f"bench: seeding {base} made {have} products of {products}")
    return time.monotonic() - started


class Target:
    """A server under test, started in its own process group and stopped by that group."""

    def __init__(self, name, cmd, port, env=None, cwd=None, log=None):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=log,
                                     start_new_session=True)

    def server_pid(self):
        # run.sh execs uvicorn and our binary is started directly: the child is the server.
        return self.proc.pid

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def measure(start, products, args, scenarios, restore=None):
    """Runs each scenario at each connection count on a fresh process of start(), the seeded
    database restored first (writes would otherwise grow the catalog from run to run)."""
    rows, peak = {}, 0.0
    for number, _, script in scenarios:
        for c in args.connections:
            if restore:
                restore()
            target = start()
            try:
                if args.warmup > 0:
                    wrk(target.base, script, c, args.warmup, products)
                rows[(number, c)] = r = wrk(target.base, script, c, args.duration, products)
                r["rss"] = peak_rss_mb(target.server_pid())
                peak = max(peak, r["rss"])
                # What the run left: the creates grow the catalog well past N.
                r["products_after"] = products
                if number in "456":
                    try:
                        r["products_after"] = total_products(target.base)
                    except (OSError, ValueError):
                        r["products_after"] = -1  # unknown; the table says so
            finally:
                target.stop()  # a failed wrk run must not leave the server running
            print(f"  {target.name:8} scenario {number} c={c:<3} {r['rps']:>10.0f} req/s "
                  f"p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  errors {r['errors']}",
                  file=sys.stderr, flush=True)
    return rows, peak


def keeper(db):
    """Saves the database files of a stopped server and puts them back before each run."""
    files = [db, db + "-wal", db + "-shm", db + "-journal"]
    saved = db + ".seeded"
    os.makedirs(saved, exist_ok=True)
    for f in files:
        if os.path.exists(f):
            shutil.copy2(f, os.path.join(saved, os.path.basename(f)))

    def restore():
        for f in files:
            if os.path.exists(f):
                os.remove(f)
            copy = os.path.join(saved, os.path.basename(f))
            if os.path.exists(copy):
                shutil.copy2(copy, f)
    return restore


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--products", type=int, default=10000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--connections", default="32,256")
    p.add_argument("--catalog", default=os.path.join(HERE, "..", "build-release", "catalog"))
    p.add_argument("--ceiling", default=os.path.join(HERE, "..", "build-release", "bench",
                                                     "catalog_ceiling"))
    p.add_argument("--peer", default=os.path.join(HERE, "..", "..", "shared", "peers", "fastapi",
                                                  "run.sh"))
    p.add_argument("--no-peer", action="store_true", help="skip the FastAPI original")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--scenarios", default="1,2,3,4,5,6", help="which scenarios to run")
    p.add_argument("--database", help="start from a copy of this seeded catalog database "
                   "(it must hold --products products) instead of seeding one")
    args = p.parse_args()
    args.connections = [int(c) for c in args.connections.split(",")]
    # The servers run in the work directory: paths given relative to here must still hold.
    for attr in ("catalog", "ceiling", "peer", "database"):
        if getattr(args, attr):
            setattr(args, attr, os.path.abspath(getattr(args, attr)))
    wanted = args.scenarios.split(",")
    scenarios = [s for s in SCENARIOS if s[0] in wanted]
    work = tempfile.mkdtemp(prefix="catalog-bench-")
    log = open(os.path.join(work, "servers.log"), "w")
    results = {}
    try:
        # The service.
        port = free_port()
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/catalog.db", PORT=str(port))
        for k in ("TELEGRAM_BOT_API_KEY", "TELEGRAM_USER_ID", "CATALOG_API_TOKEN", "SQL_ECHO"):
            env.pop(k, None)
        db = os.path.join(work, "catalog.db")

        def start_ours():
            t = Target("catalog", [args.catalog, "serve"], port, env=env, cwd=work, log=log)
            wait_for(t.base + "/health")
            return t
        if args.database:
            shutil.copy2(args.database, db)
        ours = start_ours()
        try:
            if not args.database:
                print(f"catalog: seeding {args.products} products ...", file=sys.stderr,
                      flush=True)
                seed_s = seed(ours.base, args.products)
                print(f"catalog: seeded in {seed_s:.1f} s "
                      f"({args.products / seed_s:.0f} products/s)", file=sys.stderr, flush=True)
            with urllib.request.urlopen(ours.base + "/products/1", timeout=10) as r:
                body_bytes = len(r.read())
        finally:
            ours.stop()
        restore = keeper(db)

        # Start-up to serving, on the seeded database.
        t0 = time.monotonic()
        start_ours().stop()
        results["startup_s"] = time.monotonic() - t0
        results["catalog"], results["catalog_rss"] = measure(start_ours, args.products, args,
                                                             scenarios, restore)

        # The ceiling: the same body size as scenario 1's answer.
        cport = free_port()

        def start_ceiling():
            t = Target("ceiling", [args.ceiling, str(cport), str(body_bytes), "2"], cport, log=log)
            wait_for(t.base + "/")
            return t
        results["ceiling"], _ = measure(start_ceiling, args.products, args,
                                        [s for s in scenarios if s[0] == "1"])

        # The FastAPI original, seeded the same way.
        if not args.no_peer and os.path.exists(args.peer):
            pport = free_port()
            peer_db = os.path.join(work, "peer.db")

            def start_peer():
                t = Target("fastapi", [args.peer, str(pport), peer_db], pport, log=log)
                wait_for(t.base + "/products/")
                return t
            peer = start_peer()
            print(f"fastapi: seeding {args.products} products ...", file=sys.stderr, flush=True)
            seed(peer.base, args.products)
            peer.stop()
            results["fastapi"], results["fastapi_rss"] = measure(
                start_peer, args.products, args, scenarios, keeper(peer_db))
        print_table(results, args, body_bytes, scenarios)
    finally:
        log.close()
        if args.keep:
            print(f"work directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def print_table(results, args, body_bytes, scenarios):
    ours, ceiling, peer = results["catalog"], results["ceiling"], results.get("fastapi")
    print(f"\ncatalog benchmark: {args.products} products, wrk -t1, {args.duration} s per run "
          f"after {args.warmup} s warm-up; ceiling body {body_bytes} bytes")
    head = (f"{'scenario':<48} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'err':>5}"
            f" {'vs ceiling':>10} {'FastAPI req/s':>13} {'FA p99 ms':>9} {'vs FastAPI':>10}")
    print(head)
    print("-" * len(head))
    for number, title, _ in scenarios:
        for c in args.connections:
            r = ours[(number, c)]
            line = (f"{number + '. ' + title:<48} {c:>5} {r['rps']:>9.0f} {r['p50']:>8.2f} "
                    f"{r['p99']:>8.2f} {r['errors']:>5}")
            ceil = ceiling.get((number, c)) if number == "1" else None
            line += f" {r['rps'] / ceil['rps'] * 100:>9.0f}%" if ceil else f" {'':>10}"
            if peer:
                f = peer[(number, c)]
                ratio = r["rps"] / f["rps"] if f["rps"] else float("inf")
                line += f" {f['rps']:>13.0f} {f['p99']:>9.1f} {ratio:>9.0f}x"
            print(line)
    for c in args.connections if ceiling else []:
        cr = ceiling[("1", c)]
        print(f"ceiling (Beast, fixed body) c={c}: {cr['rps']:.0f} req/s, p50 {cr['p50']:.2f} ms, "
              f"p99 {cr['p99']:.2f} ms")
    reads = [r["rss"] for (n, _), r in ours.items() if n in "123"]
    if reads:
        print(f"catalog peak RSS while reading {args.products} products (scenarios 1-3): "
              f"{max(reads):.0f} MB")
    largest = max(r["products_after"] for r in ours.values())
    print(f"catalog peak RSS over every run: {results['catalog_rss']:.0f} MB (the writes left up "
          f"to {largest} products); start-up to serving on the seeded database: "
          f"{results['startup_s']:.2f} s")
    if peer:
        print(f"FastAPI peak RSS: {results['fastapi_rss']:.0f} MB")


if __name__ == "__main__":
    main()
