"""The HTML report: self-contained, escaped, scriptless, and really rendered in a browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import HOSTILE, REPO, SAMPLES

import cdtext
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
    # the figure for kinds of document the model was not trained on, from the shipped card, in the limits and the table
    card = json.loads((Path(cdtext.__file__).parent / "models" / "default.card.json").read_text(encoding="utf-8"))
    loso = card["metrics"]["real_by_source"]["mean_macro_f1_present"]
    limits = html[html.index("<h2>Limits</h2>") :]
    assert f"averages {loso:.2f}" in limits and "real text, unseen kinds of document" in limits


def test_a_report_on_stored_predictions_describes_the_model_that_made_them(tmp_path: Path) -> None:
    import duckdb

    store = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(SAMPLES), "--store", str(store), "-q"]).exit_code == 0
    classified = runner.invoke(main, ["classify", str(store), "--model", "fast", "--out", str(tmp_path / "p.csv")])
    assert classified.exit_code == 0, classified.output

    def report() -> str:
        out = tmp_path / "r.html"
        result = runner.invoke(main, ["report", "--store", str(store), "--out", str(out), "--replicates", "50"])
        assert result.exit_code == 0, result.output
        html = out.read_text(encoding="utf-8")
        return html[html.index("<h2>Model</h2>") :]

    fast = json.loads((Path(cdtext.__file__).parent / "models" / "fast.card.json").read_text(encoding="utf-8"))
    table = report()  # no --model: the stored predictions stand, and their model's card describes them
    assert f"fast (<code>{fast['sha256'][:12]}</code>)" in table and "default" not in table
    with duckdb.connect(str(store)) as con:  # predictions of a model cdtext does not have
        con.execute("UPDATE predictions SET model = 'my-model', model_sha256 = 'abc'")
    table = report()
    assert "my-model" in table and "real text, macro-F1" not in table
    from cdtext.classify.batch import store_predictions

    clf = store_predictions(store)[2]
    assert clf.name == "my-model"
    with pytest.raises(cdtext.errors.ModelError, match="only describes stored predictions"):
        clf.predict(["The mayor met the consul."])


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


LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const vw = document.documentElement.clientWidth;
  const items = [...document.querySelectorAll("ul.legend li")];
  let smallest = 1e9;
  for (const t of document.querySelectorAll(".chart svg text, .panels svg text")) {
    const h = t.getBoundingClientRect().height;
    if (h > 0) smallest = Math.min(smallest, h);
  }
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    overflow: document.documentElement.scrollWidth - vw,
    legend: items.length,
    legend_cut: items.filter((li) => li.getBoundingClientRect().right > vw + 1).length,
    smallest_text: smallest,
    panels: document.querySelectorAll(".panels figure").length,
  });
  document.body.appendChild(probe);
});
</script>"""


def _synthetic_report() -> str:
    from test_aggregate import frames, make_unit

    from cdtext.labels import FUNCTIONS
    from cdtext.report import render_report

    names = ["Aachen", "Valparaíso", "Kuala Lumpur", "San Francisco", "Saint Petersburg", "Sønderborg", "Dar es Salaam"]
    units = [make_unit(n, 3, 15, anchored=i % 2 == 0, areas=[i % 9], seed=i) for i, n in enumerate(names)]
    units.append(make_unit("Smallville", 1, 2, anchored=True, areas=[0], seed=40))
    units.append(make_unit("Nowhere", 2, 10, anchored=False, areas=[1], seed=41))
    predictions, documents = frames(*units)
    documents.loc[documents.city == "Nowhere", "city"] = None
    network = pd.DataFrame(
        [
            (city, partner, kind, iso, function, n, 1, 2021, 2022)
            for city in ("Kuala Lumpur", "San Francisco")
            for partner, kind, iso, function, n in [
                ("Global Covenant of Mayors for Climate and Energy", "network", "", "global_policy_collaboration", 3),
                ("Saint Petersburg", "city", "RU", "diplomatic_representation", 2),
                ("Japan", "country", "JP", "economic_development", 1),
            ]
        ],
        columns=["city", "partner", "kind", "partner_country", "function", "passages", "documents", "first_year",
                 "last_year"],
    )  # fmt: skip
    # a partner mention in a long passage of each of two units, for the evidence under "where"
    mentions = []
    for city in ("Kuala Lumpur", "San Francisco"):
        docs = set(documents.loc[documents.city == city, "doc_id"])
        row = predictions.index[predictions.doc_id.isin(docs)][0]
        before = "The city council approved an extended memorandum on heat resilience and shared procurement " * 3
        name = "Global Covenant of Mayors for Climate and Energy"
        predictions.loc[row, "text"] = before + name + " and its regional chapters, with a long tail of text " * 2
        predictions.loc[row, "p_global_policy_collaboration"] = 0.9  # the function the network row names
        for pid in [predictions.loc[row, "passage_id"]]:
            mentions.append({"passage_id": pid, "name": name, "kind": "network", "start": len(before),
                             "end": len(before) + len(name), "confidence": 0.9})  # fmt: skip
    # the functions the classifier decided, as stored predictions carry them
    probs = predictions[[f"p_{f}" for f in FUNCTIONS]].to_numpy()
    predictions["functions"] = [[f for f, p in zip(FUNCTIONS, row) if p >= 0.5] for row in probs]
    return render_report(predictions, documents, replicates=50, network=network, partners=pd.DataFrame(mentions))


