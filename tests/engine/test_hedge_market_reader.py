"""The engine's hedge market (``MarketReader``: lists and a moving search) shows what the
snapshot shows: the same curve, closes and rate at every time, whatever order times come in,
with bad settles, a doubled expiry, a NaN close and a missing index in the data."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from alvh.book.contracts import VixFuture, VixOption
from alvh.engine.hedge_hook import HedgeMark
from alvh.engine.hedge_market import HedgeMarket, MarketReader, build_market, market_reader
from alvh.engine.hedge_pricing import HedgePricer
from alvh.errors import NoDataError
from alvh.market.data import DataSource, MarketData
from alvh.market.synthetic import generate_market

_FIELDS = ("today_ns", "curve_ns", "vx_code", "vx_exp", "vx_fronts", "vvix", "rate", "vix")


@pytest.fixture(scope="module")
def data() -> MarketData:
    """Half a year of synthetic data with the faults the real data has had."""
    base = generate_market("2008-01-02", "2008-06-30", seed=3)
    t = {name: frame.copy() for name, frame in base.tables.items()}
    vx = t["vx_settlements"]
    vx.loc[vx.index[10], "settle"] = np.nan  # a missing settle
    vx.loc[vx.index[25], "settle"] = -1.0  # a bad one
    weekly = vx.iloc[[40]].assign(contract="VX11", settle=99.0)  # a second row of an expiry
    t["vx_settlements"] = pd.concat([vx, weekly], ignore_index=True)
    bars = t["index_bars"]
    bars.loc[bars.index[bars["symbol"] == "VVIX"][30], "close"] = np.nan
    t["index_bars"] = bars[bars["symbol"] != "VIX3M"]  # an index the data lacks
    rates = t["rates"]
    rates.loc[rates.index[rates["series"] == "IRX"][20], "value_pct"] = np.nan  # kept as NaN
    return MarketData(t, DataSource("synthetic", "test", "faulty synthetic"))


def _times(data: MarketData) -> list[pd.Timestamp]:
    days = data.sessions()
    # Before and after the day's settlements are known, and before any data.
    return [
        pd.Timestamp("2007-12-31 16:15"),
        *(d + pd.Timedelta(h) for d in days for h in ("9h30min", "16h15min")),
    ]


def _same(a: HedgeMarket, b: HedgeMarket) -> bool:
    return all(repr(getattr(a, f)) == repr(getattr(b, f)) for f in _FIELDS) and b.vix3m is None


@pytest.mark.parametrize("order", ["forward", "backward", "shuffled"])
def test_reader_market_is_the_snapshot_market_at_every_time(data: MarketData, order: str) -> None:
    times = _times(data)
    if order == "backward":
        times.reverse()
    elif order == "shuffled":
        random.Random(5).shuffle(times)
    reader = MarketReader(data)
    for t in times:
        assert _same(reader.market(int(t.value), None), build_market(data.snapshot(t), None)), t


def test_reader_market_sees_the_faults(data: MarketData) -> None:
    """The cases above are exercised: a filtered settle, the doubled expiry's first row."""
    reader = market_reader(data)
    assert market_reader(data) is reader  # one per data object
    vx = data.tables["vx_settlements"]
    weekly = vx[vx["contract"] == "VX11"].iloc[0]
    m = reader.market(int(weekly["known_at"].value), None)
    assert m.vx_code["VX11"][1] == 99.0 and 99.0 not in m.vx_exp.values()
    bad_day = vx[~(vx["settle"] > 0)]["known_at"]
    for t in bad_day:
        m = reader.market(int(t.value), None)
        assert all(px > 0 for px in m.vx_exp.values())
    vvix = data.tables["index_bars"].query("symbol == 'VVIX' and close != close")
    assert reader.market(int(vvix["known_at"].iloc[0].value), None).vvix is None
    irx = data.tables["rates"].query("series == 'IRX' and value_pct != value_pct")
    assert np.isnan(reader.market(int(irx["known_at"].iloc[0].value), None).rate)


def test_pricer_marks_real_snapshots_as_their_accessors_say(data: MarketData) -> None:
    """The pricer's reader path (a real snapshot) and its accessor path give the same marks."""

    class Accessors:  # the snapshot's public accessors only: the pricer's generic path
        def __init__(self, snap: object) -> None:
            self._s = snap

        def __getattr__(self, name: str) -> object:
            return getattr(self._s, name)

    fast, slow = HedgePricer(), HedgePricer()
    ids: list[str] = []
    priced = 0
    for p in (fast, slow):
        ids = [
            p.register(VixFuture("VXK08", pd.Timestamp("2008-05-21").date())),
            p.register(VixOption(pd.Timestamp("2008-05-21").date(), 25.0, "C")),
        ]
    for t in _times(data)[1::7]:
        snap = data.snapshot(t)
        for cid in ids:
            try:
                a: HedgeMark | str = fast.mark(snap, cid)
            except NoDataError as e:  # the same failure on both paths
                a = repr(e)
            try:
                b: HedgeMark | str = slow.mark(Accessors(snap), cid)  # type: ignore[arg-type]
            except NoDataError as e:
                b = repr(e)
            assert repr(a) == repr(b)
            priced += isinstance(a, HedgeMark)
    assert priced > 20  # most of them priced, some before and after expiry


def test_hedge_mark_is_immutable_with_shared_empty_extras() -> None:
    m = HedgeMark(20.0, 0.05, 1000.0, None)
    with pytest.raises(AttributeError):
        m.mid = 21.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.extras["delta"] = 0.5  # type: ignore[index]
    assert m.extras == {} and m.settlement is None and m.layer == ""
