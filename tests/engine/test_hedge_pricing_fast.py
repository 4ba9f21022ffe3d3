"""The pricer's per-session shortcuts give the numbers of the long way: the carry of a held
contract read from the greeks its mark computed, and the VIX option model's input check."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from alvh.book.contracts import EtfShare, VixFuture, VixOption
from alvh.engine.hedge_pricing import HedgePricer
from alvh.errors import PricingError
from alvh.market.curve_index import VxCurveDay
from alvh.market.etf_series import EtfBar
from alvh.market.memo import SharedMemo
from alvh.market.vixoptions import VixOptionModel


class _Snap:
    """A snapshot that knows one VX curve, VIX 20, VVIX 95 and IRX 2%."""

    def __init__(self, as_of: str = "2008-03-04 16:15") -> None:
        self.as_of = pd.Timestamp(as_of)
        self.data = SimpleNamespace(shared=SharedMemo())  # its market's memos (its own)

    def vx_curve_day(self) -> VxCurveDay:
        codes = ["VXH08", "VXJ08", "VXK08"]
        exps = pd.to_datetime(["2008-03-19", "2008-04-16", "2008-05-21"]).asi8.tolist()
        settles = [21.0, 22.0, 23.5]
        by_code = dict(zip(codes, zip(exps, settles, strict=True), strict=True))
        by_exp = dict(zip(exps, settles, strict=True))
        return VxCurveDay(pd.Timestamp("2008-03-03").value, by_code, by_exp, (21.0, 22.0))

    def etf_bar(self) -> EtfBar:
        apr16, may21 = (pd.Timestamp(d).value for d in ("2008-04-16", "2008-05-21"))
        return EtfBar(31.0, 0.4, apr16, may21)

    def rate_pct(self, series: str) -> float:
        return 2.0

    def closes(self, symbol: str, n: int) -> np.ndarray:
        return np.array({"VIX": [20.0], "VVIX": [95.0]}.get(symbol, []))


def _pricer() -> HedgePricer:
    return HedgePricer()


HELD = (
    VixOption(date(2008, 4, 16), 25.0, "C"),
    VixOption(date(2008, 5, 21), 20.0, "P"),
    VixFuture("VXK08", date(2008, 5, 21), mini=True),
    EtfShare("VXX"),
)


@pytest.mark.parametrize("mark_first", [True, False])
def test_carry_of_held_contracts_matches_their_quotes_whether_marked_or_not(
    mark_first: bool,
) -> None:
    pricer, snap = _pricer(), _Snap()
    ids = [c.id for c in HELD]
    if mark_first:  # the engine's order: the session's marks come before the rule's carry
        for cid in ids:
            pricer.mark(snap, cid)  # type: ignore[arg-type]
    carries = [pricer.carry_of(snap, cid) for cid in ids]  # type: ignore[arg-type]
    fresh = _pricer()  # on a market no mark has touched
    snap2 = _Snap()  # its own market memos: nothing the marks above computed is shared
    for cid, carry in zip(ids, carries, strict=True):
        assert carry is not None and carry == fresh.carry_of(snap2, cid), cid  # type: ignore[arg-type]
    # A call's carry is its time decay: a cost to the holder, 100 USD per VIX point.
    assert carries[0] is not None and carries[0][0] == 100.0 and carries[0][1] < 0.0
    # The mark after the carry is the mark a fresh pricer gives (same greeks).
    assert pricer.mark(snap, ids[0]) == fresh.mark(snap, ids[0])  # type: ignore[arg-type]


def test_carry_of_an_expired_or_unknown_option_is_none() -> None:
    pricer = _pricer()
    expired = VixOption(date(2008, 3, 4), 25.0, "C").id  # expires today
    off_curve = VixOption(date(2008, 6, 18), 25.0, "C").id  # no VX settles then
    snap = _Snap()
    assert pricer.carry_of(snap, expired) is None  # type: ignore[arg-type]
    assert pricer.carry_of(snap, off_curve) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("vvix", [float("nan"), float("inf"), 0.0, -5.0, np.float64("nan")])
def test_vix_option_model_refuses_a_vvix_that_is_not_a_positive_level(vvix: float) -> None:
    with pytest.raises(PricingError, match="VVIX"):
        VixOptionModel(vvix)
    assert VixOptionModel(np.float64(95.0)).vvix == 95.0
