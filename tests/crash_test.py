#!/usr/bin/env python3
"""Crash test: nothing acknowledged is lost across kill -9.

Starts `catalog serve` on a fresh database (with a local fake Telegram Bot API, so the
notifier runs too), drives concurrent writers through HTTP (creates, updates, renames,
deletes), kills the server with SIGKILL at random moments, restarts it, and after every
restart checks:
  - every write that got a 2xx is present with its effect (or with the effect of the one
    write of the same writer that was in flight when the server died, which may or may not
    have been committed);
  - no write that got an error answer (4xx/5xx) is present;
  - positions are gap-free and the hash chain verifies, and the read model equals a replay
    of the log (GET /audit/verify);
  - the notifier resumed: after the run, every event up to the head reaches the fake Bot
    API, in order, each at least once.
Prints the kills survived, the acknowledged writes checked and the failures (must be 0).

    crash_test.py BUILD/catalog [--kills 20] [--writers 6] [--seed N]
"""
import argparse
import http.client
import http.server
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeTelegram:
    """Records the changes every sendMessage carries (a paragraph each); answers ok. Plays
    the bot's side too: getMe, and getUpdates with nothing new after a short wait."""

    def __init__(self):
        self.texts = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # The head and the body go out in two writes: without this, Nagle's algorithm
                # and the client's delayed ACK hold every answer for 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if self.path.endswith("/getUpdates"):
                    time.sleep(0.2)
                    out = b'{"ok":true,"result":[]}'
                elif self.path.endswith("/getMe"):
                    out = b'{"ok":true,"result":{"id":1,"is_bot":true,"username":"CrashBot"}}'
                else:
                    with outer.lock:
                        outer.texts.extend(body.get("text", "").split("\n\n"))
                    out = b'{"ok":true,"result":{"message_id":1}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the notifier's connection dies with every kill: expected

        self.server = Quiet(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Server:
    def __init__(self, binary, work, telegram_port):
        self.binary, self.work = binary, work
        self.port = free_port()
        self.env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/catalog.db", PORT=str(self.port),
                        TELEGRAM_BOT_API_KEY="42:crash-test-token", TELEGRAM_USER_ID="7",
                        TELEGRAM_CHAT_RATE="1000",
                        TELEGRAM_API_BASE=f"http://127.0.0.1:{telegram_port}")
        self.log = open(os.path.join(work, "server.log"), "a")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, cwd=self.work,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"crash test: the server exited with {self.proc.returncode} on start")
            try:
                if request(self.port, "GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("crash test: the server did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def request(port, method, path, body=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def notifier_queue(port):
    """catalog_notifier_queue_events from /metrics: events not yet delivered."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith("catalog_notifier_queue_events "):
            return int(float(line.split()[1]))
    return None


class Writer(threading.Thread):
    """Owns its own products and category, so the expected state after a crash is known: an
    entity is as its last acknowledged write left it, or as one of the writes sent to it
    since then that got no answer (the server died with them in flight) left it."""

    def __init__(self, index, port_of, rng, running):
        super().__init__(daemon=True)
        self.index, self.port_of, self.rng, self.running = index, port_of, rng, running
        self.idle = threading.Event()
        self.done = threading.Event()
        self.products = {}  # id -> acknowledged price, None once a delete was acknowledged
        self.maybe = {}     # id -> prices (None: deleted) of unanswered writes since the ack
        self.category = None  # [id, acknowledged name, [names of unanswered renames]]
        self.refused = []     # (kind, name) of creates answered with an error
        self.acked = 0
        self.counter = 0

    def unique(self, what):
        self.counter += 1
        return f"w{self.index}-{what}-{self.counter}-{self.rng.randrange(1 << 30)}"

    def call(self, method, path, body=None):
        return request(self.port_of(), method, path, body, timeout=5)

    def create(self, kind, path, body):
        try:
            status, answer = self.call("POST", path, body)
        except (OSError, http.client.HTTPException):
            return None  # may exist or not, under an id nobody knows: not checked
        if status >= 300:
            self.refused.append((kind, body["name"]))
            return None
        self.acked += 1
        return answer["id"]

    def change(self, pid, method, path, body, effect):
        self.maybe.setdefault(pid, []).append(effect)
        try:
            status, _ = self.call(method, path, body)
        except (OSError, http.client.HTTPException):
            return  # in flight when the server died: `effect` stays possible
        self.maybe[pid].pop()
        if status < 300:
            self.acked += 1
            self.products[pid] = effect
            self.maybe[pid] = []

    def rename_category(self):
        cid, _, unanswered = self.category
        name = self.unique("cat")
        unanswered.append(name)
        try:
            status, _ = self.call("PUT", f"/categories/{cid}", {"name": name})
        except (OSError, http.client.HTTPException):
            return
        unanswered.pop()
        if status < 300:
            self.acked += 1
            self.category = [cid, name, []]

    def step(self):
        choice = self.rng.random()
        if self.category is None:
            name = self.unique("cat")
            cid = self.create("category", "/categories/", {"name": name})
            if cid is not None:
                self.category = [cid, name, []]
            return
        if choice < 0.1:
            return self.rename_category()
        alive = [i for i, price in self.products.items() if price is not None]
        if not alive or choice < 0.45:
            price = self.rng.randrange(1, 100000) / 4
            name = self.unique("prod")
            pid = self.create("product", "/products/",
                              {"name": name, "price_shmeckles": price, "price_flurbos": 1})
            if pid is not None:
                self.products[pid] = price
                self.maybe[pid] = []
            return
        pid = self.rng.choice(alive)
        if choice < 0.85:
            price = self.rng.randrange(1, 100000) / 4
            return self.change(pid, "PUT", f"/products/{pid}", {"price_shmeckles": price}, price)
        return self.change(pid, "DELETE", f"/products/{pid}", None, None)

    def run(self):
        while not self.done.is_set():
            if not self.running.is_set():
                self.idle.set()
                self.running.wait(0.1)
                continue
            self.idle.clear()
            try:
                self.step()
            except (OSError, http.client.HTTPException):
                pass
            if not self.running.is_set():
                self.idle.set()


def check(port, writers):
    failures = []
    checked = 0
    for w in writers:
        for pid, price in w.products.items():
            allowed = [price] + w.maybe.get(pid, [])
            status, body = request(port, "GET", f"/products/{pid}")
            checked += 1
            now = None if status == 404 else body["price_shmeckles"]
            if status not in (200, 404) or now not in allowed:
                failures.append(f"product {pid}: {status} price {now}, acknowledged {allowed}")
        if w.category:
            cid, name, unanswered = w.category
            status, body = request(port, "GET", f"/categories/{cid}")
            checked += 1
            if status != 200 or body["name"] not in [name] + unanswered:
                failures.append(f"category {cid}: {status} {body}, acknowledged {name}")
        for kind, name in w.refused:
            path = ("/products/?limit=1000&name=" + name) if kind == "product" else "/categories/"
            status, body = request(port, "GET", path)
            checked += 1
            if any(x["name"] == name for x in body):
                failures.append(f"{kind} {name} was refused but is present")
    status, report = request(port, "GET", "/audit/verify", timeout=120)
    checked += 1
    if not report.get("ok"):
        failures.append(f"verify: {report}")
    events = 0
    after = 0
    while True:  # gap-free positions, read back page by page
        status, page = request(port, "GET", f"/events?after={after}&limit=1000")
        if not page:
            break
        for e in page:
            if e["position"] != after + 1:
                failures.append(f"gap in positions after {after}")
            after = e["position"]
            events += 1
    return checked, failures, after


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--writers", type=int, default=6)
    p.add_argument("--seed", type=int, default=int(time.time()))
    args = p.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="catalog-crash-")
    telegram = FakeTelegram()
    server = Server(os.path.abspath(args.binary), work, telegram.port)
    server.start()
    running = threading.Event()
    running.set()
    writers = [Writer(i, lambda: server.port, random.Random(rng.random()), running)
               for i in range(args.writers)]
    for w in writers:
        w.start()
    failures, checked, kills, head = [], 0, 0, 0

    def quiet():
        running.clear()
        for w in writers:
            w.idle.wait(30)

    try:
        for kills in range(1, args.kills + 1):
            time.sleep(rng.uniform(0.2, 1.5))
            server.kill9()
            quiet()  # the writers see the dead server; the check reads a quiet catalog
            server.start()
            c, f, head = check(server.port, writers)
            checked += c
            failures += [f"after kill {kills}: {x}" for x in f]
            running.set()
        quiet()
        # The notifier resumed after every crash: every event up to the head reaches the fake
        # Bot API (at least once, since a crash may repeat the message in flight).
        deadline = time.monotonic() + 120
        queue = None
        while time.monotonic() < deadline:
            with telegram.lock:
                delivered = len(telegram.texts)
            queue = notifier_queue(server.port)
            if delivered >= head and queue == 0:
                break
            time.sleep(0.5)
        if delivered < head or queue != 0:
            failures.append(f"notifier: {delivered} changes for {head} events, {queue} queued")
        server.stop()
    finally:
        for w in writers:
            w.done.set()
        if server.proc and server.proc.poll() is None:
            server.kill9()
    acked = sum(w.acked for w in writers)
    print(f"crash test: {kills} kills survived, {acked} acknowledged writes, {checked} checks, "
          f"{len(failures)} failures (seed {args.seed})")
    for f in failures[:20]:
        print("  FAIL", f)
    if failures:
        print(f"work directory kept: {work}")
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
