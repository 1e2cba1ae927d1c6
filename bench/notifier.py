#!/usr/bin/env python3
"""The notifier under load: how fast it delivers to a local fake Bot API, and what an
unreachable Telegram does to the latency of writes.

1. Delivery: the service with TELEGRAM_API_BASE pointing at a fake Bot API on loopback (it
   answers {"ok":true} at once and records each message's arrival); N creates through wrk;
   the rate is messages over the time from the first to the last arrival, and the lag is how
   long after the last write the last message arrived.
2. Writes: wrk POST /products/ at 32 connections for --duration seconds against the service
   (a) without Telegram, (b) with Telegram at a closed port (connections refused), (c) with a
   black hole that accepts connections and never answers, (d) with the fake Bot API up.

    bench/notifier.py [--messages 20000] [--duration 10]

Run it through the Release build (bench/run.sh builds it) with nothing else running.
"""
import argparse
import http.server
import json
import os
import socket
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


def delivery(work):
    fake = FakeBotApi()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    server, log = start_service(work, "delivery", f"http://127.0.0.1:{fake.server_port}",
                                named=False)
    try:
        # 10 categories, 50 tags and the products: one message each.
        seed(server.base, ARGS.messages)
        writes_done = time.monotonic()
        with urllib.request.urlopen(server.base + "/health", timeout=10) as r:
            expected = json.loads(r.read())["position"]
        deadline = writes_done + 600
        while time.monotonic() < deadline:
            with fake.lock:
                if len(fake.arrivals) >= expected:
                    break
            time.sleep(0.05)
        with fake.lock:
            got = list(fake.arrivals)
        if len(got) < expected:
            print(f"delivery: only {len(got)} of {expected} messages arrived in 600 s")
            return
        rate = (len(got) - 1) / (got[-1] - got[0])
        print(f"delivery: {len(got)} messages at {rate:.0f} messages/s (first to last arrival); "
              f"the last arrived {got[-1] - writes_done:.2f} s after the last write was answered")
    finally:
        server.stop()
        log.close()
        fake.shutdown()


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
    p.add_argument("--messages", type=int, default=20000)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--catalog", default=os.path.join(here, "..", "build-release", "catalog"))
    ARGS = p.parse_args()
    work = tempfile.mkdtemp(prefix="catalog-notifier-bench-")
    delivery(work)
    writes(work)
    print(f"logs: {work}")


if __name__ == "__main__":
    main()
