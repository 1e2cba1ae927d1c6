#!/usr/bin/env python3
"""The notifier under load: the bot's subscribers, and what an unreachable Telegram does to
the latency of writes.

1. Subscribers (the goals of issue 17): a catalog of 10 categories, 50 tags and --events
   products (one event each) is made first, without the bot. Then subscribers are written
   into its tables, each at position 0, so every event is pending for them when the service
   starts with the bot on, limits lifted, against the fake Bot API (bench/fake_bot.cpp, the
   tests' fake). Mixed follows: 100 chats follow nothing (every change), 400 a category, 400
   a tag, 100 one to three products; the "quiet" run adds --quiet chats that follow
   categories, tags and products no event touches. Reported: routing per change (the
   service's own histogram: median bucket and mean), rendering the text, messages and
   sendMessage/s (first to last arrival), and the resident memory per subscriber (100,000
   subscribers with nothing pending against none). Then the default limits (1 a second per
   chat, 30 in all) for --duration seconds: the rate the fake sees.
2. Writes: wrk POST /products/ at 32 connections for --duration seconds against the service
   (a) without Telegram, (b) with Telegram at a closed port (connections refused), (c) with a
   black hole that accepts connections and never answers, (d) with the fake Bot API up.

    bench/notifier.py [--events 10000] [--quiet 9000] [--duration 10]

Run it through the Release build (bench/run.sh --notifier builds it) with nothing else running.
"""
import argparse
import http.server
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Target, free_port, post, seed, wait_for, wrk  # noqa: E402

TOKEN = "123456:bench-token"


class FakeBotApi(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), BotHandler)
        self.arrivals = []
        self.lock = threading.Lock()


class BotHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the service's client expects

    def setup(self):
        super().setup()
        # Head and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer for 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/getUpdates"):
            time.sleep(1)  # a long poll with nothing new
            body = b'{"ok":true,"result":[]}'
        elif self.path.endswith("/getMe"):
            body = b'{"ok":true,"result":{"id":1,"is_bot":true,"username":"BenchBot"}}'
        else:
            with self.server.lock:
                self.server.arrivals.append(time.monotonic())
            body = b'{"ok":true,"result":{"message_id":1}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def black_hole():
    """A listening socket that never accepts: connects succeed, answers never come."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    return s


def start_service(work, name, telegram_base, named=True):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/{name}.db", PORT=str(port))
    for key in ("TELEGRAM_BOT_API_KEY", "TELEGRAM_USER_ID", "TELEGRAM_API_BASE"):
        env.pop(key, None)
    if telegram_base:
        env.update(TELEGRAM_BOT_API_KEY=TOKEN, TELEGRAM_USER_ID="42",
                   TELEGRAM_API_BASE=telegram_base)
    log = open(os.path.join(work, f"{name}.log"), "w")
    server = Target(name, [ARGS.catalog, "serve"], port, env=env, cwd=work, log=log)
    wait_for(server.base + "/health")
    if named:  # the categories and tags the products of bench/lua name
        for i in range(10):
            post(server.base, "/categories/", {"name": f"Category {i + 1}"})
        for i in range(50):
            post(server.base, "/tags/", {"name": f"Tag {i + 1}"})
    return server, log


class FakeBot:
    """bench/fake_bot.cpp in its own process: the tests' fake Bot API."""

    def __init__(self):
        self.proc = subprocess.Popen([ARGS.fake_bot], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.base = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def count(self):
        return int(self.ask("count"))

    def arrivals(self, work):
        path = os.path.join(work, "arrivals.txt")
        self.ask("dump " + path)
        with open(path) as f:
            return [float(line.split()[0]) for line in f]

    def close(self):
        self.ask("quit")
        self.proc.wait()


def metrics(base):
    with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
        return r.read().decode()


def sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return float("nan")


def histogram(text, name):
    """(median bucket's upper bound, mean), in microseconds."""
    buckets = []
    for line in text.splitlines():
        if line.startswith(name + "_bucket{le="):
            le = line.split('"')[1]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[1])))
    total = sample(text, name + "_count")
    mean = sample(text, name + "_sum") / total * 1e6 if total else float("nan")
    for bound, cumulative in buckets:
        if cumulative >= total / 2:
            return bound * 1e6, mean
    return float("nan"), mean


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def seeded_catalog(work):
    """10 categories, 50 tags and ARGS.events products, made without the bot: its file."""
    server, log = start_service(work, "seeded", None, named=False)
    try:
        seed(server.base, ARGS.events)
    finally:
        server.stop()
        log.close()
    return os.path.join(work, "seeded.db")


