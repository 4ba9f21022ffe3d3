"""Account caps on the hedge, by hand on the fixture market (see hedge_fixtures for the numbers).

Fixture: equity 1,000,000 USD; book short vega 10,000 USD/pt, so the whole hedge T = 5,000
USD per VIX point; VX1 at 20 (beta 0.5), calls at 2.00 (beta 0.25), the ETF at 25 USD (beta 0.6).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hedge_fixtures import DAY0, EXPOSURE, config, inputs, quotes

from alvh.config.hedge import hedge_config_from_dict
from alvh.errors import ConfigError
from alvh.strategy.hedge.caps import CapUse, cap_cut, capped_count
from alvh.strategy.hedge.decision import step
from alvh.strategy.hedge.instruments import InstrumentQuote
from alvh.strategy.hedge.results import Allocation
from alvh.strategy.hedge.sizing import layer_plan, size_slices
from alvh.strategy.hedge.state import HedgeState, LayerHolding

NO_CARRY = {"carry_cap_pct_per_month": None}


def _size(cfg, layer, exposure=EXPOSURE, q=None):  # type: ignore[no-untyped-def]
    plan = tuple(p for p in layer_plan(layer, cfg) if p.delay_sessions == 0)
    return size_slices(plan, exposure, q or quotes(DAY0), "flat", DAY0, cfg)


def _held(res) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {a.symbol: a.contracts for a in res.allocations}


def test_premium_cap_binds_on_calls_and_names_itself() -> None:
    # alvh-vega calls: 40% x 5,000 / (0.25 x 100) = 80 calls x 2.00 x 100 = 16,000 USD premium.
    # With 40,000 already held and a 5% cap (50,000): room 10,000 -> floor(80 x 10/16) = 50.
    cfg = config("alvh-vega", sizing=NO_CARRY)
    held = replace(EXPOSURE, held=CapUse(premium_usd=40_000.0))
    res = _size(cfg, 2, held)
    assert _held(res) == {"C1": 50}
    assert res.capped == ("premium",)
    assert "capped: premium (VIX calls + ETF) 5.0% of equity 1,000,000 = 50,000 USD" in res.reason
    assert "held 40,000 + wanted 16,000" in res.reason
    # The premium bought plus held stays under the cap.
    assert 40_000 + 50 * 2.0 * 100 <= 50_000


def test_cap_does_not_bind_when_there_is_room() -> None:
    cfg = config("alvh-vega", sizing=NO_CARRY)
    res = _size(cfg, 2, replace(EXPOSURE, held=CapUse(premium_usd=30_000.0)))
    assert _held(res) == {"C1": 80} and res.capped == () and "capped" not in res.reason


def test_vx_margin_and_notional_caps() -> None:
    # alvh-vega futures: 30% x 5,000 / (0.5 x 1000) = 3 VX; margin 10,000 each.
    q = tuple(
        replace(x, margin_usd=10_000.0, mini_margin_usd=1_000.0) if x.kind == "vx" else x
        for x in quotes(DAY0)
    )
    cfg = config("alvh-vega", sizing=NO_CARRY)
    # Margin cap 10% = 100,000; 85,000 held -> room 15,000 = 1.5 VX -> 1 VX + 5 VXM.
    res = _size(cfg, 1, replace(EXPOSURE, held=CapUse(vx_margin_usd=85_000.0)), q)
    assert _held(res) == {"VX1": 1, "VXM1": 5} and res.capped == ("vx_margin",)
    assert "capped: VX margin 10.0% of equity" in res.reason
    # Notional cap 20% = 200,000; 170,000 held -> room 30,000 = 1.5 VX at 20 x 1000.
    res = _size(cfg, 1, replace(EXPOSURE, held=CapUse(vx_notional_usd=170_000.0)), q)
    assert _held(res) == {"VX1": 1, "VXM1": 5} and res.capped == ("vx_notional",)
    # Both caps off: the planned 3 VX.
    off = config("alvh-vega", sizing=NO_CARRY, caps={"vx_margin_pct_of_equity": None})
    off = off.model_copy(
        update={"caps": off.caps.model_copy(update={"vx_notional_pct_of_equity": None})}
    )
    full = replace(EXPOSURE, held=CapUse(0.0, 1e9, 1e9))
    assert _held(_size(off, 1, full, q)) == {"VX1": 3}


def test_caps_scale_with_equity_in_every_mode() -> None:
    # A small account under a big condor book: whatever the mode, the buy fits the caps.
    small = replace(EXPOSURE, capital_usd=50_000.0)
    q = tuple(
        replace(x, margin_usd=10_000.0, mini_margin_usd=1_000.0) if x.kind == "vx" else x
        for x in quotes(DAY0)
    )
    by_sym = {x.symbol: x for x in q} | {x.mini_symbol: x for x in q if x.mini_symbol}
    for preset in ("alvh-123", "alvh-vega", "alvh-442", "442-budget", "442-instruments"):
        cfg = config(preset, sizing=NO_CARRY)
        for layer in (1, 2, 3):
            res = _size(cfg, layer, small, q)
            prem = sum(a.cost_usd for a in res.allocations if a.kind not in ("vx", "vxm"))
            vx = [a for a in res.allocations if a.kind in ("vx", "vxm")]
            margin = sum(
                a.contracts * (by_sym[a.symbol].margin_usd if a.kind == "vx" else 1_000.0)
                for a in vx
            )
            assert prem <= 0.05 * 50_000 + 1e-6, (preset, layer)
            assert margin <= 0.10 * 50_000 + 1e-6, (preset, layer)
            assert sum(a.cost_usd for a in vx) <= 0.20 * 50_000 + 1e-6, (preset, layer)


def test_bust_book_buys_nothing_and_says_so() -> None:
    res = _size(config("alvh-123"), 1, replace(EXPOSURE, capital_usd=-3_239.0))
    assert res.allocations == () and res.capped == ("bust",)
    assert "no hedge bought: equity -3,239 USD <= 0 (the book is bust" in res.reason
    # Through the step: a price trigger fires but the layer sizes to 0 and the hold says why.
    inp = replace(
        inputs(10, spot=3620.0), exposure=replace(EXPOSURE, capital_usd=-3_239.0)
    )  # SPX near the short put
    decisions = step(HedgeState(), inp, config("alvh-123")).decisions
    assert [d.action for d in decisions] == ["hold"]
    assert "book is bust" in decisions[0].reason


def test_cap_cut_pure_function() -> None:
    cfg = config("alvh-123")
    cut = cap_cut(CapUse(premium_usd=45_000.0), CapUse(premium_usd=10_000.0), 1e6, cfg)
    assert cut.premium_factor == pytest.approx(0.5) and cut.vx_factor == 1.0
    assert cut.binding == ("premium",)
    none = cap_cut(CapUse(), CapUse(premium_usd=10_000.0), 1e6, cfg)
    assert none.binding == () and none.notes == ()
    n, why = capped_count(10, CapUse(premium_usd=1_000.0), CapUse(premium_usd=46_500.0), 1e6, cfg)
    assert n == 3 and why is not None and "premium" in why


def test_roll_is_cut_to_the_caps_of_a_shrunken_account() -> None:
    # 40 calls of C1 held, 3 days to expiry (inside the 5-day roll window). Equity fell to
    # 100,000: the 5% premium cap leaves 5,000 USD = 25 calls at 2.00 x 100 after the old ones go.
    cfg = config("alvh-123", sizing=NO_CARRY)
    old = Allocation("OLD", "vix_call", 40, 100.0, 2.0, (DAY0 + timedelta(days=13)).toordinal())
    inp = replace(inputs(10), layers=(LayerHolding(1, (old,)),))
    ex = replace(
        EXPOSURE,
        capital_usd=100_000.0,
        held=CapUse(premium_usd=40 * 50.0),
        held_unit_use={"OLD": CapUse(premium_usd=50.0)},  # the old call marks at 0.50
    )
    out = step(HedgeState(), replace(inp, exposure=ex), cfg)
    roll = next(d for d in out.decisions if d.action == "roll")
    assert roll.closes == ("OLD",)
    assert [(a.symbol, a.contracts) for a in roll.allocations] == [
        ("C2", 25)
    ]  # contango: 2nd expiry
    assert "roll 25 of 40" in roll.reason and "capped: premium" in roll.reason
    assert out.layers[0].allocations[0].contracts == 25


def test_caps_config_rejects_unknown_and_bad_values() -> None:
    cfg = hedge_config_from_dict({"preset": "alvh-vega", "caps": {"premium_pct_of_equity": 3}})
    assert cfg.caps.premium_pct_of_equity == 3.0 and cfg.caps.vx_margin_pct_of_equity == 10.0
    with pytest.raises(ConfigError, match=r"hedge\.caps\.premium_pct"):
        hedge_config_from_dict({"preset": "alvh-vega", "caps": {"premium_pct": 3}})
    with pytest.raises(ConfigError, match=r"hedge\.caps\.vx_margin_pct_of_equity"):
        hedge_config_from_dict({"preset": "alvh-vega", "caps": {"vx_margin_pct_of_equity": -1}})


def test_monetise_uses_the_books_entry_cost() -> None:
    # Layer 1 bought at decision price 20 (cost 20,000 per VX) but the book's entry cost is
    # 8,000 (what the engine says it paid): a 5,000 gain is 62.5% of 8,000 >= 50% target.
    cfg = config("alvh-123")
    a = Allocation("VX1", "vx", 1, 1000.0, 20.0, (DAY0 + timedelta(days=60)).toordinal())
    base = replace(inputs(10, gains={1: 5_000.0}), layers=(LayerHolding(1, (a,)),))
    d1 = step(HedgeState(), base, cfg).decisions
    assert not any(d.action == "monetise" for d in d1)  # 25% of the 20,000 decision cost
    d2 = step(HedgeState(), replace(base, layer_costs_usd={1: 8_000.0}), cfg).decisions
    mon = [d for d in d2 if d.action == "monetise"]
    assert mon and "62.5% of its cost 8,000" in mon[0].reason


def test_quote_margin_defaults_are_zero_for_non_futures() -> None:
    q = InstrumentQuote("C", "vix_call", 2.0, 100.0, 0.25, -0.6, DAY0)
    assert (q.margin_usd, q.mini_margin_usd) == (0.0, 0.0)
