#!/usr/bin/env python3
"""Headless Chromium uses GET /docs (Swagger UI: Try it out, Execute) and GET /redoc against the
real binary, offline, and leaves screenshots of both. Standard library only: WebDriver over HTTP.

usage: docs_browser_test.py BUILD/catalog SCREENSHOT_DIR
exit: 0 passed, 1 failed, 77 skipped (no chromium or chromedriver on this machine)
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
CATEGORY = "Portal Guns"


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, probe, timeout=30.0, interval=0.2):
    """Returns probe()'s first truthy value; exceptions count as "not yet"."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Failure:
            raise  # final: no point in waiting longer
        except Exception as e:  # the thing being waited for may not be up yet
            last_error = e
        time.sleep(interval)
    detail = f" (last error: {last_error})" if last_error else ""
    raise Failure(f"timed out after {timeout:.0f}s waiting for {what}{detail}")


def http(method, url, body=None, timeout=30.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Process:
    """A child in its own process group, so ending it also ends what it started
    (chromedriver's Chromium) without touching anything else on the machine."""

    def __init__(self, name, argv, log_path, **kwargs):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, **kwargs)

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise Failure(f"{self.name} exited with status {self.proc.returncode}")
        return True

    def stop(self):
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        # Chromium's helpers may outlive chromedriver; the group id is chromedriver's pid.
        self._signal_group(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()

    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class WebDriver:
    """The few W3C WebDriver commands this test needs."""

    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, payload=None, timeout=60.0):
        status, _, body = http(method, self.base + path, payload, timeout)
        try:
            value = json.loads(body or b"{}").get("value")
        except ValueError:
            raise Failure(f"chromedriver answered {method} {path} with {status}: {body[:200]!r}")
        if status != 200:
            message = value.get("message", "") if isinstance(value, dict) else value
            raise Failure(f"WebDriver {method} {path} failed ({status}): {message}")
        return value

    def start(self, chromium, user_data_dir):
        args = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
            "--disable-default-apps", "--disable-sync", f"--user-data-dir={user_data_dir}",
            "--window-size=1280,2000", "--lang=en-US",
        ]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}}
        self.session = self.call("POST", "/session", caps, timeout=120)["sessionId"]

    def quit(self):
        if self.session:
            try:
                self.call("DELETE", f"/session/{self.session}", timeout=20)
            except Exception:
                pass  # the process group is killed right after anyway
            self.session = None

    def _s(self, path):
        return f"/session/{self.session}{path}"

    def open(self, url):
        self.call("POST", self._s("/url"), {"url": url})

    def run(self, script, *args):
        return self.call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def click(self, element):
        self.call("POST", self._s(f"/element/{element[self.ELEMENT]}/click"), {})

    def screenshot(self, path):
        png = base64.b64decode(self.call("GET", self._s("/screenshot")))
        with open(path, "wb") as f:
            f.write(png)

    def browser_log(self):
        """Console and network errors since the last call; [] where chromedriver has no log."""
        try:
            return self.call("POST", self._s("/se/log"), {"type": "browser"}) or []
        except Failure:
            return []


def check_offline(driver, origin, page):
    """Every resource the page loaded came from the service, and the console has no errors:
    a refused (CSP) or failed load of anything would show there."""
    foreign = driver.run(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(arguments[0]) && !n.startsWith('blob:') "
        "&& !n.startsWith('data:'))", origin)
    if foreign:
        raise Failure(f"{page} loaded resources from outside the service: {foreign}")
    errors = [e.get("message", "") for e in driver.browser_log() if e.get("level") == "SEVERE"]
    if errors:
        raise Failure(f"{page} logged errors in the browser console: {errors}")


# Finds the summary button of the GET operation on `path` in Swagger UI's operation list.
FIND_OPERATION = """
for (const block of document.querySelectorAll('.opblock.opblock-get')) {
  const path = block.querySelector('.opblock-summary-path');
  if (path && path.getAttribute('data-path') === arguments[0])
    return block.querySelector('.opblock-summary-control') || block.querySelector('.opblock-summary');
}
return null;
"""

# Within the open operation on `path`, the first element matching the selector.
IN_OPERATION = """
for (const block of document.querySelectorAll('.opblock.opblock-get.is-open')) {
  const path = block.querySelector('.opblock-summary-path');
  if (path && path.getAttribute('data-path') === arguments[0])
    return block.querySelector(arguments[1]);
}
return null;
"""