def write_subscribers(db, quiet, position, mixed=True):
    """The subscribers of a run, straight into the store's tables."""
    rng = random.Random(17)
    con = sqlite3.connect(db)
    now = int(time.time() * 1000)
    rows, follows = [], []
    chat = 1000
    def add(kind_ids):
        nonlocal chat
        chat += 1
        rows.append((chat, position, now))
        for kind, entity in kind_ids:
            follows.append((chat, kind, entity, now))
    if mixed:
        for _ in range(100):
            add([])
        for _ in range(400):
            add([("category", rng.randint(1, 10))])
        for _ in range(400):
            add([("tag", rng.randint(11, 60))])
        for _ in range(100):
            add([("product", rng.randint(61, 60 + ARGS.events)) for _ in range(rng.randint(1, 3))])
    for i in range(quiet):
        # Things no event of the run touches: ids past every one the catalog gave.
        kind = ("category", "tag", "product")[i % 3]
        add([(kind, 10_000_000 + i)])
    con.executemany("INSERT INTO subscribers (chat_id, position, subscribed_at) VALUES (?,?,?)",
                    rows)
    con.executemany("INSERT INTO subscriber_follows (chat_id, kind, entity_id, followed_at) "
                    "VALUES (?,?,?,?)", follows)
    con.commit()
    con.close()
    return len(rows)


def bot_service(work, name, fake, rates=("1000000000", "1000000000")):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/{name}.db", PORT=str(port),
               TELEGRAM_BOT_API_KEY=TOKEN, TELEGRAM_API_BASE=fake.base,
               TELEGRAM_CHAT_RATE=rates[0], TELEGRAM_GLOBAL_RATE=rates[1])
    env.pop("TELEGRAM_USER_ID", None)
    log = open(os.path.join(work, f"{name}.log"), "w")
    server = Target(name, [ARGS.catalog, "serve"], port, env=env, cwd=work, log=log)
    wait_for(server.base + "/health")
    return server, log


def delivered_all(server, fake, timeout=900):
    """Waits until no chat has anything pending and the fake saw the last message."""
    deadline = time.monotonic() + timeout
    last, still = -1, 0
    while time.monotonic() < deadline:
        text = metrics(server.base)
        count = fake.count()
        if sample(text, "catalog_notifier_queue_events") == 0 and count == last:
            still += 1
            if still >= 4:
                return text
        else:
            still = 0
        last = count
        time.sleep(0.25)
    raise SystemExit("subscribers: not everything was delivered in time")


def subscribers_run(work, seeded, label, quiet):
    name = f"subs-{quiet}"
    shutil.copy(seeded, os.path.join(work, name + ".db"))
    chats = write_subscribers(os.path.join(work, name + ".db"), quiet, 0)
    fake = FakeBot()
    server, log = bot_service(work, name, fake)
    try:
        text = delivered_all(server, fake)
        arrivals = fake.arrivals(work)
        rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0
        route = histogram(text, "catalog_notifier_route_seconds")
        render = histogram(text, "catalog_notifier_render_seconds")
        print(f"  {label:44} {chats:>7} {route[0]:>9.0f} {route[1]:>9.1f} {render[1]:>9.1f} "
              f"{len(arrivals):>9} {rate:>10.0f}", flush=True)
    finally:
        server.stop()
        log.close()
        fake.close()


