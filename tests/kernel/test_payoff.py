"""Expiry payoffs computed by hand (arithmetic in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from alvh.kernel.payoff import (
    condor_strikes,
    iron_condor_breakevens,
    iron_condor_max_loss_usd,
    iron_condor_payoff_usd,
    legs_payoff,
    vanilla_payoff,
)


def test_vanilla_payoff() -> None:
    # call 100 at 112 -> 12; put 100 at 112 -> 0; put 100 at 93 -> 7
    got = vanilla_payoff([112.0, 112.0, 93.0], 100.0, [True, False, False])
    np.testing.assert_array_equal(got, [12.0, 0.0, 7.0])


def test_iron_condor_by_hand() -> None:
    # SPX 4300/4350 put spread, 4650/4700 call spread (50-point wings), 3.80 credit.
    ic = condor_strikes(4300.0, 4350.0, 4650.0, 4700.0)
    credit = 3.80
    settle = np.array(
        [4000.0, 4300.0, 4325.0, 4346.2, 4350.0, 4500.0, 4650.0, 4653.8, 4690.0, 5000.0]
    )
    pnl = iron_condor_payoff_usd(settle, ic, credit)
    expected = [
        (3.80 - 50) * 100,  # below long put: full put width owed -> -4620
        (3.80 - 50) * 100,  # at long put: -4620
        (3.80 - 25) * 100,  # 4350-4325 = 25 owed -> -2120
        0.0,  # lower break-even 4350 - 3.80
        380.0,  # at short put: keep the credit
        380.0,  # between the shorts
        380.0,  # at short call
        0.0,  # upper break-even 4650 + 3.80
        (3.80 - 40) * 100,  # 4690-4650 = 40 owed -> -3620
        (3.80 - 50) * 100,  # above long call: -4620
    ]
    np.testing.assert_allclose(pnl, expected, atol=1e-9)
    assert iron_condor_max_loss_usd(ic, credit) == pytest.approx(4620.0)
    lower, upper = iron_condor_breakevens(ic, credit)
    assert (lower, upper) == (pytest.approx(4346.2), pytest.approx(4653.8))


def test_uneven_wings_max_loss_uses_wider_wing() -> None:
    # put wing 25, call wing 50, credit 5.00 -> max loss 50*100 - 500 = 4500, only above 4750.
    ic = condor_strikes([4325.0], [4350.0], [4700.0], [4750.0])
    assert iron_condor_max_loss_usd(ic, 5.0)[0] == pytest.approx(4500.0)
    pnl = iron_condor_payoff_usd(np.array([[3000.0], [6000.0]]), ic, 5.0)
    np.testing.assert_allclose(pnl.ravel(), [(5 - 25) * 100, (5 - 50) * 100])
    assert pnl.min() == pytest.approx(-iron_condor_max_loss_usd(ic, 5.0)[0])


def test_legs_payoff_equals_condor() -> None:
    settle = np.linspace(4000.0, 5000.0, 101)
    ic = condor_strikes(4300.0, 4350.0, 4650.0, 4700.0)
    legs = legs_payoff(
        settle, [4300.0, 4350.0, 4650.0, 4700.0], [False, False, True, True], [1, -1, -1, 1]
    )
    np.testing.assert_allclose((2.5 + legs) * 100, iron_condor_payoff_usd(settle, ic, 2.5))


def test_misordered_strikes_are_rejected() -> None:
    with pytest.raises(ValueError, match="long_put < short_put <= short_call < long_call"):
        condor_strikes(4350.0, 4300.0, 4650.0, 4700.0)
