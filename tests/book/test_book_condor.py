"""Contracts and the iron condor: ids, validation errors, payoff/max loss/break-evens by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from alvh.book.condor import InvalidCondorError, IronCondor, Leg
from alvh.book.contracts import EtfShare, SpxOption, VixFuture, VixOption

EXP = date(2024, 3, 15)


def test_contract_ids_are_stable_and_hashable() -> None:
    assert SpxOption("SPX", EXP, 4500.0, "P").id == "SPX 2024-03-15 P 4500"
    assert SpxOption("SPXW", EXP, 4512.5, "C").id == "SPXW 2024-03-15 C 4512.5"
    assert SpxOption("SPX", EXP, 4500, "P").settlement == "AM"
    assert SpxOption("SPXW", EXP, 4500, "P").settlement_key == "SPX:PM"
    vx = VixFuture.for_expiry(date(2024, 3, 20))
    assert (vx.id, vx.multiplier) == ("VXH24", 1000.0)
    vxm = VixFuture.for_expiry(date(2024, 3, 20), mini=True)
    assert (vxm.id, vxm.multiplier) == ("VXMH24", 100.0)
    vo = VixOption(date(2024, 3, 20), 25.0, "C")
    assert vo.id == "VIX 2024-03-20 C 25" and vo.forward == vx and vo.multiplier == 100.0
    assert EtfShare("VXX").id == "VXX"
    # equal terms -> equal hash: usable as dict keys across the book
    assert len({SpxOption("SPX", EXP, 4500, "P"), SpxOption("SPX", EXP, 4500.0, "P")}) == 1


def test_contract_terms_are_validated() -> None:
    with pytest.raises(ValueError, match="right"):
        SpxOption("SPX", EXP, 4500, "X")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="PM-settled"):
        SpxOption("SPXW", EXP, 4500, "P", settlement="AM")
    with pytest.raises(ValueError, match="VXH24"):
        VixFuture("VIXH24", EXP)


@pytest.mark.parametrize(
    ("strikes", "qty", "message"),
    [
        ((4450, 4400, 4700, 4750), 1, "long put < short put"),
        ((4400, 4450, 4750, 4700), 1, "long put < short put <= short call < long call"),
        ((4400, 4650, 4600, 4750), 1, "short call"),
        ((4400, 4450, 4700, 4750), 0, "positive"),
        ((4400, 4450, 4700, 4750), -2, "positive"),
    ],
)
def test_condor_rejects_bad_terms(strikes: tuple[float, ...], qty: float, message: str) -> None:
    with pytest.raises(InvalidCondorError, match=message):
        IronCondor.from_strikes(EXP, strikes, qty)  # type: ignore[arg-type]


def test_equal_shorts_make_an_iron_butterfly() -> None:
    # BFLY-style: short the 4600 straddle, long the 4370 put and 4830 call (5% wings at 4600).
    fly = IronCondor.from_strikes(EXP, (4370, 4600, 4600, 4830), 2)
    # At expiry, SPX 4650: the short call pays out 50, nothing else is in the money.
    assert float(fly.payoff_usd(4650.0)) == pytest.approx(-50.0 * 100 * 2)
    # Beyond a wing the loss is capped at the wing width, 230 points.
    assert float(fly.payoff_usd(5000.0)) == pytest.approx(-230.0 * 100 * 2)


def test_condor_rejects_mixed_expiries_and_wrong_legs() -> None:
    other = date(2024, 3, 22)
    with pytest.raises(InvalidCondorError, match="one expiry"):
        IronCondor(
            SpxOption("SPXW", EXP, 4400, "P"),
            SpxOption("SPXW", EXP, 4450, "P"),
            SpxOption("SPXW", other, 4700, "C"),
            SpxOption("SPXW", EXP, 4750, "C"),
        )
    with pytest.raises(InvalidCondorError, match="long_put must be a put"):
        IronCondor(
            SpxOption("SPXW", EXP, 4400, "C"),
            SpxOption("SPXW", EXP, 4450, "P"),
            SpxOption("SPXW", EXP, 4700, "C"),
            SpxOption("SPXW", EXP, 4750, "C"),
        )
    ic = IronCondor.from_strikes(EXP, (4400, 4450, 4700, 4750), 2)
    legs = list(ic.legs)
    assert IronCondor.from_legs(legs[::-1]) == ic
    with pytest.raises(InvalidCondorError, match="4 legs"):
        IronCondor.from_legs(legs[:3])
    flipped = [legs[0], Leg(legs[1].contract, 2.0), legs[2], legs[3]]
    with pytest.raises(InvalidCondorError, match=r"short put .* must be short"):
        IronCondor.from_legs(flipped)
    uneven = [legs[0], legs[1], legs[2], Leg(legs[3].contract, 3.0)]
    with pytest.raises(InvalidCondorError, match="same number of contracts"):
        IronCondor.from_legs(uneven)


def test_payoff_max_loss_and_break_evens_by_hand() -> None:
    # Unequal wings: put wing 4450-4400 = 50, call wing 4730-4700 = 30; 2 condors; credit 3.20.
    ic = IronCondor.from_strikes(EXP, (4400, 4450, 4700, 4730), qty=2)
    assert (ic.put_width, ic.call_width) == (50, 30)
    # max loss = (max(50, 30) - 3.20) x 100 x 2 = 46.80 x 200 = 9360
    assert ic.max_loss_usd(3.20) == pytest.approx(9360.0)
    # break-evens: 4450 - 3.20 = 4446.80 and 4700 + 3.20 = 4703.20
    assert ic.break_evens(3.20) == pytest.approx((4446.80, 4703.20))
    settle = np.array([4000.0, 4420.0, 4446.8, 4600.0, 4703.2, 4720.0, 5000.0])
    expected = np.array(
        [
            (3.20 - 50) * 200,  # below both puts: full put wing lost -> -9360
            (3.20 - 30) * 200,  # put spread worth 4450-4420 = 30 -> -5360
            0.0,  # lower break-even
            3.20 * 200,  # between the shorts: keep the credit, +640
            0.0,  # upper break-even
            (3.20 - 20) * 200,  # call spread worth 4720-4700 = 20 -> -3360
            (3.20 - 30) * 200,  # above both calls: full call wing lost -> -5360
        ]
    )
    np.testing.assert_allclose(ic.payoff_usd(settle, 3.20), expected, atol=1e-9)
    # the worst payoff is the max loss
    grid = np.linspace(3000, 6000, 3001)
    assert -ic.payoff_usd(grid, 3.20).min() == pytest.approx(ic.max_loss_usd(3.20))
