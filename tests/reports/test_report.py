"""The HTML report: self-contained, and it loads in headless chromium with every plot drawn."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from airdefense.campaign import run_campaign, run_sweep
from airdefense.cli import main
from airdefense.errors import AirDefenseError
from airdefense.reports import build_report, write_report
from airdefense.reports.html import typical_replication
from tests.campaign.conftest import tiny

CHROMIUM = "/usr/bin/chromium"
PLOTS = {"leakers", "expenditure", "interceptors", "value-lost", "cost-exchange", "timeline",
         "saturation", "convergence"}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> tuple[Path, str]:
    """A database with one campaign (events kept) and a two-point raid-size sweep."""
    path = tmp_path_factory.mktemp("rep") / "r.duckdb"
    res = run_campaign(tiny(), runs=5, seed=3, db=path)
    run_sweep(tiny(), {"raid.drones.count": [1, 2, 4]}, runs=2, seed=3, db=path, events=False)
    return path, res.campaign_id


def test_report_is_self_contained(db, tmp_path):
    """The report has every plot inline and loads nothing from the network."""
    path, cid = db
    html = build_report(path, cid)
    for name in PLOTS:
        assert f'id="plot-{name}"' in html, name
    assert html.count("<svg") == len(PLOTS)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert "P(zero leakers)" in html and cid in html


def test_report_errors(db, tmp_path):
    """A missing campaign, several campaigns without --campaign, or no DB are clear errors."""
    path, _ = db
    with pytest.raises(AirDefenseError, match="no campaign 'nope'; campaigns there: "):
        build_report(path, "nope")
    with pytest.raises(AirDefenseError, match=r"holds 4 campaigns .*choose one with --campaign"):
        build_report(path)
    with pytest.raises(AirDefenseError, match="no such results database"):
        build_report(tmp_path / "missing.duckdb")
    r = CliRunner().invoke(main, ["report", str(path), "--campaign", "nope", "--out",
                                  str(tmp_path / "x.html")])
    assert r.exit_code == 1 and r.output.startswith("airdefense: error: ")


def test_typical_replication_is_the_median_run():
    """The typical run has the median leakers; ties go to value lost, then the lowest rep."""
    import pandas as pd

    s = pd.DataFrame({"rep": [0, 1, 2, 3, 4], "leaked": [0, 5, 2, 2, 9],
                      "value_lost": [0, 5, 7, 1, 9], "interceptors_fired": [1, 1, 1, 1, 1]})
    assert typical_replication(s) == 2  # leaked 2 is the median; value lost 7 is nearer 5 than 1


@pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                    reason="chromium not installed (.ci/run installs it)")
def test_report_loads_in_headless_chromium(db, tmp_path):
    """Chromium loads the report with no JS errors, and every plot has a non-zero size."""
    path, cid = db
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["report", str(path), "--campaign", cid, "--out", str(out)])
    assert r.exit_code == 0, r.output
    cmd = [shutil.which("chromium") or CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=5000", "--dump-dom", out.resolve().as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    dom, log = p.stdout, p.stderr
    errors = [ln for ln in log.splitlines()
              if ":CONSOLE" in ln and re.search(r"Uncaught|Error", ln)]
    assert not errors, errors
    m = re.search(r'id="render-check"[^>]*data-plots-ok="(\d+)"[^>]*data-plots-total="(\d+)"',
                  dom)
    assert m, "the page's check script did not run"
    assert int(m.group(1)) == int(m.group(2)) == len(PLOTS)
    assert 'data-report-ready="ok"' in dom
    # The sweep's wide table scrolls in its own box: the page needs no sideways scroll at
    # the headless window's width (it did).
    assert 'data-fits-width="yes"' in dom


def test_write_report_creates_folder(db, tmp_path):
    """write_report writes the file (and its folder) and returns the path."""
    path, cid = db
    out = write_report(path, tmp_path / "sub" / "r.html", campaign_id=cid[:6])
    assert out.is_file() and out.read_text().startswith("<!DOCTYPE html>")


def test_report_text_needs_no_mathtext(db, monkeypatch):
    """No label of the report goes through mathtext (its fonts may be missing from a stale
    matplotlib font cache, which then warns once per label): log axes are labelled in plain
    numbers."""
    import matplotlib.mathtext

    parsed = []
    orig = matplotlib.mathtext.MathTextParser.parse
    monkeypatch.setattr(matplotlib.mathtext.MathTextParser, "parse",
                        lambda self, s, *a, **k: parsed.append(s) or orig(self, s, *a, **k))
    path, cid = db
    html = build_report(path, cid)
    assert 'id="plot-convergence"' in html
    assert parsed == []


def test_report_errors_sweep_and_ambiguous_ids(db, tmp_path):
    """An unknown --sweep lists the sweeps there; a prefix of several campaign ids says it is
    ambiguous and names them."""
    import itertools
    import os.path

    from airdefense.results.store import ResultStore

    path, cid = db
    with ResultStore(path, read_only=True) as st:
        ids = st.campaigns().campaign_id.tolist()
        sweeps = st.sweeps().sweep_id.tolist()
    with pytest.raises(AirDefenseError, match=rf"sweep 'bogus' is not there; sweeps there: "
                                              rf"{sweeps[0]}"):
        build_report(path, cid, sweep_id="bogus")
    r = CliRunner().invoke(main, ["report", str(path), "--campaign", cid, "--sweep", "bogus",
                                  "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 1 and "sweep 'bogus' is not there" in r.output
    # The longest prefix shared by two ids (the empty one when none is shared).
    prefix = max((os.path.commonprefix(list(pair)) for pair in itertools.combinations(ids, 2)),
                 key=len)
    hits = [i for i in ids if i.startswith(prefix)]
    with pytest.raises(AirDefenseError, match=rf"campaign '{prefix}' is ambiguous: matches "
                                              rf"{', '.join(hits)}"):
        build_report(path, prefix)
    assert f"Sweep {sweeps[0]}" in build_report(path, cid, sweep_id=sweeps[0][:5])


def test_report_of_a_campaign_with_no_interceptor_fired(tmp_path):
    """With no interceptor fired in any run (every cost exchange inf) the report renders and
    says so."""
    sc = tiny()
    del sc["raid"]["drones"]
    path = tmp_path / "nf.duckdb"
    res = run_campaign(sc, runs=3, seed=2, db=path, events=False)
    assert (res.summaries.interceptors_fired == 0).all()
    html = build_report(path)
    assert "no interceptor fired in any run" in html
    assert 'id="plot-convergence"' in html and 'id="plot-value-lost"' in html
    text = res.stats().to_text()
    assert "no interceptor fired in any run" in text and "nan [" not in text
