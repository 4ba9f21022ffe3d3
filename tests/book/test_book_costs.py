"""Costs by hand: spread model, fill prices on the tick grid, fees, strike grid."""

from __future__ import annotations

import numpy as np
import pytest

from alvh.book.costs import (
    SPX_OPTION_TICKS,
    VX_FUTURE_TICKS,
    FeeSchedule,
    SpreadModel,
    fill_price,
    round_strike,
)
from alvh.config.execution import ExecutionConfig

SPX_SPREAD = SpreadModel(min_tick=0.05, a=0.10, b=0.02, far_otm_delta=0.10, far_otm_multiplier=1.5)


def test_spread_model_by_hand() -> None:
    price = np.array([10.0, 1.0, 0.10, 1.0])
    delta = np.array([0.30, 0.20, 0.02, 0.05])
    # 0.10 + 0.02 x 10 = 0.30; 0.10 + 0.02 = 0.12; 0.102 x 1.5 (far OTM) = 0.153; 0.12 x 1.5 = 0.18
    np.testing.assert_allclose(SPX_SPREAD.spread(price, delta), [0.30, 0.12, 0.153, 0.18])
    wide_tick = SpreadModel(min_tick=0.25, a=0.0, b=0.01, far_otm_delta=0.0, far_otm_multiplier=1)
    assert float(wide_tick.spread(5.0, 0.5)) == pytest.approx(0.25)  # floored at the min tick


def test_fill_prices_by_hand() -> None:
    mid = np.array([10.00, 10.00, 2.00, 0.10])
    side = np.array([1, -1, -1, 1])
    spread = np.array([0.40, 0.40, 0.20, 0.15])
    # buy: 10 + 0.5 x 0.20 = 10.10 (tick 0.10); sell: 9.90; sell 2.00 - 0.05 = 1.95 (tick 0.05);
    # buy 0.10 + 0.0375 = 0.1375 -> nearest 0.05 is 0.15
    np.testing.assert_allclose(
        fill_price(mid, side, spread, 0.5, SPX_OPTION_TICKS), [10.10, 9.90, 1.95, 0.15]
    )
    # at the bid (frac 1): selling a 0.05-mid wing with a 0.15 spread gives 0 (floored, not < 0)
    assert float(fill_price(0.05, -1, 0.15, 1.0, SPX_OPTION_TICKS)) == 0.0
    # VX: 17.43 mid, buy half of a 0.05 spread -> 17.4425 -> 17.45
    assert float(fill_price(17.43, 1, 0.05, 0.5, VX_FUTURE_TICKS)) == pytest.approx(17.45)


def test_fees_and_strike_grid() -> None:
    spx = FeeSchedule(commission_usd=0.65, exchange_fee_usd=0.60)
    # 4 legs x 3 contracts x (0.65 + 0.60) = 15.00
    assert float(np.sum(spx.fees_usd([3, -3, -3, 3]))) == pytest.approx(15.0)
    np.testing.assert_allclose(round_strike([4512.4, 4512.6, 4497.5]), [4510, 4515, 4500])


def test_config_defaults_build_book_cost_objects() -> None:
    ex = ExecutionConfig()
    model = SpreadModel(**ex.spreads.spx_option.model_dump())
    assert model == SPX_SPREAD
    fees = FeeSchedule(**ex.fees.spx_option.model_dump())
    assert fees.commission_usd + fees.exchange_fee_usd == pytest.approx(1.25)
