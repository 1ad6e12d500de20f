"""The dashboard end to end: scalars that chainrule's SummaryWriter logged show up on TensorBoard's Scalars
page, the tag's card with its curve drawn, and add_graph's model on the Graphs page, in a real browser
(headless Chromium driven by Playwright), with screenshots saved under the test's temp dir. Skips,
saying why, without Playwright, a Chromium or the tensorboard program. Every wait is bounded, and
the server is stopped however the test ends."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tensorboard_helpers import read_events

import chainrule as cr
import chainrule.nn as nn
from chainrule.utils.tensorboard import SummaryWriter

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="Playwright is not installed (pip install playwright)")
CHROMIUM = next((path for path in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if path and os.access(path, os.X_OK)), None)
SERVER_START_S, PAGE_S = 90, 60
TAG = "loss/train"


class LoggedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x).relu()


def free_loopback_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tensorboard_command(log_dir, port):
    program = shutil.which("tensorboard")
    start = [program] if program else [sys.executable, "-m", "tensorboard.main"]
    return start + ["--logdir", str(log_dir), "--host", "127.0.0.1", "--port", str(port)]


def wait_until_serving(server, url, log_path):
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"tensorboard exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/data/runs", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"tensorboard did not answer on {url} within {SERVER_START_S} s:\n{log_path.read_text()[-3000:]}")


@pytest.mark.skipif(CHROMIUM is None,
                    reason="no Chromium at /usr/bin/chromium or on the PATH (apt-get install chromium)")
def test_the_scalars_page_shows_the_logged_tag_and_the_graphs_page_the_model(tmp_path):
    log_dir = tmp_path / "runs" / "browser"
    with SummaryWriter(str(log_dir)) as writer:
        for step in range(20):
            writer.add_scalar(TAG, 1.0 / (step + 1), step)
        writer.add_graph(LoggedNet(), cr.randn(2, 3))
    assert len(read_events(log_dir).Scalars(TAG)) == 20
    port, log_path = free_loopback_port(), tmp_path / "tensorboard.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(tensorboard_command(tmp_path / "runs", port), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(server, url, log_path)
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, timeout=PAGE_S * 1000,
                                                 args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{url}/#scalars", timeout=PAGE_S * 1000)
                page.get_by_text(TAG, exact=True).first.wait_for(timeout=PAGE_S * 1000)   # the tag's card
                page.locator("vz-line-chart2 path.line").first.wait_for(timeout=PAGE_S * 1000)  # its line drawn
                page.screenshot(path=str(tmp_path / "scalars.png"))
                page.goto(f"{url}/#graphs", timeout=PAGE_S * 1000)
                # the model's box drawn in the graph's SVG (its <title> carries the name; the label may be cut short)
                page.locator("svg title", has_text="LoggedNet").first.wait_for(state="attached", timeout=PAGE_S * 1000)
                page.wait_for_timeout(2000)                                 # the zoom-to-fit animation
                page.screenshot(path=str(tmp_path / "graph.png"))
            finally:
                browser.close()
        assert (tmp_path / "scalars.png").stat().st_size > 1000 and (tmp_path / "graph.png").stat().st_size > 1000
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