def exercise_swagger_ui(driver, origin, shots):
    driver.open(origin + "/docs")
    wait_until("Swagger UI's operation list",
               lambda: driver.run("return document.querySelectorAll('.opblock').length") > 0)
    summary = wait_until("the GET /categories/ operation",
                         lambda: driver.run(FIND_OPERATION, "/categories/"))
    driver.click(summary)
    try_it = wait_until("the Try it out button",
                        lambda: driver.run(IN_OPERATION, "/categories/", ".try-out__btn"))
    driver.click(try_it)
    execute = wait_until("the Execute button",
                         lambda: driver.run(IN_OPERATION, "/categories/", "button.execute"))
    driver.click(execute)
    answer = wait_until("the live response", lambda: driver.run(
        """
        const row = document.querySelector(
          '.opblock.is-open .live-responses-table .response');
        if (!row) return null;
        const status = row.querySelector('.response-col_status');
        const body = row.querySelector('.response-col_description');
        if (!status || !body || !body.innerText.trim()) return null;
        return {status: status.innerText.trim(), body: body.innerText};
        """))
    if answer["status"] != "200":
        raise Failure(f"Swagger UI's Execute got status {answer['status']}: {answer['body'][:300]}")
    if CATEGORY not in answer["body"]:
        raise Failure(f"Swagger UI's response does not show {CATEGORY!r}: {answer['body'][:300]}")
    # Show the opened operation and its response, not the page's header.
    driver.run("""
      const block = document.querySelector('.opblock.is-open');
      window.scrollTo(0, block.getBoundingClientRect().top + window.scrollY - 20);
    """)
    time.sleep(0.5)  # let the scroll settle before the picture
    driver.screenshot(os.path.join(shots, "docs.png"))
    check_offline(driver, origin, "/docs")


def exercise_redoc(driver, origin, shots):
    driver.open(origin + "/redoc")
    items = wait_until("ReDoc's sidebar", lambda: driver.run(
        "const items = document.querySelectorAll('.menu-content [role=menuitem]');"
        "return items.length > 0 ? [...items].map(i => i.innerText) : null;"), timeout=60)
    if not any("categor" in item.lower() for item in items):
        raise Failure(f"ReDoc's sidebar names no categories operation: {items[:20]}")
    wait_until("ReDoc's operation descriptions",
               lambda: driver.run("return document.querySelectorAll('.api-content h2').length") > 0)
    time.sleep(0.5)  # fonts and layout settle after the first paint
    driver.screenshot(os.path.join(shots, "redoc.png"))
    check_offline(driver, origin, "/redoc")


def find_binary(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    catalog, shots = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    chromium = find_binary("chromium", "chromium-browser", "google-chrome")
    chromedriver = find_binary("chromedriver")
    if not chromium or not chromedriver:
        print("SKIP: chromium or chromedriver is not installed (Debian: chromium "
              "chromium-driver)")
        return SKIP
    os.makedirs(shots, exist_ok=True)
    for stale in ("docs.png", "redoc.png", "failure.png"):
        if os.path.exists(os.path.join(shots, stale)):
            os.remove(os.path.join(shots, stale))

    work = tempfile.mkdtemp(prefix="catalog-browser-")
    started = []
    driver = None
    try:
        port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CATALOG_", "TELEGRAM_"))}
        env.update(HOST="127.0.0.1", PORT=str(port),
                   DATABASE_URL=f"sqlite:///{os.path.join(work, 'catalog.db')}")
        server = Process("catalog", [catalog, "serve"], os.path.join(work, "catalog.log"),
                         env=env, cwd=work)
        started.append(server)
        origin = f"http://127.0.0.1:{port}"
        wait_until("the catalog server", lambda: server.check_alive() and
                   http("GET", origin + "/health", timeout=2)[0] == 200)
        status, _, body = http("POST", origin + "/categories/", {"name": CATEGORY})
        if status != 201:
            raise Failure(f"POST /categories/ answered {status}: {body[:200]!r}")
        status, _, _ = http("GET", origin + "/openapi.json")
        if status != 200:
            raise Failure(f"GET /openapi.json answered {status}")

        driver_port = free_port()
        chromedriver_proc = Process("chromedriver", [chromedriver, f"--port={driver_port}"],
                                    os.path.join(work, "chromedriver.log"))
        started.append(chromedriver_proc)
        driver = WebDriver(driver_port)
        wait_until("chromedriver", lambda: chromedriver_proc.check_alive() and
                   driver.call("GET", "/status", timeout=2).get("ready"))
        driver.start(chromium, os.path.join(work, "profile"))

        exercise_swagger_ui(driver, origin, shots)
        exercise_redoc(driver, origin, shots)
        print(f"PASS: /docs executed GET /categories/ (200, {CATEGORY!r}); /redoc rendered; "
              f"screenshots in {shots}")
        return 0
    except Exception as e:  # any failure, expected or not, ends in the same report
        reason = str(e) if isinstance(e, Failure) else f"{type(e).__name__}: {e}"
        print(f"FAIL: {reason}", file=sys.stderr)
        if driver and driver.session:
            try:
                driver.screenshot(os.path.join(shots, "failure.png"))
                print(f"the browser at the failure: {os.path.join(shots, 'failure.png')}",
                      file=sys.stderr)
            except Exception:
                pass
        for p in started:
            print(f"--- last lines of {p.name}'s output:\n{p.tail()}", file=sys.stderr)
        return 1
    finally:
        if driver:
            driver.quit()
        for p in reversed(started):
            p.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
