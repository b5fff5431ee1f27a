"""A small headless Chromium driver over the DevTools protocol, for tours against a live Odoo.

Odoo's own ``HttpCase`` drives Chromium inside Odoo's test runner, on its test cursor; the
end-to-end tests need the same against a separate Odoo server process, where the worker's
commits are seen. This driver starts Debian's ``chromium`` headless in its own process group
with a throw-away profile, talks to its one page over the DevTools WebSocket
(``websocket-client``), keeps every console message and uncaught exception, and runs a tour the
way a user's browser would: log in on ``/web/login``, open ``/odoo?debug=tests`` (which loads the
test assets with the tours), call ``odoo.startTour(name, {mode: "auto"})`` and wait for the tour
to log "tour succeeded" or an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SUCCESS = "tour succeeded"


class BrowserError(AssertionError):
    """The browser failed, or what ran in it did; the message carries its console."""


@dataclass
class ConsoleLine:
    level: str  # log, info, warning, error, exception, ...
    text: str
    at: float

    def __str__(self) -> str:
        return f"[{self.at:7.1f}s {self.level}] {self.text}"


def find_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM_BIN")
    if configured:
        return configured if shutil.which(configured) else None
    return next((path for name in CHROMIUM_CANDIDATES if (path := shutil.which(name))), None)


def _remote_text(obj: dict[str, Any]) -> str:
    if "value" in obj:
        value = obj["value"]
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return str(obj.get("description") or obj.get("unserializableValue") or obj.get("type", ""))


class Chromium:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, workdir: Path, executable: str, width: int = 1366, height: int = 768):
        self.workdir = workdir
        self.profile = workdir / "chromium-profile"
        self.executable = executable
        self.size = (width, height)
        self.console: list[ConsoleLine] = []
        self._started = time.monotonic()
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._ws: websocket.WebSocket | None = None

    # -- life cycle --------------------------------------------------------------------------

    def __enter__(self) -> Chromium:
        self.profile.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / "chromium.log").open("wb")
        self._proc = subprocess.Popen(
            [
                self.executable,
                "--headless",
                "--no-sandbox",  # tests run as root in containers
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                f"--window-size={self.size[0]},{self.size[1]}",
                "about:blank",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        try:
            self._connect()
            self.send("Runtime.enable")
            self.send("Page.enable")
            self.send("Log.enable")
            width, height = self.size
            self.send(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                self._ws.close()
            self._ws = None
        if self._proc is not None:
            if self._proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGTERM)
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self._proc.pid, signal.SIGKILL)
                    self._proc.wait(timeout=10)
            else:  # the leader is gone: its renderers must not outlive it
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc = None
        shutil.rmtree(self.profile, ignore_errors=True)

    def _connect(self, timeout: float = 30) -> None:
        """Chromium writes its DevTools port to DevToolsActivePort; connect to its page."""
        assert self._proc is not None
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise BrowserError(
                    f"{self.executable} exited with code {self._proc.returncode}: {self._log()}"
                )
            if port_file.is_file() and (lines := port_file.read_text().split()):
                try:
                    url = f"http://127.0.0.1:{int(lines[0])}/json/list"
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        pages = [t for t in json.load(answer) if t.get("type") == "page"]
                    if pages:
                        self._ws = websocket.create_connection(
                            pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True
                        )
                        return
                except (OSError, ValueError):
                    pass
            if time.monotonic() > deadline:
                raise BrowserError(
                    f"no DevTools page from {self.executable} within {timeout:.0f} s: {self._log()}"
                )
            time.sleep(0.1)

    def _log(self) -> str:
        path = self.workdir / "chromium.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    # -- the protocol --------------------------------------------------------------------------

    def send(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        """Call ``method`` and return its result; events that arrive meanwhile are kept."""
        assert self._ws is not None
        self._next_id += 1
        ident = self._next_id
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline - time.monotonic())
            if message is None:
                if time.monotonic() > deadline:
                    raise BrowserError(f"no answer to {method} within {timeout:.0f} s")
                continue
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def _receive(self, wait: float) -> dict[str, Any] | None:
        """One message (an event is recorded), or None when nothing came within ``wait`` seconds."""
        assert self._ws is not None
        self._ws.settimeout(max(0.05, min(wait, 1.0)))
        try:
            raw = self._ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        message = json.loads(raw)
        if "method" in message:
            self._record(message)
        return message

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        at = time.monotonic() - self._started
        params = event.get("params", {})
        if event["method"] == "Runtime.consoleAPICalled":
            text = " ".join(_remote_text(arg) for arg in params.get("args", []))
            self.console.append(ConsoleLine(params.get("type", "log"), text, at))
        elif event["method"] == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = _remote_text(details.get("exception", {})) or details.get("text", "")
            self.console.append(ConsoleLine("exception", text, at))
        elif event["method"] == "Log.entryAdded":
            entry = params.get("entry", {})
            self.console.append(ConsoleLine(f"browser-{entry.get('level')}", entry.get("text", ""), at))

    def pump(self, seconds: float) -> None:
        """Keep receiving events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._receive(deadline - time.monotonic())

    # -- page ----------------------------------------------------------------------------------

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """The value of ``expression`` in the page (a promise is awaited)."""
        result = self.send(
            "Runtime.evaluate", timeout=timeout, expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(
                f"{expression!r} threw: {_remote_text(details.get('exception', {})) or details.get('text')}"
            )
        return result.get("result", {}).get("value")

    def navigate(self, url: str, timeout: float = 60) -> None:
        """Open ``url`` and wait for its load event."""
        self._events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired", timeout)

    def wait_for_event(self, method: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event["method"] == method:
                    self._events.remove(event)
                    return event
            if time.monotonic() > deadline:
                raise BrowserError(f"no {method} within {timeout:.0f} s\n{self.console_tail()}")
            self._receive(deadline - time.monotonic())

    def wait_until(self, expression: str, timeout: float, what: str) -> Any:
        """Evaluate ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(BrowserError):
                value = self.evaluate(expression, timeout=max(1.0, deadline - time.monotonic()))
                if value:
                    return value
            if time.monotonic() > deadline:
                raise BrowserError(f"{what}: not within {timeout:.0f} s\n{self.console_tail()}")
            self.pump(0.25)

    def screenshot(self, path: Path) -> Path:
        import base64

        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def console_tail(self, lines: int = 60) -> str:
        shown = self.console[-lines:]
        head = f"browser console (last {len(shown)} of {len(self.console)} lines):"
        return "\n".join([head, *(str(line) for line in shown)])

    # -- Odoo ----------------------------------------------------------------------------------

    def login(self, base_url: str, login: str, password: str) -> None:
        """Log in through Odoo's login form, as a person does."""
        self.navigate(f"{base_url}/web/login")
        self.wait_until("!!document.querySelector('form.oe_login_form')", 30, "the login form")
        self.evaluate(
            "(() => {"
            " const form = document.querySelector('form.oe_login_form');"
            f" form.querySelector('input[name=login]').value = {json.dumps(login)};"
            f" form.querySelector('input[name=password]').value = {json.dumps(password)};"
            " form.submit(); return true; })()"
        )
        self.wait_for_event("Page.loadEventFired", 60)
        path = self.evaluate("location.pathname")
        if path.startswith("/web/login"):
            error = self.evaluate("document.querySelector('.alert-danger')?.innerText || ''")
            raise BrowserError(f"login as {login} failed: {error or 'still on the login page'}")

    def run_tour(self, base_url: str, tour: str, timeout: float) -> float:
        """Open the web client with the test assets, run ``tour`` in auto mode, wait for its end.

        Returns the tour's duration in seconds; raises BrowserError with the console on an error
        logged by the tour (or any console.error or uncaught exception), or on the timeout."""
        self.navigate(f"{base_url}/odoo?{urllib.parse.urlencode({'debug': 'tests'})}")
        self.wait_until(
            f"typeof odoo !== 'undefined' && !!odoo.isTourReady && odoo.isTourReady({json.dumps(tour)})",
            60,
            f"the web client with tour {tour}",
        )
        start = len(self.console)
        began = time.monotonic()
        self.evaluate(f"odoo.startTour({json.dumps(tour)}, {{mode: 'auto'}}), true")
        deadline = began + timeout
        while True:
            for line in self.console[start:]:
                if line.level in ("error", "exception"):
                    self.pump(1.0)  # the tour logs where it failed right after the error
                    raise BrowserError(f"tour {tour} failed: {line.text}\n{self.console_tail()}")
                if line.level == "log" and line.text == SUCCESS:
                    return time.monotonic() - began
            start = len(self.console)
            if time.monotonic() > deadline:
                raise BrowserError(
                    f"tour {tour} did not finish within {timeout:.0f} s\n{self.console_tail()}"
                )
            self._receive(deadline - time.monotonic())


@contextlib.contextmanager
def chromium(workdir: Path) -> Iterator[Chromium]:
    executable = find_chromium()
    if executable is None:
        raise BrowserError("no chromium found: run scripts/setup (it installs Debian's chromium)")
    with Chromium(workdir, executable) as browser:
        yield browser
