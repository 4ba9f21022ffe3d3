"""Sizing modes by hand on the fixture market (see hedge_fixtures for the numbers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hedge_fixtures import DAY0, EXPOSURE, config, quotes
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh.strategy.hedge.sizing import layer_plan, layer_shares, size_slices
from alvh.strategy.hedge.vxth import vxth_allocation, vxth_weight

NO_CAPS = {
    "premium_pct_of_equity": None,
    "vx_margin_pct_of_equity": None,
    "vx_notional_pct_of_equity": None,
}


def _size(cfg, layer, regime="flat", exposure=EXPOSURE, macro=False):  # type: ignore[no-untyped-def]
    plan = tuple(p for p in layer_plan(layer, cfg) if p.delay_sessions == 0)
    return size_slices(plan, exposure, quotes(DAY0), regime, DAY0, cfg, macro)


def _held(res) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {a.symbol: a.contracts for a in res.allocations}


def test_ladder_123_vx_plus_vxm_remainder() -> None:
    # T = 0.5 x 10,000 = 5,000 USD/VIX pt; layer 1 = 1/6 -> 833.3 / (0.5 x 1000) = 1.667 VX
    # -> 1 VX + round(6.67) = 7 VXM.
    res = _size(config("alvh-123"), 1)
    assert res.target == pytest.approx(5000.0)
    assert _held(res) == {"VX1": 1, "VXM1": 7}
    # Layer 3 = 3/6 x 5000 / (0.6 x 1) = 4166.7 -> 4167 ETF shares without the premium cap ...
    assert _held(_size(config("alvh-123", caps=NO_CAPS), 3)) == {"VXX": 4167}
    # ... but 4167 x $25 = 104,175 > 5% of 1,000,000: cut to floor(4166.7 x 50,000/104,175).
    res3 = _size(config("alvh-123"), 3)
    assert _held(res3) == {"VXX": 1999} and res3.capped == ("premium",)
    assert [round(v * 6) for v in layer_shares(config("alvh-123")).values()] == [1, 2, 3]


def test_contango_prefers_second_month() -> None:
    # Layer 2 calls: 2/6 x 5000 / (0.25 x 100) = 66.7 -> 67 of the 2nd expiry in contango.
    assert _held(_size(config("alvh-123"), 2, "contango")) == {"C2": 67}
    assert _held(_size(config("alvh-123"), 2, "backwardation")) == {"C1": 67}


def test_vega_mode_futures_share_and_call_steps() -> None:
    cfg = config("alvh-vega")
    # futures 30%: 1500 / 500 = 3 VX; calls 2 x 20% = 40%: 2000 / 25 = 80; ETF 30%: 1500/0.6.
    assert _held(_size(cfg, 1)) == {"VX1": 3}
    assert _held(_size(cfg, 2)) == {"C1": 80}
    assert _held(_size(config("alvh-vega", caps=NO_CAPS), 3)) == {"VXX": 2500}
    assert _held(_size(cfg, 3)) == {"VXX": 2000}  # premium cap: 50,000 USD / $25
    # Macro near: layers 2 and 3 x 1.5 = 120 calls, without a carry cap ...
    uncapped = config("alvh-vega", sizing={"carry_cap_pct_per_month": None})
    assert _held(_size(uncapped, 2, macro=True)) == {"C1": 120}
    # ... but 120 x 100 x 0.6 = 7,200 USD/month > 7,000 cap: floor(7000 / 60) = 116.
    capped = _size(cfg, 2, macro=True)
    assert _held(capped) == {"C1": 116} and "carry cap" in capped.reason


def test_budget_mode_notional_bases() -> None:
    cfg = config("alvh-123", sizing={"mode": "budget"})
    # 20% of max loss 100,000 = 20,000 USD; layer 1 = 1/3 -> 6,666.7 / (20 x 1000) = 0.333 VX.
    res = _size(cfg, 1)
    assert res.unit == "usd_notional" and "max_loss" in res.base
    assert _held(res) == {"VXM1": 3}
    cfg_m = config("alvh-123", sizing={"mode": "budget", "notional_base": "margin"})
    # 24,000 / 3 = 8,000 / 20,000 = 0.4 VX -> 4 VXM
    assert _held(_size(cfg_m, 1)) == {"VXM1": 4}


def test_442_tranches_and_budget_reading() -> None:
    cfg = config("alvh-442")
    plan = layer_plan(1, cfg)
    assert [p.weight * 3 for p in plan] == pytest.approx([0.4, 0.4, 0.2])
    assert [p.delay_sessions for p in plan] == [0, 4, 8]
    # Tranche 1: 0.4/3 x 5000 / 500 = 1.333 -> 1 VX + 3 VXM
    assert _held(_size(cfg, 1)) == {"VX1": 1, "VXM1": 3}
    # 442-budget: 40/40/20 of the layer's third of 20,000 across 0-30 / 30-90 / 90+ DTE
    # 2666.7 / 20,000 = 0.133 -> 1 VXM1; 2666.7/21,000 = 0.127 -> 1 VXM2; 90+ has no quote.
    res = _size(config("442-budget"), 1)
    assert _held(res) == {"VXM1": 1, "VXM2": 1}
    assert "no vx quote for tenor (90, 100000)" in res.reason
    # 442-instruments: 4 futures / 4 calls / 2 longer calls (layer 3 = calls >= 14 days later).
    res3 = _size(config("442-instruments"), 3)
    assert set(_held(res3)) == {"C2"}


def test_carry_cap_cuts_size() -> None:
    cfg = config("alvh-vega")
    # 3 VX x 1000 x 1.5 = 4,500 USD/month; cap 0.7% x 1,000,000 = 7,000; 5,000 already held.
    held = replace(EXPOSURE, hedge_carry_usd_per_month=5000.0)
    res = _size(cfg, 1, exposure=held)
    assert res.cut_factor == pytest.approx(2000 / 4500)
    # 3 x 0.444 = 1.333 -> floor: 1 VX + 3 VXM = 1,950 USD/month <= 2,000 room.
    assert _held(res) == {"VX1": 1, "VXM1": 3}
    assert res.carry_usd_per_month == pytest.approx(1950.0)
    assert "carry cap" in res.reason and "cut by 56%" in res.reason
    assert _size(cfg, 1).cut_factor == 1.0


def test_vxm_only_and_vx_only() -> None:
    only_vx = config("alvh-123", instruments={"allow_vxm": False})
    assert _held(_size(only_vx, 1)) == {"VX1": 2}  # round(1.667)
    only_vxm = config("alvh-123", instruments={"allow_vx": False})
    assert _held(_size(only_vxm, 1)) == {"VXM1": 17}


@pytest.mark.parametrize(
    ("vx", "w"),
    [(15.0, 0.0), (15.01, 0.01), (30.0, 0.01), (30.01, 0.005), (50.0, 0.005), (50.01, 0.0)],
)
def test_vxth_weight_boundaries(vx: float, w: float) -> None:
    assert vxth_weight(vx) == w


def test_vxth_contracts() -> None:
    # 1% of 1,000,000 = 10,000 USD / (1.85 x 100) = 54.05 -> 54 calls
    n, r = vxth_allocation(22.0, 1_000_000.0, 1.85)
    assert n == 54 and r.fired and "54 calls" in r.reason


@settings(max_examples=40, deadline=None)
@given(
    vega=st.floats(0, 1e6),
    loss=st.floats(0, 1e7),
    carry=st.floats(0, 1e5),
    mode=st.sampled_from(["ladder_123", "442", "442_budget", "442_instruments", "vega", "budget"]),
    layer=st.sampled_from([1, 2, 3]),
    regime=st.sampled_from(["contango", "flat", "backwardation"]),
)
def test_sizing_never_negative(vega, loss, carry, mode, layer, regime) -> None:  # type: ignore[no-untyped-def]
    exp = replace(
        EXPOSURE, short_vega_usd_per_vol_pt=vega, max_loss_usd=loss, hedge_carry_usd_per_month=carry
    )
    res = _size(config("alvh-123", sizing={"mode": mode}), layer, regime, exp)
    assert all(a.contracts > 0 for a in res.allocations)
    cap = 0.007 * EXPOSURE.capital_usd
    if res.cut_factor < 1.0:
        assert carry + res.carry_usd_per_month <= cap + 1e-6 or res.contracts == 0


def test_before_vxm_was_listed_sizing_rounds_to_whole_vx_and_says_why() -> None:
    # 2019-06-03, before Mini VIX futures (2020-08-10): the engine's quotes carry no mini.
    # Layer 1 wants 1.667 VX (see the ladder test) -> round(1.667) = 2 whole VX, not 1 + 7 VXM.
    day = date(2019, 6, 3)
    qs = tuple(replace(q, mini_symbol=None) for q in quotes(day))
    plan = tuple(p for p in layer_plan(1, config("alvh-123")) if p.delay_sessions == 0)
    res = size_slices(plan, EXPOSURE, qs, "flat", day, config("alvh-123"))
    assert _held(res) == {"VX1": 2}
    assert "no VXM on 2019-06-03: Mini VIX futures were listed from 2020-08-10" in res.reason
    assert "whole VX only" in res.reason
    # A config that allows only VXM gets no futures then, and says so.
    only_vxm = config("alvh-123", instruments={"allow_vx": False})
    res = size_slices(plan, EXPOSURE, qs, "flat", day, only_vxm)
    assert res.allocations == ()
    assert "allow_vx = false: no VX futures" in res.reason


def test_no_etf_before_vxx_listed_and_the_note_says_why() -> None:
    day = date(2008, 10, 15)
    qs = tuple(q for q in quotes(day) if q.kind != "etf")  # the engine offers none then
    plan = tuple(p for p in layer_plan(3, config("alvh-123")) if p.delay_sessions == 0)
    res = size_slices(plan, EXPOSURE, qs, "flat", day, config("alvh-123"))
    assert res.allocations == ()
    assert "no VIX-futures ETF was listed before 2009-01-30" in res.reason
