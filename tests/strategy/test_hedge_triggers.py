"""Each trigger's decision and reason on hand-computed fixture numbers."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from alvh.strategy.hedge.triggers import (
    book_delta_per_condor,
    breadth_divergence,
    break_even_proximity,
    iv_shift,
    macd_rule,
    macro_proximity,
    proximity,
    rsi_rule,
    term_regime,
    term_structure,
)


def test_iv_shift_threshold() -> None:
    # 23.6 / 20.0 - 1 = 0.18: fires at 15%, not at 20%.
    r = iv_shift(23.6, 20.0, threshold=0.15)
    assert r.fired
    assert r.inputs["change"] == pytest.approx(0.18)
    assert r.reason == "IV shift +18.0% over 2 sessions >= 15% threshold (VIX 23.60 vs 20.00)"
    r20 = iv_shift(23.6, 20.0, threshold=0.20)
    assert not r20.fired and "< 20% threshold" in r20.reason
    assert not iv_shift(23.6, None).fired


def test_proximity_z_by_hand() -> None:
    # SD = 4000 * 0.20 * sqrt(30/365) = 229.35; put z = (4000-3850)/229.35 = 0.654 > 0.65
    sd = 4000 * 0.20 * math.sqrt(30 / 365)
    r = proximity(4000.0, [3850.0], [4300.0], [0.20], [30.0], 0.65)
    assert r.inputs["sd"] == pytest.approx(sd)
    assert r.inputs["min_z"] == pytest.approx(150 / sd)
    assert not r.fired and r.inputs["side"] == "put"
    # Two condors: the second's call is 140 pts away at 20 days, SD 187.3 -> z 0.747; put 0.654.
    r2 = proximity(4000.0, [3855.0, 3600.0], [4300.0, 4140.0], [0.20, 0.20], [30.0, 20.0])
    assert r2.fired and r2.inputs["side"] == "put" and r2.inputs["level"] == 3855.0
    assert r2.inputs["min_z"] == pytest.approx(145 / sd)
    assert "0.63 SD from the put short strike 3855" in r2.reason


def test_proximity_expiring_and_breached() -> None:
    r = proximity(4000.0, [4010.0], [4300.0], [0.2], [0.0])
    assert r.fired and r.inputs["min_z"] == -math.inf
    assert not proximity(4000.0, [], [], [], []).fired


def test_break_even_variant() -> None:
    # Break-even put 3950 (short 3960, credit 10): z = 50 / 229.35 = 0.218 <= 0.25.
    r = break_even_proximity(4000.0, [3950.0], [4310.0], [0.20], [30.0], 0.25)
    assert r.fired and r.rule == "break_even"


def test_book_delta_per_condor() -> None:
    # Two condors of one contract each: legs (put short -0.30 short, long put -0.10, short call
    # 0.10, long call 0.04) -> per condor -(-0.30) + (-0.10) - 0.10 + 0.04 = 0.14 ... x2 / 2.
    deltas = [-0.30, -0.10, 0.10, 0.04] * 2
    qty = [-1, 1, -1, 1] * 2
    r = book_delta_per_condor(deltas, qty, 2, 0.18)
    assert r.inputs["delta_per_condor"] == pytest.approx(0.14)
    assert not r.fired
    r2 = book_delta_per_condor([-0.45, -0.15, 0.05, 0.02], [-1, 1, -1, 1], 1, 0.18)
    assert r2.inputs["delta_per_condor"] == pytest.approx(0.27) and r2.fired
    with pytest.raises(ValueError):
        book_delta_per_condor([1.5], [1], 1)


def test_momentum_rules() -> None:
    # Flat VIX then a jump: MACD line and signal are 0 yesterday, line > signal today.
    jump = np.r_[np.full(60, 15.0), 17.0]
    m = macd_rule(jump)
    assert m.fired and m.inputs["crossover"] == "bullish"
    assert not macd_rule(np.r_[jump, 19.0]).fired  # already above: no new crossover
    assert not macd_rule(np.full(20, 15.0)).fired  # too short
    up = np.r_[np.full(30, 15.0), 15.0 + np.arange(1, 16)]
    r = rsi_rule(up, "VIX", 14, (30.0, 70.0))
    assert r.fired and r.inputs["rsi"] == 100.0
    wiggle = 15.0 + np.tile([0.5, -0.5], 20)
    r2 = rsi_rule(wiggle, "VIX", 14, (40.0, 60.0))
    assert not r2.fired and "neutral in [40, 60]" in r2.reason


def test_term_structure() -> None:
    assert term_regime(18.0, 19.5, 16.0, 18.0) == "contango"
    assert term_regime(18.0, 19.5, 19.0, 18.0) == "flat"  # mixed: VIX above VIX3M
    assert term_regime(30.0, 27.0) == "backwardation"
    assert term_regime(20.0, 20.05, tol=0.1) == "flat"
    r = term_structure(72.625, 60.0, 82.69, 60.0)
    assert r.fired and r.inputs["regime"] == "backwardation"


def test_macro_proximity_sessions() -> None:
    today = date(2024, 3, 18)
    nxt = (date(2024, 3, 19), date(2024, 3, 20), date(2024, 3, 21))
    fomc = [(date(2024, 3, 20), "FOMC")]
    r = macro_proximity(today, nxt, fomc, 2)
    assert r.fired and r.inputs["sessions_ahead"] == 2
    assert not macro_proximity(today, nxt, fomc, 1).fired
    assert not macro_proximity(date(2024, 3, 20), nxt[2:], fomc, 2).fired  # same day: done
    assert not macro_proximity(today, nxt, [(date(2024, 3, 20), "GDP")], 2).fired


def test_breadth() -> None:
    assert breadth_divergence(None, None).reason == "skipped: no breadth data"
    spx = np.linspace(4000, 4100, 30)
    ad = np.linspace(1000, 900, 30)
    assert breadth_divergence(ad, spx, 20).fired
    assert not breadth_divergence(ad[::-1], spx, 20).fired
