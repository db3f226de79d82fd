"""The browser tests' site and browser: one site for the whole run (as `./run.sh` runs it: runserver on a
fresh SQLite file with the real Shenyang tree and the demo accounts, on a free local port), one Chromium.
Tests share the site: each makes its own names (grids, residents) so they do not meet."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-site")
    env = {**os.environ, "SHEQU_DATABASE_URL": f"sqlite:///{var}/site.sqlite3", "SHEQU_VAR_DIR": str(var)}
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (
        ["migrate", "-v0"],
        ["load_areas"],
        ["load_boundaries"],
        ["load_reference_data"],
        ["load_catalogue"],
        ["load_programmes"],
        ["load_demo", "--quiet", "--communities", "2", "--people", "60"],
    ):
        subprocess.run(manage + command, env=env, check=True, cwd=ROOT, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        manage + ["runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urlopen(url + "/api/health", timeout=1)  # noqa: S310 - our own local server
            break
        except OSError:
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="session")
def browser():
    assert os.path.exists(CHROMIUM), "browser tests need Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