def memory_run(work, seeded, subscribers):
    name = f"memory-{subscribers}"
    db = os.path.join(work, name + ".db")
    shutil.copy(seeded, db)
    con = sqlite3.connect(db)
    head = con.execute("SELECT max(position) FROM events").fetchone()[0]
    con.close()
    write_subscribers(db, subscribers, head, mixed=False)
    fake = FakeBot()
    server, log = bot_service(work, name, fake)
    try:
        time.sleep(3)
        return rss_mb(server.server_pid())
    finally:
        server.stop()
        log.close()
        fake.close()


def default_limits_run(work, seeded):
    name = "subs-defaults"
    shutil.copy(seeded, os.path.join(work, name + ".db"))
    write_subscribers(os.path.join(work, name + ".db"), 0, 0)
    fake = FakeBot()
    server, log = bot_service(work, name, fake, rates=("1", "30"))
    try:
        time.sleep(2)
        before, started = fake.count(), time.monotonic()
        time.sleep(ARGS.duration)
        got = fake.count() - before
        pending = sample(metrics(server.base), "catalog_notifier_queue_events")
        print(f"  default limits (1/s a chat, 30/s in all), {ARGS.duration} s: "
              f"{got / (time.monotonic() - started):.1f} sendMessage/s, "
              f"the most pending for one chat {pending:.0f}")
    finally:
        server.stop()
        log.close()
        fake.close()


def subscribers(work):
    seeded = seeded_catalog(work)
    print(f"Subscribers: {ARGS.events + 60} events pending for every chat, limits lifted:")
    print(f"  {'':44} {'chats':>7} {'route':>9} {'route':>9} {'render':>9} "
          f"{'messages':>9} {'sends/s':>10}")
    print(f"  {'':44} {'':>7} {'p50 <= us':>9} {'mean us':>9} {'mean us':>9}")
    subscribers_run(work, seeded, "1,000 mixed", 0)
    subscribers_run(work, seeded, f"1,000 mixed + {ARGS.quiet:,} following other things",
                    ARGS.quiet)
    none = memory_run(work, seeded, 0)
    many = memory_run(work, seeded, 100_000)
    print(f"  memory: {none:.1f} MB with no subscriber, {many:.1f} MB with 100,000 "
          f"(nothing pending): {(many - none) * 1024 * 1024 / 100_000:.0f} bytes a subscriber")
    default_limits_run(work, seeded)


def writes(work):
    fake = FakeBotApi()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    hole = black_hole()
    closed = free_port()  # bound and released: nothing listens there
    cases = [
        ("no Telegram", None),
        ("Telegram refusing connections", f"http://127.0.0.1:{closed}"),
        ("Telegram a black hole", f"http://127.0.0.1:{hole.getsockname()[1]}"),
        ("Telegram up (fake)", f"http://127.0.0.1:{fake.server_port}"),
    ]
    print(f"POST /products/, wrk -t1 -c32, {ARGS.duration} s each after a 3 s warm-up:")
    print(f"  {'':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for i, (label, base) in enumerate(cases):
        server, log = start_service(work, f"writes{i}", base)
        try:
            wrk(server.base, "post_product", 32, 3, 0)
            r = wrk(server.base, "post_product", 32, ARGS.duration, 0)
            print(f"  {label:32} {r['rps']:8.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['errors']:7}",
                  flush=True)
        finally:
            server.stop()
            log.close()
    fake.shutdown()
    hole.close()


def main():
    global ARGS
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=10000)
    p.add_argument("--quiet", type=int, default=9000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--no-writes", action="store_true", help="only the subscribers part")
    p.add_argument("--catalog", default=os.path.join(here, "..", "build-release", "catalog"))
    p.add_argument("--fake-bot",
                   default=os.path.join(here, "..", "build-release", "bench", "catalog_fake_bot"))
    ARGS = p.parse_args()
    work = tempfile.mkdtemp(prefix="catalog-notifier-bench-")
    subscribers(work)
    if not ARGS.no_writes:
        writes(work)
    print(f"logs: {work}")


if __name__ == "__main__":
    main()
