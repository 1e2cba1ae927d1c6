#!/usr/bin/env python3
"""Runs groups of the acceptance suite (../shared/acceptance) through Stoplight Prism's
validating proxy and reports every answer of the service that /openapi.json does not
describe.

    prism_acceptance.py --suite DIR --prism URL --direct URL GROUP...

Prism validates each request and each response against the document and names what it
found in the `sl-violations` header of the answer it passes on. The suite's HTTP client is
wrapped here to read that header on every answer, so each violation is tied to the request
that caused it. It fails on:
  - any violation of a response (the service answered something the document does not allow);
  - any violation of a request the service accepted (2xx/3xx): the document forbids a
    request the service takes.
A request violation answered with a 4xx is the suite sending bad input on purpose.

What Prism cannot pass on faithfully goes straight to the service (and is not checked):
bodies that are not JSON (Prism would answer 400 itself), and the raw sockets of the
framing and server-sent-events cases. Events are checked through Prism, then read again
from the service for the suite, which hashes their exact text.

Also fails when a case of the suite fails through the proxy: then not every answer the
suite expects was seen, and the reason is printed.
"""
import argparse
import json
import os
import socket
import sys
import types
import urllib.parse


def carries_events(path):
    """The log and the entities' histories: answers whose bytes the suite hashes."""
    route = urllib.parse.urlsplit(path).path
    return route == "/events" or route.endswith("/history")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--suite", required=True, help="the acceptance suite's directory")
    p.add_argument("--prism", required=True, help="Prism's URL, in front of the service")
    p.add_argument("--direct", required=True, help="the service's own URL")
    p.add_argument("groups", nargs="+")
    args = p.parse_args()

    sys.path.insert(0, os.path.abspath(args.suite))
    import client  # noqa: E402  (the suite's)
    import runner  # noqa: E402
    import run  # noqa: E402,F401  (imports every test module: they register their cases)

    prism = urllib.parse.urlsplit(args.prism)
    direct = urllib.parse.urlsplit(args.direct)
    prism_addr = (prism.hostname, prism.port)
    direct_addr = (direct.hostname, direct.port)
    direct_client = client.Client(args.direct)

    answers = []  # (method, path, status, how, violations)
    original = client.Client.request

    def request(self, method, path, body=None, headers=None, raw=None):
        if (self.host, self.port) != prism_addr:
            return original(self, method, path, body=body, headers=headers, raw=raw)
        if raw and not is_json(raw):  # an empty body Prism passes on as it is
            resp = original(direct_client, method, path, body=body, headers=headers, raw=raw)
            answers.append((method, path, resp.status, "direct", []))
            return resp
        resp = original(self, method, path, body=body, headers=headers, raw=raw)
        how = "checked"
        if is_prism_problem(resp):
            how = "prism"  # Prism answered itself; the service never saw the request
        violations = parse_violations(resp.header("sl-violations"))
        if any(v.get("message") == "Selected route not found" for v in violations):
            how = "unmatched"  # no operation of the document: nothing could be checked
        answers.append((method, path, resp.status, how, violations))
        if method == "GET" and resp.status == 200 and carries_events(path):
            # Prism re-encodes JSON numbers (a price of 10.0 comes out as 10), and the suite
            # recomputes each event's hash over the text of its data: Prism's copy was checked
            # against the document, the suite reads the service's own (the log only grows, and
            # the suite sends one request at a time).
            return original(direct_client, method, path, body=body, headers=headers, raw=raw)
        return resp

    client.Client.request = request

    # Raw sockets (framing cases, server-sent events) go to the service itself.
    def create_connection(address, *a, **kw):
        host, port = address[0], address[1]
        if (host, port) == prism_addr:
            address = direct_addr
        return socket.create_connection(address, *a, **kw)

    shim = types.SimpleNamespace(
        **{k: getattr(socket, k) for k in dir(socket) if not k.startswith("__")})
    shim.create_connection = create_connection
    for name, module in list(sys.modules.items()):
        if name.startswith("test_") and getattr(module, "socket", None) is socket:
            module.socket = shim

    groups = tuple(sorted({g for g, _ in runner.CASES}))
    suite_failed = []
    for group in args.groups:
        if group not in groups:
            print(f"no group {group} in the suite (it has {', '.join(groups)})")
            return 2
        print(f"--- acceptance group {group} through Prism", flush=True)
        sys.argv = ["run.py", "--base-url", args.prism, "--group", group]
        try:
            runner.main(groups=groups)
        except SystemExit as e:
            if e.code:
                suite_failed.append(group)

    bad = []
    expected = 0
    counts = {"checked": 0, "unmatched": 0, "prism": 0, "direct": 0}
    for method, path, status, how, violations in answers:
        counts[how] += 1
        if how != "checked":
            continue
        for v in violations:
            where = v.get("location") or []
            side = where[0] if where else ""
            text = f"{method} {path} -> {status}: {'.'.join(map(str, where))} {v.get('message')}"
            if side == "response":
                bad.append("response violation: " + text)
            elif status < 400:
                bad.append("request the service accepted, but the document forbids: " + text)
            else:
                expected += 1

    print("--- Prism's verdict on the service's answers")
    unmatched = sorted({f"{m} {p}" for m, p, _, how, _ in answers if how == "unmatched"})
    print(f"{counts['checked']} answers checked against the document, {len(bad)} violations")
    print(f"{expected} request violations answered with a 4xx (bad input sent on purpose)")
    print(f"{counts['unmatched']} answers to paths the document does not name (not checked): "
          + ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else ""))
    print(f"{counts['direct']} requests sent straight to the service (not JSON for Prism)")
    if counts["prism"]:
        print(f"{counts['prism']} requests Prism answered itself:")
        for m, p, s, how, _ in answers:
            if how == "prism":
                print(f"  {m} {p} -> {s}")
    for line in bad:
        print("VIOLATION " + line)
    if suite_failed:
        print("the acceptance suite failed through Prism in: " + ", ".join(suite_failed))
    if counts["checked"] == 0:
        print("Prism checked no answer at all")
        return 1
    return 1 if bad or suite_failed or counts["prism"] else 0


def is_json(raw):
    try:
        json.loads(raw.decode("utf-8"))
        return True
    except (ValueError, UnicodeDecodeError):
        return False


def is_prism_problem(resp):
    kind = (resp.header("content-type") or "").lower()
    body = resp.json if isinstance(resp.json, dict) else {}
    return "problem+json" in kind and "stoplight.io/prism" in str(body.get("type", ""))


def parse_violations(header):
    if not header:
        return []
    try:
        found = json.loads(header)
    except ValueError:  # "Too many violations! <cut JSON>"
        return [{"location": ["response"], "message": header[:500]}]
    return found if isinstance(found, list) else []


if __name__ == "__main__":
    sys.exit(main())
