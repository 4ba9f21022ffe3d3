"""The tear sheet traders expect: ratios, worst drawdowns, rolling and monthly returns, layer
changes, readable tables; every figure checked by hand on a small made-up curve."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_fixtures import fixture_events, write_fixture_run

from alvh.report.analysis import AnalysisSettings
from alvh.report.bootstrap import BootstrapSettings
from alvh.report.charts import layer_changes
from alvh.report.perf import (
    cboe_benchmark,
    month_year_table,
    rolling_12m,
    spx_total_return_usd,
    top_drawdowns,
)
from alvh.report.run_page import nice_table
from alvh.report.rundir import load_run
from alvh.report.tearsheet import build_report

FAST = AnalysisSettings(BootstrapSettings(reps=50, block_sessions=5, seed=1))


def test_top_drawdowns_by_hand() -> None:
    idx = pd.bdate_range("2020-01-01", periods=9)
    # 100 -> 90 (-10%) recovers at 101; 101 -> 80.8 (-20%) never recovers.
    eq = pd.Series([100, 95, 90, 100, 101, 90.9, 80.8, 85, 90], index=idx, dtype=float)
    t = top_drawdowns(eq, 10)
    assert list(t["rank"]) == [1, 2]
    first, second = t.iloc[0], t.iloc[1]
    assert first["depth %"] == pytest.approx(-20.0)
    assert (first["peak"], first["trough"], first["recovered"]) == (
        str(idx[4].date()),
        str(idx[6].date()),
        "not recovered",
    )
    assert first["sessions down"] == 2 and pd.isna(first["sessions to recover"])
    assert second["depth %"] == pytest.approx(-10.0)
    assert (second["peak"], second["trough"], second["recovered"]) == (
        str(idx[0].date()),
        str(idx[2].date()),
        str(idx[3].date()),
    )
    assert second["sessions down"] == 2 and second["sessions to recover"] == 1


def test_month_year_table_and_rolling() -> None:
    idx = pd.bdate_range("2019-01-01", "2020-12-31")
    # Equity grows 1% each calendar month (the step lands on each month's first session).
    months = (idx.year - 2019) * 12 + idx.month - 1
    eq = pd.Series(1e6 * 1.01 ** np.asarray(months, float), index=idx)
    t = month_year_table(eq)
    assert list(t.index) == [2019, 2020]
    # January 2019 is measured from the first session (flat within the month); then +1% a month.
    assert t.loc[2019, "Jan"] == pytest.approx(0.0)
    np.testing.assert_allclose(t.loc[2020, ["Jan", "Jun", "Dec"]], 1.0, atol=1e-9)
    assert t.loc[2020, "Year"] == pytest.approx((1.01**12 - 1) * 100)
    r = rolling_12m(eq)
    assert r["return_pct"].iloc[:252].isna().all()
    last = r["return_pct"].iloc[-1]
    assert last == pytest.approx((eq.iloc[-1] / eq.iloc[-253] - 1) * 100)


def test_spx_total_return_adds_the_dividend_yield() -> None:
    idx = pd.DatetimeIndex(["2020-01-01", "2021-01-01"])  # 366 days apart
    s = spx_total_return_usd(pd.Series([3000.0, 3300.0], index=idx), 1e6, 0.02)
    assert s.iloc[-1] == pytest.approx(1e6 * 1.1 * math.exp(0.02 * 366 / 365))


def test_cboe_benchmark_reads_only_dense_history(tmp_path: Path) -> None:
    dates = ["2005-01-03", "2005-06-01"] + [
        str(d.date()) for d in pd.bdate_range("2007-01-02", periods=30)
    ]
    pd.DataFrame({"date": dates, "close": np.arange(len(dates)) + 100.0}).to_csv(
        tmp_path / "cboe_put_daily.csv", index=False
    )
    run_idx = pd.bdate_range("2006-12-01", periods=40)
    out = cboe_benchmark(run_idx, 1e6, tmp_path)
    ((label, s),) = out.items()
    assert label.endswith("from 2007-01-02") and s.iloc[0] == 1e6
    assert cboe_benchmark(run_idx, 1e6, tmp_path / "missing") == {}


def test_layer_changes_mark_additions_and_removals() -> None:
    idx = pd.bdate_range("2021-03-01", periods=6)
    hl = pd.DataFrame(
        {
            "date": [idx[1], idx[2], idx[4], idx[2], idx[3]],
            "layer": ["vx_futures"] * 3 + ["vix_calls"] * 2,
            "contracts": [3.0, 3.0, 2.0, 10.0, 10.0],
        }
    )
    got = layer_changes(hl, idx)
    want = [
        (idx[1], "vx_futures", "added"),
        (idx[2], "vix_calls", "added"),
        (idx[3], "vx_futures", "removed"),
        (idx[4], "vix_calls", "removed"),
        (idx[4], "vx_futures", "added"),
        (idx[5], "vx_futures", "removed"),
    ]
    assert list(got.itertuples(index=False, name=None)) == want


def test_counts_print_as_integers() -> None:
    f = pd.DataFrame({"kind": ["CPI"], "n": [138.0], "spx_move_pct": [0.1234], "rank": [1]})
    html = nice_table(f)
    assert "<td>138</td>" in html and "138.00" not in html
    assert "<td>0.12</td>" in html and "<th>spx move %</th>" in html


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: list[int] = []  # columns of each table's header row
        self._cols = 0
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_head, self._cols = True, 0
        elif tag == "th" and self._in_head:
            self._cols += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
            self.tables.append(self._cols)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> _Text:
    d = write_fixture_run(tmp_path_factory.mktemp("ts") / "run")
    run = load_run(d)
    res = build_report(d, None, fixture_events(run.equity.index), FAST)
    p = _Text()
    p.feed(res.html_path.read_text())
    return p


def test_the_tearsheet_has_what_traders_expect(page: _Text) -> None:
    text = " ".join(page.text)
    for words in (
        "Sortino (over cash)",
        "Calmar",
        "The ten worst drawdowns",
        "Rolling 12 months",
        "Distribution of monthly returns",
        "Monthly returns of the hedged book, %",
        "SPX total return",
        "CAGR over cash %",
        "costs, % of condor credit collected",
        "condor max loss, % of own equity (peak)",
    ):
        assert words in text, words


def test_no_jargon_and_narrow_tables(page: _Text) -> None:
    text = " ".join(page.text)
    for jargon in ("SPEC 4", "scaled_cvar", "scaled_mean", "_pct", "_usd"):
        assert jargon not in text, jargon
    assert not re.search(r"\bc[123]\b", text)
    # Stress windows are split into narrow tables (3 + 4 books + hedge P&L at most); the widest
    # table is the month x year one (year, 12 months, the year's return).
    assert max(page.tables) == 14 and sorted(page.tables)[-2] <= 9
    assert text.count("Largest fall inside the window") == 2
