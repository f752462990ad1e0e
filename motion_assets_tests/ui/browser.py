"""Headless Chromium driven over the DevTools protocol (one websocket, no driver binary), and
the Dagster webserver the browser looks at: both started and stopped by the test."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def dagster_process(args: list[str], *, environment: dict, cwd: Path, log: Path):
    """A dagster command (webserver, daemon) in its own process group; stopped on exit."""
    with open(log, "wb") as output:
        process = subprocess.Popen(args, cwd=cwd, env={**os.environ, **environment},
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


@contextlib.contextmanager
def webserver(*, environment: dict, cwd: Path, log_folder: Path):
    """dagster-webserver on a free local port; yields its base URL once the UI answers."""
    port = free_port()
    bin_folder = Path(sys.executable).parent
    args = [str(bin_folder / "dagster-webserver"), "-m", "motion_assets.definitions",
            "-h", "127.0.0.1", "-p", str(port)]
    with dagster_process(args, environment=environment, cwd=cwd,
                         log=log_folder / "webserver.log") as process:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: process.poll() is not None or _http_ok(f"{base}/server_info"),
                   180, "the webserver to answer")
        if process.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited ({process.returncode}); see "
                               f"{log_folder / 'webserver.log'}")
        yield base


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


class Page:
    """One browser tab: navigate, evaluate JavaScript, click, take screenshots."""

    def __init__(self, socket):
        self._socket = socket
        self._ids = itertools.count(1)

    def call(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._socket.recv(timeout=120))
            if reply.get("id") == message_id:  # anything else is an event we did not ask for
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        wait_until(lambda: self.evaluate("document.readyState") == "complete", 60, url)

    def text(self) -> str:
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for_text(self, *texts: str, timeout: float = 90) -> str:
        def shown() -> str | None:
            text = self.text()
            return text if all(x in text for x in texts) else None

        return wait_until(shown, timeout, f"the page to show {texts}")

    def click_text(self, text: str, selector: str = "a, button, [role=tab], span") -> None:
        """Click the innermost element matching ``selector`` whose text is exactly ``text``."""
        clicked = self.evaluate(f"""(() => {{
            const hits = [...document.querySelectorAll({json.dumps(selector)})]
                .filter(e => e.innerText && e.innerText.trim() === {json.dumps(text)});
            if (!hits.length) return false;
            hits[hits.length - 1].click();
            return true;
        }})()""")
        if not clicked:
            raise AssertionError(f"nothing to click labelled {text!r}")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        path.write_bytes(base64.b64decode(data))


@contextlib.contextmanager
def chromium_page(chromium: str, *, width: int = 1600, height: int = 2400):
    """A headless Chromium with one tab; yields a :class:`Page`."""
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0",
            f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        wait_until(port_file.exists, 60, "Chromium's DevTools port")
        port = int(wait_until(lambda: port_file.read_text().split("\n")[0], 10, "the port"))
        targets = wait_until(lambda: [t for t in json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/json/list", timeout=5).read()) if t["type"] == "page"],
            30, "a page target")
        with connect(targets[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            page = Page(socket)
            page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                      deviceScaleFactor=1, mobile=False)
            yield page
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
