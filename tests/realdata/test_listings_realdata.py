"""Real-data checks of listings and settlement proxies (shared/data imported into a store).

- The SPXW ladder of 2006-2012 opens condors only on expiries listed on the open day. Before the
  listing model, 592 condors opened before 2011, 561 of them on Weeklys more than 8 days out;
  now at most 8-day Weeklys or Quarterlys are possible then (measured: 124 condors, 2006-2010).
- AM-settled monthlies whose SPX open is missing (2024 on) or copies the previous close (19
  expiries of 2006-2013) settle on the previous close, and the journal and summary say so.
- The alvh-442 hedge trades no Mini VIX future before its 2020-08-10 launch.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from alvh.backtest import run
from alvh.calendar.expiries import spx_expiries
from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.result import BacktestResult
from alvh.market.data import MarketData
from alvh.runs import settlement_proxies

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def _run(preset: str, market: MarketData, start: date, end: date, **over: object) -> BacktestResult:
    cfg = config_with_overrides(
        load_preset(preset),
        **{"data.source": "store", "data.start": start, "data.end": end, **over},
    )
    return run(cfg, market)


@pytest.fixture(scope="module")
def ladder_2006_2012(real_market: MarketData) -> BacktestResult:
    return _run("ic-ladder", real_market, date(2006, 1, 3), date(2012, 12, 31))


def test_the_spxw_ladder_opens_only_listed_expiries(ladder_2006_2012: BacktestResult) -> None:
    c = ladder_2006_2012.condors
    frame = spx_expiries("2006-01-01", "2013-12-31", "spxw")
    listed_from = c["expiry"].map(dict(zip(frame["expiry"], frame["listed_from"], strict=True)))
    assert listed_from.notna().all()
    assert (listed_from <= c["open_date"]).all()
    before_2011 = c[c["open_date"] < "2011-01-01"]
    # Floor from the measurement: 124 condors (the unlisted-expiry model opened 592).
    assert 0 < len(before_2011) <= 130
    weekly = before_2011["expiry"].map(dict(zip(frame["expiry"], frame["kind"], strict=True)))
    far = (before_2011["expiry"] - before_2011["open_date"]).dt.days > 8
    assert set(weekly[far]) <= {"eom"}  # only Quarterlys more than 8 days out


def test_am_settlements_without_a_real_open_are_flagged(real_market: MarketData) -> None:
    r = _run("cndr", real_market, date(2012, 1, 3), date(2026, 12, 31))
    got = settlement_proxies(r)["spx"]
    by_kind = got["by_kind"]
    # No SPX open from 2024 on: every monthly expiry of 2024-01 .. the data's end (31 to
    # 2026-07) settles on the previous close; the 2012-07-20, 2012-10-19, 2013-02-15 and
    # 2013-04-19 opens copy the previous close.
    assert by_kind["prev_close_no_open"] >= 31
    assert by_kind["prev_close_copied_open"] == 4
    assert {"2012-07-20", "2013-04-19", "2024-01-19"} <= set(got["rough_proxy_expiries"])
    day = pd.Timestamp("2024-01-19")
    entries = [e for d, es in r.journal if d == day for e in es if e.rule.endswith(".settle")]
    assert entries and all(e.inputs["settlement_proxy"] for e in entries)
    spx = r.daily["spx"]
    prev_close = spx[spx.index < day].iloc[-1]
    assert all(e.inputs["settlement"] == pytest.approx(prev_close) for e in entries)
    assert all("PROXY: previous SPX close" in e.reason for e in entries)


def test_no_mini_vix_future_before_its_launch(real_market: MarketData) -> None:
    r = _run(
        "ic-ladder",
        real_market,
        date(2019, 6, 3),
        date(2021, 6, 30),
        **{"hedge.preset": "alvh-442"},
    )
    t = r.trades
    minis = t[t["contract"].astype(str).str.fullmatch(r"VXM[FGHJKMNQUVXZ]\d\d")]
    assert (pd.to_datetime(minis["date"]) >= pd.Timestamp("2020-08-10")).all()
    notes = [
        e
        for d, es in r.journal
        if d < pd.Timestamp("2020-08-10")
        for e in es
        if "no VXM on" in e.reason
    ]
    vx_before = t[
        t["contract"].astype(str).str.fullmatch(r"VX[FGHJKMNQUVXZ]\d\d")
        & (pd.to_datetime(t["date"]) < pd.Timestamp("2020-08-10"))
    ]
    # Whenever layer 1 was sized before the launch, the journal says why there is no VXM.
    assert len(vx_before) == 0 or notes
