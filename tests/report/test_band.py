"""Verdict bands: a claim judged across its assumptions, on hand-built claim inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.loop import scale_iv
from alvh.market.surface import SpxVolSurface
from alvh.market.synthetic import generate_market
from alvh.report.band import band_scenarios, band_verdict, slippage_axis
from alvh.report.bootstrap import BootstrapSettings
from alvh.report.claims import claim_hedge_cost
from alvh.report.matched import add_bands

BS = BootstrapSettings(reps=200, block_sessions=5, seed=1)
CAPITAL = 1_000_000.0


def _hedge_pnl(cost_pct_per_month: float, months: int = 24) -> pd.Series:
    """A hedge losing the same amount every session: 21 sessions a month, so each month costs
    exactly ``cost_pct_per_month`` % of $1M (0.5% -> $5,000 a month, $238.10 a session)."""
    idx = pd.bdate_range("2015-01-01", periods=months * 23)
    idx = idx[idx.to_period("M").isin(pd.period_range("2015-01", periods=months, freq="M"))]
    per_month = idx.to_period("M").value_counts()
    daily = -cost_pct_per_month / 100.0 * CAPITAL / per_month.reindex(idx.to_period("M")).to_numpy()
    return pd.Series(daily, index=idx)


def test_claim3_flips_inside_its_cost_band_and_says_so() -> None:
    """Hedge cost 0.5%/month at the fit, 0.25% with cheap fills, 0.9% with dear ones."""
    runs = [("base", "base", 0.5), ("costs", "low", 0.25), ("costs", "high", 0.9)]
    runs += [("surface", "model IV x0.95", 0.45), ("surface", "model IV x1.05", 0.55)]
    verdicts = []
    for axis, level, cost in runs:
        c = claim_hedge_cost(_hedge_pnl(cost), CAPITAL, BS)
        assert c.estimate.value == pytest.approx(cost)
        verdicts.append((axis, level, c.verdict))
    # The single runs: inside [0.3, 0.7] holds, outside does not.
    single = [v for _, _, v in verdicts]
    assert single == ["holds", "does not hold", "does not hold", "holds", "holds"]
    bv = band_verdict(verdicts)
    assert bv.kind == "depends" and bv.n_runs == 5
    assert bv.text == "depends on (holds at the base; costs: does not hold at low, high)"
    assert bv.depends_on == ("costs",)  # the surface moves do not change it: not named


def test_band_folds() -> None:
    assert band_verdict([("base", "base", "holds"), ("costs", "x", "holds")]).text == "holds in all"
    fails = band_verdict([("base", "base", "does not hold"), ("surface", "y", "does not hold")])
    assert fails.text == "fails in all"
    both = [("base", "base", "inconclusive"), ("costs", "high", "inconclusive")]
    assert band_verdict(both).text == "inconclusive in all"
    mixed = band_verdict(
        [
            ("base", "base", "inconclusive"),
            ("costs", "high", "does not hold"),
            ("4/4/2 reading", "442-budget", "holds"),
        ]
    )
    assert mixed.text == (
        "depends on (inconclusive at the base; costs: does not hold at high; "
        "4/4/2 reading: holds at 442-budget)"
    )
    # Every move flips it the same way: said in one phrase.
    only = band_verdict(
        [
            ("base", "base", "holds"),
            ("costs", "low", "does not hold"),
            ("surface", "x", "does not hold"),
        ]
    )
    assert only.text == (
        "depends on (every assumption: holds only at the base; does not hold in the other 2 "
        "runs, costs, surface)"
    )
    assert band_verdict([("base", "base", "n/a")]).text == "n/a"


def test_unhedged_row_gets_no_claims() -> None:
    rows: list[dict[str, object]] = [
        {"label": "none", "hedge_enabled": False, "claim1": "n/a"},
        {"label": "vxth", "hedge_enabled": True, "claim1": "holds", "claim2": "x", "claim3": "y"},
    ]
    runs = [("base", "base", ("holds", "holds", "holds")), ("costs", "hi", ("holds", "a", "b"))]
    add_bands(rows, {"vxth": runs})
    assert [rows[0][f"claim{n}_band"] for n in (1, 2, 3)] == ["n/a"] * 3
    assert rows[1]["claim1_band"] == "holds in all" and rows[1]["band_runs"] == 2
    assert rows[1]["claim2_band"] == "depends on (holds at the base; costs: a at hi)"


def test_band_scenarios_of_442_and_vxth() -> None:
    base = config_with_overrides(load_preset("ic-ladder"), **{"hedge.preset": "alvh-442"})
    sc = band_scenarios(base)
    labels = [s.label for s in sc]
    assert labels == [
        "base",
        "costs: low (spread band)",
        "costs: high (spread band)",
        "surface: model IV x0.95",
        "surface: model IV x1.05",
        "4/4/2 reading: 442-budget",
        "4/4/2 reading: 442-instruments",
        "notional base: margin (budget reading)",
        "notional base: spx_notional (budget reading)",
    ]
    assert [s.config.execution.spread_band for s in sc[:3]] == ["fit", "low", "high"]
    assert [s.config.assumptions.iv_scale for s in sc[3:5]] == [0.95, 1.05]
    assert (
        sc[5].config.hedge.preset == "442-budget" and sc[6].config.hedge.preset == "442-instruments"
    )
    assert [s.config.hedge.sizing.notional_base for s in sc[7:]] == ["margin", "spx_notional"]
    assert all(s.config.hedge.sizing.size_base == "budget" for s in sc[7:])
    # Everything else stays the base's (one assumption at a time).
    assert all(s.config.capital == base.capital and s.config.tiers == base.tiers for s in sc)
    # The slippage reading of "costs" stays available as an axis of its own.
    slip = band_scenarios(base, (slippage_axis(),))
    frac = base.execution.slippage_frac_of_half_spread
    assert slip[1].config.execution.slippage_frac_of_half_spread == pytest.approx(frac * 0.5)
    assert slip[2].config.execution.slippage_frac_of_half_spread == pytest.approx(frac * 1.5)
    vx = band_scenarios(config_with_overrides(base, **{"hedge.preset": "vxth"}))
    assert len(vx) == 5 and {s.axis for s in vx} == {"base", "costs", "surface"}


def test_scale_iv_moves_the_atm_vol_by_the_factor() -> None:
    m = generate_market("2007-01-03", "2007-03-01", seed=3)
    surf = SpxVolSurface.from_snapshot(m.snapshot(pd.Timestamp("2007-02-01 16:15")))
    t = np.array([7 / 365, 30 / 365, 90 / 365])
    np.testing.assert_allclose(scale_iv(surf, 1.05).atm_vol(t), surf.atm_vol(t) * 1.05, rtol=1e-12)
    # Wings follow (SSVI's skew term depends on the ATM variance): within a few % of the factor.
    k = surf.spot * np.array([0.9, 1.05])
    ratio = scale_iv(surf, 1.05).iv(30 / 365, k) / surf.iv(30 / 365, k)
    assert np.all((ratio > 1.02) & (ratio < 1.08))
