"""Real-data checks of listings and settlement proxies (shared/data imported into a store).

- The SPXW ladder of 2006-2012 (the ic-ladder with ``product = "spxw"``) opens condors only on
  expiries listed on the open day. Before the listing model, 592 condors opened before 2011, 561
  of them on Weeklys more than 8 days out; now at most 8-day Weeklys or Quarterlys are possible
  then (measured: 124 condors, 2006-2010).
- The preset ladder (``product = "any"``: SPX monthlies and SPXW together) trades every year in
  every tier from 2006 (measured: 399 condors opened 2006-2010, 143/136/120 short/medium/long;
  the last entry day without a listed expiry is 2012-05-21), each on a listed expiry of its own
  root, SPX ones AM-settled.
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


SPXW = {f"tiers[{i}].product": "spxw" for i in range(3)}


@pytest.fixture(scope="module")
def ladder_2006_2012(real_market: MarketData) -> BacktestResult:
    return _run("ic-ladder", real_market, date(2006, 1, 3), date(2012, 12, 31), **SPXW)


@pytest.fixture(scope="module")
def any_ladder_2006_2012(real_market: MarketData) -> BacktestResult:
    return _run("ic-ladder", real_market, date(2006, 1, 3), date(2012, 12, 31))


def test_the_any_ladder_trades_every_year_on_listed_expiries(
    any_ladder_2006_2012: BacktestResult,
) -> None:
    c = any_ladder_2006_2012.condors
    frame = spx_expiries("2006-01-01", "2013-12-31", "all")
    key = list(zip(frame["expiry"], frame["product"], strict=True))
    listed_from = pd.Series(dict(zip(key, frame["listed_from"], strict=True)))
    first = pd.Series([listed_from.get(k) for k in zip(c["expiry"], c["root"], strict=True)])
    assert first.notna().all() and (first.to_numpy() <= c["open_date"].to_numpy()).all()
    assert (c.loc[c["root"] == "SPX", "settlement"] == "AM").all()
    assert (
        c.loc[c["expiry"] >= "2010-12-10", "settlement"]
        == c.loc[c["expiry"] >= "2010-12-10", "root"].map({"SPX": "AM", "SPXW": "PM"})
    ).all()
    years = c.groupby("tier")["open_date"].apply(lambda d: set(d.dt.year))
    for tier in ("short", "medium", "long"):
        assert years[tier] == set(range(2006, 2013)), tier
    # Floors from the measurement (399 condors 2006-2010; 124 on SPXW alone).
    early = c[c["open_date"] < "2011-01-01"].groupby("tier").size()
    assert early.sum() >= 390
    assert early["short"] >= 135 and early["medium"] >= 130 and early["long"] >= 115
    gaps = [
        d
        for d, es in any_ladder_2006_2012.journal
        for e in es
        if e.rule.endswith(".entry") and e.inputs.get("no_listed_expiry")
    ]
    assert max(gaps) < pd.Timestamp("2012-05-31")


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
