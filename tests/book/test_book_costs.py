"""Costs by hand: tick rules, fills against the trader, the fitted half-spread, fees, bands."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from alvh.book.costs import (
    SPX_OPTION_TICKS,
    VX_FUTURE_TICKS,
    FeeSchedule,
    LinearHalfSpread,
    SpxHalfSpread,
    complex_fill_prices,
    fill_price,
    round_strike,
    tick_rule,
)
from alvh.config.execution import ExecutionConfig, spread_band_variants
from alvh.engine.costs import HedgeCosts, cost_model
from alvh.errors import ConfigError

SPX = SpxHalfSpread(
    c=0.06,
    beta=0.3,
    gamma=1.0,
    floor=0.025,
    stress_ref_atm_vol=0.15,
    stress_power=1.5,
    stress_cap=10.0,
)


def test_ticks_round_against_the_trader() -> None:
    prices = np.array([1.01, 1.01, 2.99, 2.99, 3.01, 3.01, 1.05, 1.05])
    side = np.array([1, -1, 1, -1, 1, -1, 1, -1])
    # Below 3: 0.05 ticks (1.01 -> buy 1.05, sell 1.00; 2.99 -> buy 3.00, sell 2.95); at or above
    # 3: 0.10 ticks (3.01 -> 3.10 / 3.00); a price on the grid stays (float noise tolerated).
    np.testing.assert_allclose(
        SPX_OPTION_TICKS.round_against(prices, side),
        [1.05, 1.00, 3.00, 2.95, 3.10, 3.00, 1.05, 1.05],
    )
    assert float(SPX_OPTION_TICKS.round_against(0.1 + 0.2, 1)) == pytest.approx(0.30)
    assert bool(np.all(SPX_OPTION_TICKS.is_on_grid([0.05, 2.95, 3.0, 3.1])))
    assert not bool(np.any(SPX_OPTION_TICKS.is_on_grid([0.07, 3.05])))


def test_tick_rules_by_product_and_date() -> None:
    # VIX options and VXM moved to finer ticks with Cboe's change of November 2022; VX and SPX
    # options did not.
    before, after = date(2022, 11, 1), date(2023, 1, 3)
    assert tick_rule("vix_option", before).small_tick == 0.05
    assert tick_rule("vix_option", before).large_tick == 0.10
    assert (
        tick_rule("vix_option", after).small_tick,
        tick_rule("vix_option", after).large_tick,
    ) == (
        0.01,
        0.05,
    )
    assert tick_rule("vxm_future", before).small_tick == 0.05
    assert tick_rule("vxm_future", after).small_tick == 0.01
    assert tick_rule("vx_future", after).small_tick == 0.05
    assert tick_rule("spx_option", after) == SPX_OPTION_TICKS
    assert tick_rule("etf").small_tick == 0.01


def test_fill_prices_by_hand() -> None:
    mid = np.array([10.00, 10.00, 2.00, 0.10, 0.02, 0.03])
    side = np.array([1, -1, -1, 1, 1, -1])
    slip = np.array([0.10, 0.10, 0.05, 0.0375, 0.01, 0.02])
    # buy 10.10 (on the 0.10 grid); sell 9.90; sell 1.95; buy 0.1375 -> up to 0.15;
    # buy 0.03 -> one tick 0.05 (never below a tick); sell 0.01 -> down to 0 (never negative)
    np.testing.assert_allclose(
        fill_price(mid, side, slip, SPX_OPTION_TICKS), [10.10, 9.90, 1.95, 0.15, 0.05, 0.0]
    )
    # VX: 17.43 mid, buy with 0.0125 slippage -> 17.4425 -> up to 17.45; sell -> 17.40
    assert float(fill_price(17.43, 1, 0.0125, VX_FUTURE_TICKS)) == pytest.approx(17.45)
    assert float(fill_price(17.43, -1, 0.0125, VX_FUTURE_TICKS)) == pytest.approx(17.40)
    # A mid below zero (a model artefact) still never fills below zero or below a tick.
    assert float(fill_price(-0.02, -1, 0.01, SPX_OPTION_TICKS)) == 0.0
    assert float(fill_price(-0.02, 1, 0.01, SPX_OPTION_TICKS)) == 0.05


def test_complex_order_prices_by_hand() -> None:
    # Closing a condor: buy back shorts at 1.203 and 0.418 (+ slippage 0.02), sell longs at
    # 0.261 and 0.109 (- 0.02); the long call is kept (not traded).
    mid = np.array([0.261, 1.203, 0.418, 0.109])
    side = np.array([-1, 1, 1, -1])
    traded = np.array([True, True, True, False])
    px = complex_fill_prices(mid, side, np.full(4, 0.02), traded)
    # pennies against us: sell 0.241 -> 0.24, buy 1.223 -> 1.23, buy 0.438 -> 0.44;
    # net paid 1.23 + 0.44 - 0.24 = 1.43 -> 1.45 on the $0.05 grid: +0.02 on the dearest leg.
    np.testing.assert_allclose(px[:3], [0.24, 1.25, 0.44])
    assert float(np.dot(side[:3], px[:3])) == pytest.approx(1.45)
    # A bought wing is never below one tick even in a complex order: 0.01 + 0.01 -> 0.05.
    px = complex_fill_prices([0.01, 2.0], [1, -1], [0.01, 0.01], [True, True])
    # Net received 1.99 - 0.05 = 1.94 -> 1.90 on the grid: the 1.99 sale gives 0.04.
    np.testing.assert_allclose(px, [0.05, 1.95])


def test_spx_half_spread_by_hand() -> None:
    # 0.06 x 4 ** 0.3 x e ** (1.0 x 0.1) = 0.06 x 1.515717 x 1.105171 = 0.100508
    assert float(SPX.half_spread(4.0, 0.1)) == pytest.approx(0.06 * 4**0.3 * math.exp(0.1))
    assert float(SPX.half_spread(4.0, 0.1)) == pytest.approx(0.100508, abs=1e-6)
    # A near-worthless option: 0.06 x 0.01 ** 0.3 = 0.015 -> the floor 0.025
    assert float(SPX.half_spread(0.01, 0.02)) == pytest.approx(0.025)
    # Stress: calm (or unknown) vol changes nothing; 30% ATM vol is 2x the reference ->
    # 2 ** 1.5 = 2.828; 200% vol would be 13.3 ** 1.5 = 48.7, capped at 10.
    assert SPX.stress(0.12) == 1.0 and SPX.stress(math.nan) == 1.0
    assert SPX.stress(0.30) == pytest.approx(2**1.5)
    assert SPX.stress(2.0) == 10.0
    calm, stressed = SPX.half_spread(4.0, 0.1, 0.10), SPX.half_spread(4.0, 0.1, 0.30)
    assert float(stressed / calm) == pytest.approx(2**1.5)


def test_linear_half_spread_and_fees_and_strike_grid() -> None:
    vix = LinearHalfSpread(floor=0.025, a=0.025, b=0.025)
    np.testing.assert_allclose(vix.half_spread([0.0, 1.0, 3.0]), [0.025, 0.05, 0.10])
    spx = FeeSchedule(commission_usd=0.65, exchange_fee_usd=0.60)
    # 4 legs x 3 contracts x (0.65 + 0.60) = 15.00
    assert float(np.sum(spx.fees_usd([3, -3, -3, 3]))) == pytest.approx(15.0)
    np.testing.assert_allclose(round_strike([4512.4, 4512.6, 4497.5]), [4510, 4515, 4500])


def test_config_defaults_are_the_fitted_model_and_one_model_serves_hedges() -> None:
    ex = ExecutionConfig()
    m = cost_model(ex)
    sp = ex.spreads.spx_option
    assert (m.spx_option.c, m.spx_option.beta, m.spx_option.gamma) == (sp.c, sp.beta, sp.gamma)
    assert m.slippage_frac == 0.5 and m.fee_usd("spx_option") == pytest.approx(1.25)
    # The hedge's costs are the same model: HedgeCosts() is ExecutionConfig()'s.
    h = HedgeCosts()
    assert h.model == m
    assert h.slippage_frac == ex.slippage_frac_of_half_spread
    assert h.vx_fee_usd == pytest.approx(2.50) and h.vix_option_fee_usd == pytest.approx(1.10)
    # A $3 VIX call: half-spread 0.025 + 0.025 x 3 = 0.10, half of it paid = 0.05.
    assert float(m.slippage("vix_option", 3.0)) == pytest.approx(0.05)


def test_cost_band_scales_every_half_spread() -> None:
    fit = cost_model(ExecutionConfig())
    low = cost_model(ExecutionConfig(spread_band="low"))
    high = cost_model(ExecutionConfig.model_validate({"spread_band": "high"}))
    e = ExecutionConfig().spread_error_frac
    for mid in (0.3, 4.0, 25.0):
        base = float(fit.spx_slippage(mid, 0.1))
        assert float(low.spx_slippage(mid, 0.1)) == pytest.approx(base * (1 - e))
        assert float(high.spx_slippage(mid, 0.1)) == pytest.approx(base * (1 + e))
    assert float(high.slippage("vix_option", 2.0)) == pytest.approx(
        float(fit.slippage("vix_option", 2.0)) * (1 + e)
    )
    # The named variants keep everything else of the config.
    ex = ExecutionConfig(slippage_frac_of_half_spread=0.25)
    v = spread_band_variants(ex)
    assert list(v) == ["low", "fit", "high"] and v["fit"] == ex
    assert v["high"].spread_band == "high" and v["high"].slippage_frac_of_half_spread == 0.25


def test_old_spread_keys_are_rejected_with_a_typed_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alvh.config.load import load_config

    path = tmp_path / "run.toml"
    path.write_text("[execution.spreads.spx_option]\nmin_tick = 0.05\n")
    with pytest.raises(ConfigError, match="min_tick"):
        load_config(path)
