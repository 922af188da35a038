"""Load a page in headless Chromium (Debian's package) and read back the DOM it built.

`chromium --dump-dom` prints the document after its scripts ran (the virtual time budget
lets load handlers finish). The pages record script errors on the root element
(`data-script-errors`) and mark each chart the browser laid out (`data-drawn`), and
Chromium's console log on stderr is searched for uncaught errors as well.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
]


def chromium() -> str:
    """The Chromium executable; skips the test where none is installed, unless CI requires one
    (.ci/run sets JUNHENG_REQUIRE_BROWSER=1 after installing Debian's `chromium`)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("JUNHENG_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


@dataclass
class RenderedPage:
    charts: list[dict[str, str]] = field(default_factory=list)  # attributes of figure.chart
    root: dict[str, str] = field(default_factory=dict)  # attributes of <html>
    tags: dict[str, int] = field(default_factory=dict)  # element name -> count
    text: str = ""
    title: str = ""
    console_errors: list[str] = field(default_factory=list)


class _DomReader(HTMLParser):
    def __init__(self, page: RenderedPage):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_title = False
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.page.tags[tag] = self.page.tags.get(tag, 0) + 1
        if tag == "html":
            self.page.root = attributes
        if tag == "figure" and "chart" in attributes.get("class", "").split():
            self.page.charts.append(attributes)
        self.in_title = tag == "title"

    def handle_endtag(self, tag):
        self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.page.title += data
        self.texts.append(data)


def render(page: Path) -> RenderedPage:
    """The DOM of `page` after Chromium loaded it and ran its scripts."""
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert completed.returncode == 0, completed.stderr[-2000:]
    rendered = RenderedPage()
    reader = _DomReader(rendered)
    reader.feed(completed.stdout)
    rendered.text = "".join(reader.texts)
    rendered.console_errors = [
        line for line in completed.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line
    ]
    return rendered
