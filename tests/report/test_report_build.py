"""The report built from a fixture run: HTML, charts, events, comparison and the CLI."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import CAPITAL_USD, fixture_events, write_fixture_run
from rich.console import Console

from alvh.cli.app import main
from alvh.report.analysis import AnalysisSettings, analyze_run
from alvh.report.bootstrap import BootstrapSettings
from alvh.report.charts import CHARTS
from alvh.report.compare import compare_runs
from alvh.report.events import event_study, stress_windows, window_loss_usd
from alvh.report.rundir import load_run
from alvh.report.tearsheet import build_report, print_summary

FAST = AnalysisSettings(BootstrapSettings(reps=200, seed=3))


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.links: list[str] = []
        self.headers: list[str] = []
        self._in_th = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        for k in ("href", "src"):
            if a.get(k) and tag != "img":
                self.links.append(a[k] or "")
        self._in_th = tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_th:
            self.headers.append(data)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture_run(tmp_path_factory.mktemp("runs") / "hedged")


def test_report_html_is_self_contained_with_every_chart_and_the_claims(run_dir: Path) -> None:
    events = fixture_events(load_run(run_dir).equity.index)
    res = build_report(run_dir, None, events, FAST)
    assert res.html_path == run_dir / "report" / "report.html"
    p = _Collect()
    p.feed(res.html_path.read_text(encoding="utf-8"))
    assert len(p.imgs) == len(CHARTS)
    assert all(s.startswith("data:image/png;base64,") for s in p.imgs)
    # The embedded images are the PNG files written beside the report.
    embedded = {base64.b64decode(s.split(",", 1)[1]) for s in p.imgs}
    assert embedded == {path.read_bytes() for path in res.chart_paths.values()}
    assert not any(link.startswith(("http:", "https:", "//")) for link in p.links)
    assert {"claim", "verdict", "estimate [95% interval]"} <= set(p.headers)
    text = " ".join(p.text)
    for c in res.claims:
        assert c.claim in text
    assert "1,000,000 USD" in text  # the capital base is stated
    assert [c.number for c in res.claims] == [1, 2, 3]
    assert {r["book"] for r in res.summary} >= {"hedged", "unhedged"}


def test_report_is_byte_identical_when_rebuilt(run_dir: Path, tmp_path: Path) -> None:
    a = build_report(run_dir, tmp_path / "a.html", None, FAST)
    b = build_report(run_dir, tmp_path / "b.html", None, FAST)
    assert a.html_path.read_bytes() == b.html_path.read_bytes()


def test_summary_printer_shows_books_and_verdicts(run_dir: Path, tmp_path: Path) -> None:
    res = build_report(run_dir, tmp_path / "r.html", None, FAST)
    console = Console(record=True, width=140)
    print_summary(res, console)
    out = console.export_text()
    assert "hedged" in out and "unhedged" in out and "three claims" in out
    assert res.claims[0].verdict in out
    assert "Return over cash and costs" in out and "over cash %" in out


def test_event_study_by_hand(run_dir: Path) -> None:
    run = load_run(run_dir)
    eq = run.equity
    day = eq.index[100]
    study = event_study(run, pd.DataFrame({"kind": ["CPI"], "date": [day]}))
    row = study.iloc[0]
    prev = eq.index[99]
    assert row["spx_move_pct"] == pytest.approx(
        (eq.loc[day, "spx"] / eq.loc[prev, "spx"] - 1) * 100
    )
    assert row["vix_change"] == pytest.approx(eq.loc[day, "vix"] - eq.loc[prev, "vix"])
    tiers = sum(eq.loc[day, f"pnl_tier_{t}_usd"] for t in ("short", "medium", "long"))
    assert row["condor_pnl_usd"] == pytest.approx(tiers)


def test_event_on_a_weekend_is_traded_next_session(run_dir: Path) -> None:
    run = load_run(run_dir)
    saturday = pd.Timestamp("2019-06-15")
    study = event_study(run, pd.DataFrame({"kind": ["FOMC"], "date": [saturday]}))
    assert study["date"].tolist() == ["2019-06-17"]


def test_stress_windows_inside_the_run_only(run_dir: Path) -> None:
    run = load_run(run_dir)  # 2019-06..2020-12: only the covid window
    ws = stress_windows(run.equity.index)
    assert [w.name for w in ws] == ["2020-02..04 covid crash"]
    assert ws[0].start == pd.Timestamp("2020-01-31")  # the close before the window
    loss = window_loss_usd(run.equity["unhedged_equity_usd"], ws[0])
    eq = run.equity.loc[ws[0].start : ws[0].end, "unhedged_equity_usd"]
    assert loss == pytest.approx(float((eq.cummax() - eq).max()))


def test_no_hedge_run_has_no_claims(tmp_path: Path) -> None:
    """The claims are about a hedge: a run without one gets "n/a", not "inconclusive"."""
    run = load_run(write_fixture_run(tmp_path / "none", hedge=False))
    for events in (fixture_events(run.equity.index), None):
        a = analyze_run(run, events, FAST)
        assert [c.verdict for c in a.claims] == ["n/a"] * 3


def test_compare_runs_writes_table_and_overlay(run_dir: Path, tmp_path: Path) -> None:
    other = write_fixture_run(tmp_path / "none", hedge=False)
    res = compare_runs([run_dir, other], tmp_path / "cmp", settings=FAST)
    assert [r["label"] for r in res.rows] == ["alvh-442 (max_loss)", "none"]
    lines = res.csv_path.read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith(
        "label,run_id,sizing,cagr_pct,cash_cagr_pct,excess_cagr_pct"
    )
    p = _Collect()
    p.feed(res.html_path.read_text())
    assert len(p.imgs) == 1 and p.imgs[0].startswith("data:image/png;base64,")
    assert res.rows[1]["hedge_cost_pct_per_month"] != res.rows[0]["hedge_cost_pct_per_month"]
    assert CAPITAL_USD > 0


def test_cli_report_on_a_run_dir(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.html"
    assert main(["report", str(run_dir), "--no-events", "--reps", "50", "--out", str(out)]) == 0
    assert out.is_file()


def test_cli_report_on_a_non_run_dir_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "summary.json" in err and len(err.strip().splitlines()) == 1


def test_cli_compare_rejects_unknown_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--presets", "none,nope"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_compare_runs_the_engine(tmp_path: Path) -> None:
    presets = "none"  # the hedged presets need the engine hedge wiring (integrator)
    args = ["compare", "--presets", presets, "--start", "2019-01-02", "--end", "2019-06-28"]
    assert main([*args, "--reps", "50", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "comparison.html").is_file()
    assert len((tmp_path / "comparison.csv").read_text().splitlines()) == 1 + presets.count(",") + 1