def test_report_lists_thin_and_unknown_units_apart() -> None:
    html = _synthetic_report()
    charts_part = html[html.index("<h2>Function profiles</h2>") : html.index("<h2>Evidence</h2>")]
    apart = html[html.index("<h3>Listed apart</h3>") : html.index("<h2>Function profiles</h2>")]
    assert "Smallville" in apart and "(unknown)" in apart and "Kuala Lumpur" not in apart
    assert "Kuala Lumpur" in charts_part and "Smallville" not in charts_part and "(unknown)" not in charts_part
    assert 'class="legend"' in html and "-0.00" not in html
    assert "Partners abroad" in html and "Saint Petersburg (2)" in html
    assert "<mark>Global Covenant of Mayors for Climate and Energy</mark>" in html


def test_evidence_follows_the_profiles_order_with_unknown_last() -> None:
    html = _synthetic_report()
    evidence = html[html.index("<h2>Evidence</h2>") : html.index("<h2>Method</h2>")]
    labels = re.findall(r"<summary>(.*?)</summary>", evidence)
    assert labels[-1] == "(unknown)" and labels.index("Kuala Lumpur") < labels.index("Smallville"), labels
    assert evidence.index("<details open>") < evidence.index("<summary>Kuala Lumpur</summary>")


def test_a_long_list_of_units_apart_is_folded_under_its_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    import cdtext.report

    def apart(html: str) -> str:
        return html[html.index("<h3>Listed apart</h3>") : html.index("<h2>Function profiles</h2>")]

    short = apart(_synthetic_report())  # two units apart: the table stays open
    assert "<details" not in short and "Smallville" in short
    monkeypatch.setattr(cdtext.report, "APART_OPEN", 1)
    folded = apart(_synthetic_report())
    summary = folded[folded.index("<summary>") : folded.index("</summary>")]
    assert '<details class="apart">' in folded and "Smallville" in folded.split("</summary>")[1]
    assert "2 units listed apart" in summary
    assert "1 with fewer than 30 expected diplomacy passages" in summary and "1 with no known city" in summary


def test_partners_beyond_the_first_units_are_folded(monkeypatch: pytest.MonkeyPatch) -> None:
    import cdtext.report

    def partners(html: str) -> str:
        return html[html.index("<h2>Partners abroad</h2>") : html.index("<h2>Evidence</h2>")]

    assert "more-partners" not in partners(_synthetic_report())
    monkeypatch.setattr(cdtext.report, "PARTNERS_OPEN", 0)
    folded = partners(_synthetic_report())
    n = folded.count("<h3>")
    assert n >= 1 and f"{n} more units with partners" in folded
    assert folded.index('<details class="more-partners">') < folded.index("<h3>")
    assert folded.count("<details") == folded.count("</details>")  # the fold is closed


@pytest.mark.parametrize("width", [1280, 390])
def test_report_layout_at_desktop_and_phone_width(tmp_path: Path, width: int) -> None:
    """Screenshots and measurements in headless chromium: nothing wider than the page, legend whole, text legible."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless browser (chromium) installed; .ci/run installs Debian's chromium")
    html = _synthetic_report()
    page = tmp_path / "probe.html"
    page.write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        .replace("<details ", "<details open ")  # measure the partner evidence too
        .replace("</body>", LAYOUT_PROBE + "</body>"),
        encoding="utf-8",
    )
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={width},4000",
    ]
    shot = tmp_path / f"report-{width}.png"
    subprocess.run([*common, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
    dom = subprocess.run(
        [*common, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert found, "the layout probe did not run"
    probe = json.loads(found.group(1).replace("&quot;", '"'))
    assert probe["overflow"] <= 1, probe  # wide tables and charts scroll inside their own box
    assert probe["legend"] == 5 and probe["legend_cut"] == 0, probe
    assert probe["smallest_text"] >= 8, probe
    assert probe["panels"] == 7, probe  # one year panel per ranked unit
