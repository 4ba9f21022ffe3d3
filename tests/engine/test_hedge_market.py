"""The engine's hedge market (``build_market``) shows what the snapshot shows: its VX curve
maps, the latest finite VIX, VIX3M and VVIX closes and the IRX rate, at every time, with a NaN
close, a NaN rate and an index the data lacks; a held contract is marked from them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.book.contracts import VixFuture, VixOption
from alvh.engine.hedge_market import build_market
from alvh.engine.hedge_pricing import HedgePricer
from alvh.errors import NoDataError
from alvh.market.data import DataSource, MarketData
from alvh.market.synthetic import generate_market
from alvh.strategy.book_view import HedgeMark


@pytest.fixture(scope="module")
def data() -> MarketData:
    """Half a year of synthetic data with the faults the real data has had."""
    base = generate_market("2008-01-02", "2008-06-30", seed=3)
    t = {name: frame.copy() for name, frame in base.tables.items()}
    bars = t["index_bars"]
    bars.loc[bars.index[bars["symbol"] == "VVIX"][30], "close"] = np.nan
    t["index_bars"] = bars[bars["symbol"] != "VIX3M"]  # an index the data lacks
    rates = t["rates"]
    rates.loc[rates.index[rates["series"] == "IRX"][20], "value_pct"] = np.nan  # kept as NaN
    return MarketData(t, DataSource("synthetic", "test", "faulty synthetic"))


def _times(data: MarketData) -> list[pd.Timestamp]:
    days = data.sessions()
    return [
        pd.Timestamp("2007-12-31 16:15"),
        *(d + pd.Timedelta(h) for d in days for h in ("9h30min", "16h15min")),
    ]


def _last(snap: object, symbol: str) -> float | None:
    try:
        v = snap.close(symbol)  # type: ignore[attr-defined]
    except NoDataError:
        return None
    return v if math.isfinite(v) else None


def test_hedge_market_is_the_snapshots_market_at_every_time(data: MarketData) -> None:
    for t in _times(data):
        snap = data.snapshot(t)
        m = build_market(snap)
        curve = snap.vx_curve_day()
        assert (m.curve_ns, m.vx_code, m.vx_exp, m.vx_fronts) == tuple(curve), t
        assert m.today_ns == t.normalize().value and m.etf == snap.etf_bar()
        assert (m.vix, m.vvix, m.vix3m) == (_last(snap, "VIX"), _last(snap, "VVIX"), None), t
        try:
            rate = snap.rate_pct("IRX") / 100.0
        except NoDataError:
            rate = 0.0
        assert repr(m.rate) == repr(rate), t
    vvix = data.tables["index_bars"].query("symbol == 'VVIX' and close != close")
    assert build_market(data.snapshot(vvix["known_at"].iloc[0])).vvix is None
    irx = data.tables["rates"].query("series == 'IRX' and value_pct != value_pct")
    assert np.isnan(build_market(data.snapshot(irx["known_at"].iloc[0])).rate)


def test_pricer_marks_held_contracts_from_the_snapshot(data: MarketData) -> None:
    """A future is marked at its settle on the known curve, before and after its expiry."""
    p = HedgePricer()
    fut = VixFuture("VXK08", pd.Timestamp("2008-05-21").date()).id
    call = VixOption(pd.Timestamp("2008-05-21").date(), 25.0, "C").id
    priced = 0
    for t in _times(data)[1::7]:
        snap = data.snapshot(t)
        for cid in (fut, call):
            try:
                mk = p.mark(snap, cid)
            except NoDataError:
                continue
            assert isinstance(mk, HedgeMark)
            priced += 1
            if cid == fut and t < pd.Timestamp("2008-05-21"):
                code = snap.vx_curve_day().by_code["VXK08"]
                assert mk.mid == code[1]
    assert priced > 20  # most of them priced, some before and after expiry
