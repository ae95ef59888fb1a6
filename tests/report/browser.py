"""Load a page in headless Chromium over the DevTools protocol (--remote-debugging-pipe) and collect its errors.

No browser driver is needed: Chromium reads NUL-terminated JSON commands on fd 3 and writes replies and
events on fd 4. Errors are console.error calls, uncaught exceptions and log entries of level error
(which include resources that failed to load, e.g. a missing image).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """Path of a Chromium-family browser on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b""
        self.next_id = 0

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, deadline: float) -> dict | None:
        import select

        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                return None
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)


def page_errors(browser: str, page: Path, timeout_s: float = 60.0) -> list[str]:
    """Open `page` (a local file) and return every console / page error seen until it has loaded."""
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")

    def child_fds() -> None:
        # The browser reads commands on fd 3 and writes on fd 4; move both ends out of the way
        # first so neither dup2 clobbers the other.
        import fcntl

        cmd_in = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.dup2(cmd_in, 3)
        os.dup2(out, 4)

    proc = subprocess.Popen(
        [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--remote-debugging-pipe",
         f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        pass_fds=(3, 4), preexec_fn=child_fds)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(to_chrome_w, from_chrome_r)
    errors: list[str] = []
    deadline = time.monotonic() + timeout_s
    try:
        pipe.send("Target.createTarget", {"url": "about:blank"})
        target = session = None
        loaded = False
        nav_id = None
        while time.monotonic() < deadline:
            msg = pipe.read(deadline)
            if msg is None:
                break
            if target is None and "result" in msg and "targetId" in msg["result"]:
                target = msg["result"]["targetId"]
                pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})
            elif session is None and "result" in msg and "sessionId" in msg["result"]:
                session = msg["result"]["sessionId"]
                for method in ("Runtime.enable", "Log.enable", "Page.enable"):
                    pipe.send(method, session=session)
                nav_id = pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            elif msg.get("id") == nav_id and "errorText" in msg.get("result", {}):
                errors.append(f"navigation: {msg['result']['errorText']}")
                break
            method = msg.get("method")
            params = msg.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                errors.append("exception: " + params["exceptionDetails"].get("text", ""))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
            elif method == "Page.loadEventFired":
                loaded = True
                # Late log events (a failed image) arrive around the load event: drain briefly.
                settle = time.monotonic() + 1.0
                while time.monotonic() < settle:
                    late = pipe.read(settle)
                    if late is None:
                        break
                    if late.get("method") == "Log.entryAdded" and late["params"]["entry"].get("level") == "error":
                        errors.append(f"log: {late['params']['entry'].get('text')}")
                    elif late.get("method") == "Runtime.consoleAPICalled" and \
                            late["params"].get("type") in ("error", "assert"):
                        errors.append("console: error")
                break
        if not loaded and not errors:
            errors.append("the page never finished loading")
    finally:
        try:
            pipe.send("Browser.close")
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        shutil.rmtree(profile, ignore_errors=True)
    return errors
