"""The comparison's rows, its 4/4/2 sensitivity table and comparison.json, on fixture runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_fixtures import CAPITAL_USD, fixture_events, write_fixture_run

from alvh.report.analysis import AnalysisSettings
from alvh.report.bootstrap import BootstrapSettings
from alvh.report.compare import ComparisonResult, compare_runs

FAST = AnalysisSettings(BootstrapSettings(reps=100, seed=5))


def variant_run(
    out: Path, preset: str, base: str = "max_loss", size_base: str = "vega", seed: int = 3
) -> Path:
    """Write a fixture run and relabel it as ``preset`` sized on ``size_base`` with ``base``."""
    d = write_fixture_run(out, seed=seed, hedge=preset != "none")
    p = d / "summary.json"
    s = json.loads(p.read_text())
    s["config"]["hedge"]["preset"] = preset
    s["config"]["hedge"]["rule"] = preset if preset in ("none", "vxth") else "alvh"
    s["config"]["hedge"]["sizing"].update(notional_base=base, size_base=size_base)
    s["definitions"]["notional_base"] = base
    p.write_text(json.dumps(s))
    return d


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> ComparisonResult:
    root = tmp_path_factory.mktemp("cmp")
    runs = [
        variant_run(root / "none", "none"),
        variant_run(root / "442-instruments", "442-instruments", seed=6),
        variant_run(root / "442-budget@margin", "442-budget", "margin", "budget", seed=4),
        variant_run(root / "alvh-442", "alvh-442"),
        variant_run(root / "vxth", "vxth", seed=7),
        variant_run(root / "442-budget", "442-budget", "max_loss", "budget", seed=5),
    ]
    events = fixture_events(
        pd.read_csv(runs[0] / "equity.csv", index_col=0, parse_dates=True).index
    )
    return compare_runs(runs, root / "out", events=events, settings=FAST)


def _equity(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "equity.csv", index_col="date", parse_dates=["date"])


def _max_dd(eq: pd.Series) -> float:
    return float((eq / eq.cummax() - 1.0).min())


def test_sensitivity_holds_the_442_runs_in_reading_and_base_order(
    comparison: ComparisonResult,
) -> None:
    sens = comparison.sensitivity
    assert [(s["preset"], str(s["notional_base"]).split()[0]) for s in sens] == [
        ("alvh-442", "max_loss"),
        ("442-budget", "max_loss"),
        ("442-budget", "margin"),
        ("442-instruments", "max_loss"),
    ]
    # A vega-sized run does not use its notional base: the table says so.
    assert "unused" in str(sens[0]["notional_base"]) and "unused" in str(sens[3]["notional_base"])
    assert sens[2]["notional_base"] == "margin" and sens[2]["size_base"] == "budget"
    assert all("40" in str(s["reading"]) for s in sens)
    # VXTH sizes by the VX level: no size base, and no place in the 4/4/2 table.
    vxth = next(r for r in comparison.rows if r["preset"] == "vxth")
    assert vxth["rule"] == "vxth" and vxth["size_base"] == ""


def test_sensitivity_numbers_match_the_run_by_hand(comparison: ComparisonResult) -> None:
    root = comparison.html_path.parent.parent
    eq = _equity(root / "442-budget@margin")
    row = next(s for s in comparison.sensitivity if s["notional_base"] == "margin")
    dd_h, dd_u = _max_dd(eq["hedged_equity_usd"]), _max_dd(eq["unhedged_equity_usd"])
    assert row["max_drawdown_pct"] == pytest.approx(dd_h * 100.0, rel=1e-9)
    assert row["unhedged_max_drawdown_pct"] == pytest.approx(dd_u * 100.0, rel=1e-9)
    assert row["dd_reduction"] == pytest.approx(1.0 - dd_h / dd_u, rel=1e-9)
    lo, hi = row["dd_reduction_lo"], row["dd_reduction_hi"]
    assert isinstance(lo, float) and isinstance(hi, float) and lo < hi
    # Hedge cost: net hedge P&L per full month, % of the $1m capital base, averaged.
    hedge = eq[[c for c in eq.columns if c.startswith("pnl_hedge_")]].sum(axis=1)
    g = hedge.groupby(hedge.index.to_period("M"))
    monthly = -g.sum()[g.size() >= 15] / CAPITAL_USD * 100.0
    assert row["hedge_cost_pct_per_month"] == pytest.approx(float(monthly.mean()), rel=1e-9)
    assert row["capital_base_usd"] == CAPITAL_USD


def test_sensitivity_files_and_html(comparison: ComparisonResult) -> None:
    assert comparison.sensitivity_csv is not None and comparison.sensitivity_md is not None
    with comparison.sensitivity_csv.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["preset"] for r in rows] == [
        "alvh-442",
        "442-budget",
        "442-budget",
        "442-instruments",
    ]
    md = comparison.sensitivity_md.read_text()
    table = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(table) == 2 + 4
    assert "$1,000,000" in md  # the capital base of the cost column is named
    html = comparison.html_path.read_text()
    assert "Sensitivity: readings of 4/4/2 and notional bases" in html
    # Five hedged runs in the table and four in the sensitivity table have verdicts; the
    # no-hedge run has none ("n/a").
    assert html.count('class="does-not-hold"') + html.count('class="holds"') + html.count(
        'class="inconclusive"'
    ) >= 3 * (5 + 4)
    assert html.count('class="n-a"') == 3


def test_comparison_json_carries_meta_and_every_row(comparison: ComparisonResult) -> None:
    assert comparison.json_path is not None
    data = json.loads(comparison.json_path.read_text())
    meta, rows = data["meta"], data["rows"]
    eq = _equity(comparison.html_path.parent.parent / "none")
    assert meta["data_id"] == "fixture0000"
    assert (meta["period_start"], meta["period_end"]) == (
        str(eq.index[0].date()),
        str(eq.index[-1].date()),
    )
    assert meta["sessions"] == len(eq) and meta["capital_base_usd"] == CAPITAL_USD
    assert [r["label"] for r in rows] == [r["label"] for r in comparison.rows]
    none = rows[0]
    assert none["hedge_enabled"] is False and none["hedge_cost_pct_per_month"] is None
    # The same-return scaled book: k = mean(r_hedged) / mean(r_unhedged), by hand.
    r442 = next(r for r in rows if r["preset"] == "alvh-442")
    e = _equity(comparison.html_path.parent.parent / "alvh-442")
    mu_h = e["hedged_equity_usd"].pct_change().dropna().mean()
    mu_u = e["unhedged_equity_usd"].pct_change().dropna().mean()
    if mu_h > 0 and mu_u > 0:
        assert r442["scaled_mean_factor"] == pytest.approx(mu_h / mu_u, rel=1e-9)
    else:
        assert r442["scaled_mean_factor"] is None and r442["scaled_mean_reason"]
    for n in (1, 2, 3):
        assert r442[f"claim{n}"] in ("holds", "does not hold", "inconclusive")
        assert meta["period_start"] in r442[f"claim{n}_basis"]
    assert np.isfinite(r442["volatility_pct"])
