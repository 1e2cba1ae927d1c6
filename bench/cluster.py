#!/usr/bin/env python3
"""The cluster benchmark: three nodes on a throwaway PostgreSQL on this machine, beside a
single SQLite node, in one run.

Measures durable writes through the writer (and through a follower, which forwards them),
reads on a follower against the single SQLite node, follower lag under write load (the same
events timed on the writer's and a follower's SSE streams), failover over repeated kill -9
of the writer, and the catch-up of an empty node from a long log. Prints one table with
each goal beside its figure. Run it through bench/run.sh --cluster (which builds first),
with nothing else running.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (wrk, seeding and the server wrapper are shared)

PG = os.path.join(HERE, "..", "scripts", "throwaway-postgres.sh")


def pg(*args):
    return subprocess.run([PG, *args], check=True, capture_output=True, text=True).stdout.strip()


def health(base):
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"{}")
    except OSError:
        return {}


def wait_role(base, roles, seconds=600):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if health(base).get("role") in roles:
            return
        time.sleep(0.05)
    raise SystemExit(f"cluster bench: {base} never became {roles}")


def post(base, path, body, key=None, timeout=30):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers,
                                 method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers, json.loads(r.read())


class Cluster:
    def __init__(self, binary, work, log, nodes=3):
        self.binary, self.work, self.log = binary, work, log
        self.pg_dir = os.path.join(work, "postgres")
        os.makedirs(self.pg_dir)
        os.chmod(work, 0o755)
        pg("init", self.pg_dir, str(bench.free_port()))
        pg("start", self.pg_dir)
        self.url = pg("url", self.pg_dir)
        self.ports = [bench.free_port() for _ in range(nodes)]
        self.procs = [None] * nodes
        for i in range(nodes):
            self.start(i)
        for i in range(nodes):
            wait_role(self.base(i), ("writer", "follower"))

    def base(self, i):
        return f"http://127.0.0.1:{self.ports[i]}"

    def start(self, i, read_model=None):
        d = os.path.join(self.work, f"node{i}")
        os.makedirs(d, exist_ok=True)
        env = dict(os.environ, DATABASE_URL=self.url, PORT=str(self.ports[i]),
                   CATALOG_NODE_URL=self.base(i),
                   CATALOG_READ_MODEL=read_model or os.path.join(d, "read.db"))
        for k in ("TELEGRAM_BOT_API_KEY", "TELEGRAM_USER_ID", "CATALOG_API_TOKEN", "SQL_ECHO"):
            env.pop(k, None)
        self.procs[i] = subprocess.Popen([self.binary, "serve"], env=env, cwd=d, stdout=self.log,
                                         stderr=self.log, start_new_session=True)

    def kill(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()

    def writer(self):
        for i in range(len(self.ports)):
            if self.procs[i] and self.procs[i].poll() is None and \
                    health(self.base(i)).get("role") == "writer":
                return i
        return None

    def wait_writer(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            w = self.writer()
            if w is not None:
                return w
            time.sleep(0.05)
        raise SystemExit("cluster bench: no writer")

    def stop(self):
        for p in self.procs:
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            if p:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
        pg("stop", self.pg_dir)


class SseTimes:
    """Reads a node's event stream from a position and notes when each position arrives."""

    def __init__(self, port, after):
        self.times = {}
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(f"GET /events/stream?after={after} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        pending = b""
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            now = time.monotonic()
            pending += chunk
            lines = pending.split(b"\n")
            pending = lines.pop()
            for line in lines:
                if line.startswith(b"id: "):
                    self.times[int(line[4:])] = now

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--catalog", default=os.path.join(HERE, "..", "build-release", "catalog"))
    p.add_argument("--products", type=int, default=10000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--catch-up-events", type=int, default=1000000,
                   help="events in the log an empty node catches up from (0: skip)")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    args.catalog = os.path.abspath(args.catalog)
    work = tempfile.mkdtemp(prefix="catalog-cluster-bench-")
    log = open(os.path.join(work, "servers.log"), "w")
    rows = []  # (measure, figure, goal, met)
    cluster = single = None
    try:
        # A single SQLite node with the same catalog, for the reads.
        sport = bench.free_port()
        senv = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/single.db", PORT=str(sport))
        single = bench.Target("single", [args.catalog, "serve"], sport, env=senv, cwd=work, log=log)
        bench.wait_for(single.base + "/health")
        cluster = Cluster(args.catalog, work, log)
        w = cluster.wait_writer()
        f = [i for i in range(3) if i != w][0]
        for target in (single.base, cluster.base(w)):
            print(f"seeding {args.products} products into {target} ...", file=sys.stderr,
                  flush=True)
            bench.seed(target, args.products)
        head = health(cluster.base(w))["position"]
        while health(cluster.base(f)).get("position", 0) < head:
            time.sleep(0.1)

        def run(base, script, c, label):
            if args.warmup:
                bench.wrk(base, script, c, args.warmup, args.products)
            r = bench.wrk(base, script, c, args.duration, args.products)
            print(f"  {label:44} c={c:<3} {r['rps']:>9.0f} req/s p50 {r['p50']:6.2f} ms "
                  f"p99 {r['p99']:6.2f} ms errors {r['errors']}", file=sys.stderr, flush=True)
            return r

        # Reads first, while both hold the same seeded catalog (the writes below grow the two
        # differently): a follower against the single node, alternately.
        reads = (("get_product", 32, "GET /products/{id}"),
                 ("get_product", 256, "GET /products/{id}"),
                 ("filter_products", 32, "GET /products/?name=..&tags (scenario 3)"))
        for script, c, what in reads:
            s = run(single.base, script, c, f"{what} single SQLite")
            fr = run(cluster.base(f), script, c, f"{what} follower")
            ratio = fr["rps"] / s["rps"]
            rows.append((f"{what} on a follower vs single SQLite, c={c}",
                         f"{fr['rps']:.0f} vs {s['rps']:.0f} req/s = {ratio * 100:.0f} %",
                         ">= 90 %", "yes" if ratio >= 0.9 else "NO"))

        # Durable writes through the writer, and through a follower.
        for c in (32, 256):
            r = run(cluster.base(w), "post_product", c, "POST via the writer")
            goal = "" if c == 32 else ">= 5000 req/s, p99 <= 30 ms"
            met = "" if c == 32 else ("yes" if r["rps"] >= 5000 and r["p99"] <= 30 else "NO")
            rows.append((f"POST /products/ via the writer, c={c}",
                         f"{r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, "
                         f"{r['errors']} errors", goal, met))
        for c in (32, 256):
            r = run(cluster.base(f), "post_product", c, "POST via a follower")
            rows.append((f"POST /products/ via a follower (forwarded), c={c}",
                         f"{r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, "
                         f"{r['errors']} errors", "", ""))
        r = run(single.base, "post_product", 256, "POST on the single SQLite node")
        rows.append(("POST /products/ on the single SQLite node, c=256",
                     f"{r['rps']:.0f} req/s, p99 {r['p99']:.2f} ms", "", ""))

        # Follower lag under write load: each event timed on the writer's and a follower's
        # event streams.
        head = health(cluster.base(w))["position"]
        on_writer = SseTimes(cluster.ports[w], head)
        on_follower = SseTimes(cluster.ports[f], head)
        time.sleep(0.5)
        run(cluster.base(w), "post_product", 32, "POST via the writer (lag)")
        time.sleep(2)
        on_writer.close()
        on_follower.close()
        lags = [(on_follower.times[pos] - t) * 1000 for pos, t in on_writer.times.items()
                if pos in on_follower.times]
        missing = len(on_writer.times) - len(lags)
        rows.append(("follower lag under writes at c=32 (SSE, writer -> follower)",
                     f"p50 {percentile(lags, 50):.1f} ms, p99 {percentile(lags, 99):.1f} ms, "
                     f"max {max(lags):.1f} ms over {len(lags)} events ({missing} not seen)",
                     "p99 <= 50 ms", "yes" if percentile(lags, 99) <= 50 and not missing else "NO"))

        # Failover: kill -9 of the writer, then the time until a write through another
        # node is acknowledged; the killed node is started again before the next round.
        times = []
        for k in range(args.kills):
            w = cluster.wait_writer()
            other = (w + 1) % 3
            time.sleep(1)
            killed = time.monotonic()
            cluster.kill(w)
            n = 0
            while True:
                n += 1
                try:
                    status, _, _ = post(cluster.base(other), "/tags/",
                                        {"name": f"failover {k} {n} {time.time()}"},
                                        key=f"failover-{k}-{n}", timeout=6)
                    if status == 201:
                        break
                except (urllib.error.HTTPError, OSError):
                    time.sleep(0.02)
            times.append(time.monotonic() - killed)
            print(f"  failover {k + 1}: {times[-1]:.2f} s", file=sys.stderr, flush=True)
            cluster.start(w)
            wait_role(cluster.base(w), ("writer", "follower"))
        if times:
            rows.append((f"failover over {args.kills} kill -9 of the writer (to a 201 via another "
                         "node)",
                         f"median {statistics.median(times):.2f} s, max {max(times):.2f} s",
                         "median <= 2 s", "yes" if statistics.median(times) <= 2 else "NO"))

        # Catch-up of an empty node from a long log.
        if args.catch_up_events:
            w = cluster.wait_writer()
            head = health(cluster.base(w))["position"]
            need = args.catch_up_events - head
            if need > 0:
                print(f"growing the log by {need} events ...", file=sys.stderr, flush=True)
                env = dict(os.environ, BENCH_LUA_DIR=bench.LUA, BENCH_SEED=str(need),
                           BENCH_PRODUCTS=str(args.products))
                t0 = time.monotonic()
                load = subprocess.Popen(
                    ["wrk", "-t1", "-c256", "-d36000s", "--timeout", "30s", "-s",
                     os.path.join(bench.LUA, "seed.lua"), cluster.base(w)],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # Until the log is long enough, or stops growing (seed.lua sends its creates,
                # then only health checks).
                last, still = -1, 0
                while last < args.catch_up_events and still < 5 and load.poll() is None:
                    now = health(cluster.base(w)).get("position", 0)
                    still = still + 1 if now == last else 0
                    last = now
                    time.sleep(1)
                load.terminate()
                load.wait()
                grown = health(cluster.base(w))["position"] - head
                print(f"  grown by {grown} events in {time.monotonic() - t0:.0f} s",
                      file=sys.stderr, flush=True)
            total = health(cluster.base(w))["position"]
            follower = [i for i in range(3) if i != w][0]
            cluster.procs[follower].send_signal(signal.SIGTERM)
            cluster.procs[follower].wait()
            fresh = os.path.join(work, "fresh-read.db")
            t0 = time.monotonic()
            cluster.start(follower, read_model=fresh)
            wait_role(cluster.base(follower), ("follower", "writer"), seconds=3600)
            took = time.monotonic() - t0
            rate = total / took
            rows.append((f"catch-up of an empty node from a {total}-event log",
                         f"{took:.1f} s = {rate:.0f} events/s (start to /health 200)",
                         ">= 100k events/s", "yes" if rate >= 100000 else "NO"))

        print("\ncatalog cluster benchmark: 3 nodes and PostgreSQL 15 on this machine, "
              f"{args.products} products, wrk -t1, {args.duration} s per run after "
              f"{args.warmup} s warm-up")
        width = max(len(r[0]) for r in rows)
        for name, figure, goal, met in rows:
            print(f"{name:<{width}}  {figure:<62} {goal:<28} {met}")
    finally:
        if cluster:
            cluster.stop()
        if single:
            single.stop()
        log.close()
        if args.keep:
            print(f"work directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
