"""The compiled fill prices equal the numpy formulas bit for bit (not within a tolerance)."""

from __future__ import annotations

import numpy as np
import pytest

from alvh.book.costs import PENNY_TICKS, SPX_OPTION_TICKS, TickRule, fill_price
from alvh.kernel._numba import HAVE_NUMBA
from alvh.kernel.ticks import fill_prices, fill_prices_reference

RULES = [SPX_OPTION_TICKS, PENNY_TICKS, TickRule(0.01, 0.05, 3.0), TickRule(0.05, 0.05)]


def _cases(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mids from worthless to deep in the money, many on or next to a tick grid and around the
    3.00 threshold; sides +-1, signed quantities and 0; slippage 0 to a few points."""
    mid = np.concatenate(
        [
            rng.uniform(0.0, 400.0, n),
            rng.uniform(0.0, 0.2, n),
            rng.uniform(2.8, 3.2, n),
            np.round(rng.uniform(0.0, 50.0, n) / 0.05) * 0.05,  # on the grid, float noise kept
            np.round(rng.uniform(0.0, 50.0, n) / 0.01) * 0.01 + rng.normal(0.0, 1e-10, n),
        ]
    )
    m = mid.shape[0]
    side = rng.choice(np.array([1.0, -1.0, 3.0, -7.0, 0.0]), m)
    slip = np.where(rng.random(m) < 0.2, 0.0, rng.uniform(0.0, 3.0, m))
    return mid, side, slip


@pytest.mark.skipif(not HAVE_NUMBA, reason="the compiled path needs numba")
@pytest.mark.parametrize("rule", RULES, ids=["spx", "penny", "vix2022", "flat"])
def test_compiled_fill_prices_equal_the_reference_exactly(rule: TickRule) -> None:
    mid, side, slip = _cases(np.random.default_rng(5), 40_000)
    args = (rule.small_tick, rule.large_tick, rule.threshold)
    fast = fill_prices(mid, side, slip, *args)
    ref = fill_prices_reference(mid, side, slip, *args)
    assert fast.tobytes() == ref.tobytes()  # every bit, signs of zero included
    # A NaN mid stays NaN on both paths.
    nan = fill_prices(np.array([np.nan, 1.0]), np.array([1.0, -1.0]), np.zeros(2), *args)
    assert np.isnan(nan[0]) and nan[1] == 1.0


@pytest.mark.parametrize("rule", RULES, ids=["spx", "penny", "vix2022", "flat"])
def test_the_reference_is_the_tick_rules_rounding(rule: TickRule) -> None:
    """The reference is mid + slippage against the trader, ``TickRule.round_against``, then a
    buy floored at one small tick and a sale at 0 (the formula ``fill_price`` always had)."""
    mid, side, slip = _cases(np.random.default_rng(6), 5_000)
    sgn = np.sign(side)
    px = rule.round_against(mid + sgn * slip, sgn)
    expected = np.where(sgn > 0, np.maximum(px, rule.small_tick), np.maximum(px, 0.0))
    got = fill_prices_reference(mid, side, slip, rule.small_tick, rule.large_tick, rule.threshold)
    assert got.tobytes() == expected.tobytes()


def test_fill_price_by_hand() -> None:
    """SPX legs: a buy at mid 2.93 + 0.10 = 3.03 rounds up on the 0.10 grid to 3.10; a sale at
    2.93 - 0.10 = 2.83 rounds down on the 0.05 grid to 2.80; a sale of a 0.02 mid fills at 0; a
    buy of a 0.01 mid fills at one tick, 0.05. Scalars (the hedge's fills) take the same rule."""
    px = fill_price(
        np.array([2.93, 2.93, 0.02, 0.01]),
        np.array([1.0, -1.0, -1.0, 1.0]),
        np.array([0.10, 0.10, 0.0, 0.0]),
        SPX_OPTION_TICKS,
    )
    assert px.tolist() == [3.1, 2.8, 0.0, 0.05]
    assert float(fill_price(2.93, -2.0, 0.10, SPX_OPTION_TICKS)) == 2.8
