"""The HTML report: self-contained, escaped, scriptless, and really rendered in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOSTILE, REPO, SAMPLES

from cdtext.cli import main


def build(tmp_path: Path, inputs: list[Path]) -> tuple[Path, str]:
    store = tmp_path / "s.duckdb"
    runner = CliRunner()
    args = ["ingest", *map(str, inputs), "--store", str(store), "-q", "--jobs", "2"]
    if inputs == [SAMPLES]:
        args += ["--meta", str(REPO / "corpus" / "samples-metadata.csv")]
    assert runner.invoke(main, args).exit_code == 0
    out = tmp_path / "report.html"
    result = runner.invoke(
        main, ["report", "--store", str(store), "--out", str(out), "--replicates", "100", "--title", "Sample <audit>"]
    )
    assert result.exit_code == 0, result.output
    return out, out.read_text(encoding="utf-8")


def test_report_is_self_contained(tmp_path: Path) -> None:
    _, html = build(tmp_path, [SAMPLES])
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "no external requests"
    assert "Sample &lt;audit&gt;" in html
    for city in ("Lakemont", "Brightwater"):
        assert city in html
    assert html.count("<svg") >= 3
    assert "file://" in html and "#page=" in html  # evidence links to the source, PDF pages included


def test_injection_payloads_do_not_reach_the_report_executable(tmp_path: Path) -> None:
    payloads = HOSTILE / "html" / "injection-payloads.html"
    if not payloads.exists():
        pytest.skip(f"{payloads} is absent (../shared is only present next to a checkout of the project)")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(payloads, folder / "payloads.html")
    (folder / "city.txt").write_text(
        "The Mayor of Lakemont welcomed the Consul General of Mexico to City Hall to sign a cultural agreement.\n"
        "<script>alert('x')</script> <img src=x onerror=alert(1)> =HYPERLINK(\"http://evil.example\") is text.\n",
        encoding="utf-8",
    )
    out, html = build(tmp_path, [folder])
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror=" not in lowered.replace("onerror=alert", "") or "<img" not in lowered
    assert not re.search(r"<[a-z]+[^>]*\son\w+\s*=", lowered), "no event-handler attributes"
    assert "javascript:" not in lowered
    assert "&lt;script&gt;" in html or "alert" not in html


def test_report_renders_in_headless_browser(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless browser (chromium) installed; .ci/run installs Debian's chromium")
    out, _ = build(tmp_path, [SAMPLES])
    shot = tmp_path / "shot.png"
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1100,1600",
        out.as_uri(),
    ]
    subprocess.run(cmd, capture_output=True, timeout=120)
    assert shot.exists(), "the browser wrote no screenshot"
    from PIL import Image

    image = Image.open(shot).convert("L")
    colours = image.getcolors(maxcolors=1 << 16) or []
    dark = sum(n for n, level in colours if level < 128)
    assert len(colours) > 20 and dark > 2000, "the screenshot is blank"
