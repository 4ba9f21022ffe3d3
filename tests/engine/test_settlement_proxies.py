"""Settlement values that stand in for the official one say so; hedge products trade only once
listed; a hedged run the VX data cannot serve is refused.

The fixture is the synthetic market, whose SPX_AM final settlements equal the SPX open of each
monthly expiry; each case edits one table so that exactly one fallback applies.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.listings import PRODUCT_LAUNCHES
from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.condor_ops import settlement_price
from alvh.engine.from_config import engine_settings
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.loop import Engine
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.synthetic import generate_market
from alvh.runs import settlement_proxies
from alvh.strategy.hedge.alvh_rule import AlvhHedge
from alvh.strategy.rules import JournalEntry

EXPIRY = pd.Timestamp("2008-10-17")  # an AM monthly (third Friday)
PREV = pd.Timestamp("2008-10-16")
DECISION = pd.Timedelta(hours=16, minutes=15)


@pytest.fixture(scope="module")
def data() -> MarketData:
    return generate_market("2008-06-02", "2008-12-31", seed=3)


def _with(data: MarketData, **tables: pd.DataFrame) -> MarketData:
    return MarketData({**data.tables, **tables}, data.source)


def _spx(data: MarketData, day: pd.Timestamp, field: str) -> float:
    bars = data.tables["index_bars"]
    return float(bars[(bars["symbol"] == "SPX") & (bars["date"] == day)][field].iloc[0])


def _set_open(data: MarketData, value: float) -> MarketData:
    bars = data.tables["index_bars"].copy()
    row = (bars["symbol"] == "SPX") & (bars["date"] == EXPIRY)
    bars.loc[row, "open"] = value
    fs = data.tables["final_settlements"]
    return _with(data, index_bars=bars, final_settlements=fs[fs["product"] != "SPX_AM"])


def test_official_soq_then_open_then_previous_close(data: MarketData) -> None:
    snap = data.snapshot(EXPIRY + DECISION)
    value, kind, what = settlement_price(snap, EXPIRY, am=True)
    assert (kind, what) == ("soq", "SPX special opening quotation")
    assert value == _spx(data, EXPIRY, "open")  # the synthetic SOQ is the open
    # No official value: the day's real open stands in, flagged.
    no_soq = _set_open(data, _spx(data, EXPIRY, "open"))
    value, kind, what = settlement_price(no_soq.snapshot(EXPIRY + DECISION), EXPIRY, am=True)
    assert (value, kind) == (_spx(data, EXPIRY, "open"), "spx_open")
    assert what.startswith("PROXY: SPX open")
    # An open that only copies the previous close is no open: the previous close, flagged.
    prev_close = _spx(data, PREV, "close")
    copied = _set_open(data, prev_close)
    value, kind, what = settlement_price(copied.snapshot(EXPIRY + DECISION), EXPIRY, am=True)
    assert (value, kind) == (prev_close, "prev_close_copied_open")
    assert "the open in the data copies it" in what
    # No open at all (as 2024 on): the previous close, not the same day's close.
    missing = _set_open(data, np.nan)
    value, kind, what = settlement_price(missing.snapshot(EXPIRY + DECISION), EXPIRY, am=True)
    assert (value, kind) == (prev_close, "prev_close_no_open")
    assert value != _spx(data, EXPIRY, "close")
    assert "no SPX open in the data" in what
    # PM-settled expiries settle at the close: official, no proxy.
    value, kind, _ = settlement_price(missing.snapshot(EXPIRY + DECISION), EXPIRY, am=False)
    assert (value, kind) == (_spx(data, EXPIRY, "close"), "pm_close")


def test_summary_counts_each_proxied_expiry_once() -> None:
    def settle(rule: str, expiry: str, kind: str) -> JournalEntry:
        return JournalEntry(rule, {"expiry": expiry, "settlement_kind": kind}, "settled", "expire")

    journal = [
        (
            pd.Timestamp("2024-01-19"),
            [  # two condors on one expiry settled on the previous close
                settle("tier.short.settle", "2024-01-19", "prev_close_no_open"),
                settle("tier.medium.settle", "2024-01-19", "prev_close_no_open"),
                settle("tier.long.settle", "2024-01-19", "pm_close"),
            ],
        ),
        (pd.Timestamp("2023-12-15"), [settle("tier.short.settle", "2023-12-15", "spx_open")]),
        (pd.Timestamp("2023-12-20"), [settle("hedge.settlement", "2023-12-20", "vix_close")]),
        (pd.Timestamp("2023-12-21"), [JournalEntry("tier.short.entry", {"expiry": "x"})]),
    ]
    got = settlement_proxies(SimpleNamespace(journal=journal))  # type: ignore[arg-type]
    assert got["spx"] == {
        "expiries_settled": 2,
        "expiries_on_proxy": 2,
        "by_kind": {"pm_close": 1, "prev_close_no_open": 1, "spx_open": 1},
        "rough_proxy_expiries": ["2024-01-19"],
    }
    assert got["vix"]["expiries_on_proxy"] == 1
    assert got["vix"]["rough_proxy_expiries"] == ["2023-12-20"]


def test_vx_quotes_offer_a_mini_only_from_the_vxm_launch() -> None:
    market = generate_market("2020-06-01", "2020-09-30", seed=4)
    h = AlvhHedge(hedge_preset("alvh-442"))
    h.prepare(market)
    launch = pd.Timestamp(PRODUCT_LAUNCHES["vxm"].first_day)
    for day, has_mini in ((pd.Timestamp("2020-08-07"), False), (launch, True)):
        qs = HedgePricer().vx_quotes(market.snapshot(day + DECISION))
        assert qs, day
        assert all((q.mini_symbol is not None) == has_mini for q in qs), day


def test_a_hedged_run_without_vx_data_in_its_range_is_refused(data: MarketData) -> None:
    cfg = config_with_overrides(
        load_preset("ic-ladder"), **{"data.start": "2008-07-01", "data.end": "2008-12-31"}
    )
    vx = data.tables["vx_settlements"]
    no_vx = _with(data, vx_settlements=vx[vx["date"] < "2008-06-15"])
    settings = engine_settings(cfg)
    with pytest.raises(NoDataError, match="the hedge needs VX futures settlements"):
        Engine(settings, no_vx, AlvhHedge(hedge_preset("alvh-442")))
    Engine(settings, no_vx)  # unhedged, the same range is fine


def test_the_etf_layer_gets_a_quote_only_once_vxx_listed() -> None:
    market = generate_market("2008-11-03", "2009-03-31", seed=4)
    h = AlvhHedge(hedge_preset("alvh-442"))
    h.prepare(market)
    launch = pd.Timestamp(PRODUCT_LAUNCHES["etf"].first_day)
    assert launch == pd.Timestamp("2009-01-30")
    for day, listed in ((pd.Timestamp("2009-01-29"), False), (launch, True)):
        snap = market.snapshot(day + DECISION)
        h.pricer = HedgePricer()
        kinds = {q.kind for q in h._quotes(snap, h.pricer.market(snap))}
        assert ("etf" in kinds) == listed, day
        assert "vx" in kinds


def test_summary_counts_entry_days_without_a_listed_expiry() -> None:
    from alvh.runs import listing_gaps

    skip = JournalEntry(
        "tier.short.entry", {"no_listed_expiry": True}, "skipped", "none", "no SPXW expiry"
    )
    other = JournalEntry("tier.long.entry", {}, "skipped", "none", "cap")
    journal = [(pd.Timestamp("2007-06-04"), [skip, other]), (pd.Timestamp("2007-06-11"), [skip])]
    got = listing_gaps(SimpleNamespace(journal=journal))  # type: ignore[arg-type]
    assert got["entry_days_without_listed_expiry"] == {"short": 2}
