"""The engine's books as accounts: positions replay from trades.csv, cash reconciles, a hedge
without a price keeps its last mark, and a ruined book stops and holds its equity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from alvh.book.contracts import parse_contract_id
from alvh.book.positions import Fill, fold
from alvh.config.hedge import hedge_preset
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.loop import Engine
from alvh.engine.result import BacktestResult
from alvh.engine.settings import EngineSettings
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.book_view import BookView, HedgeMark, HedgeOrder
from alvh.strategy.rules import Decisions


@pytest.fixture(scope="module")
def result(synthetic_market: MarketData, ladder_settings: EngineSettings) -> BacktestResult:
    return Engine(ladder_settings, synthetic_market).run("test")


def _fills(trades: pd.DataFrame) -> list[Fill]:
    out = []
    for r in trades.itertuples(index=False):
        qty = r.qty if r.side == "buy" else -r.qty
        out.append(Fill(r.date.date(), parse_contract_id(r.contract), qty, r.price, r.fees_usd))
    return out


def test_open_legs_replay_from_trades(result: BacktestResult) -> None:
    """Folding trades.csv reproduces the book: exactly the legs of the still-open condors and the
    near-worthless legs kept to expiry (journaled "kept") that have not expired yet."""
    # Keys without the root: condors.csv does not say whether a leg was SPX or SPXW.
    held: dict[str, float] = {}
    for k, p in fold(_fills(result.trades)).items():
        if p.qty != 0:
            key = k[0].split(" ", 1)[1]
            held[key] = held.get(key, 0.0) + p.qty
    open_c = result.condors[result.condors["exit_rule"] == "open"]
    expected: dict[str, float] = {}
    for c in open_c.itertuples(index=False):
        for k, right, sign in (
            (c.long_put, "P", 1),
            (c.short_put, "P", -1),
            (c.short_call, "C", -1),
            (c.long_call, "C", 1),
        ):
            cid = f"{c.expiry.date()} {right} {k:g}"
            expected[cid] = expected.get(cid, 0.0) + sign * c.contracts
    # Plus near-worthless legs kept to expiry when their condor closed, not yet settled.
    kept: dict[str, float] = {}
    for _, entries in result.journal:
        for e in entries:
            if e.outcome == "kept":
                key = str(e.inputs["contract"]).split(" ", 1)[1]
                kept[key] = kept.get(key, 0.0) + float(e.inputs["qty"])
            elif e.rule.endswith(".settle") and "value" in e.inputs:
                key = str(e.inputs["contract"]).split(" ", 1)[1]
                kept[key] = kept.get(key, 0.0) - float(e.inputs["qty"])
    for k, q in kept.items():
        expected[k] = expected.get(k, 0.0) + q
    expected = {k: v for k, v in expected.items() if abs(v) > 1e-9}
    assert held == pytest.approx(expected)
    assert len(open_c) > 0  # the run ends with condors open, so the check bites


def test_cash_reconciles_with_trades_and_interest(result: BacktestResult) -> None:
    """Final cash = capital - premiums paid + premiums received - fees + interest."""
    t = result.trades
    sign = np.where(t["side"] == "buy", -1.0, 1.0)
    flows = float((sign * t["qty"] * t["price"] * 100.0).sum() - t["fees_usd"].sum())
    interest = float(result.daily["unhedged_interest_usd"].sum())
    cash = float(result.daily["unhedged_cash_usd"].iloc[-1])
    assert cash == pytest.approx(1_000_000.0 + flows + interest, abs=1e-4)
    assert (t["reason"].str.startswith("expiry settlement")).any()


class _EtfHedge:
    """Buys a fixed block of a made-up ETF once."""

    cfg = hedge_preset("none")

    def __init__(self, shares: float) -> None:
        self.shares = shares
        self.bought = False

    def prepare(self, data: MarketData) -> None:
        return None

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decisions[HedgeOrder]:
        if self.bought:
            return Decisions([], [])
        self.bought = True
        return Decisions([HedgeOrder("vix_etf", "FAKE", self.shares, "test buy")], [])


class _EtfPricer(HedgePricer):
    """Marks the made-up ETF decaying by ``decay_per_day``; its price is missing on one day."""

    def __init__(self, decay_per_day: float, missing: pd.Timestamp | None) -> None:
        super().__init__()
        self.decay, self.missing = decay_per_day, missing
        self.start: pd.Timestamp | None = None

    def mark(self, snap: MarketSnapshot, contract_id: str) -> HedgeMark:
        day = snap.as_of.normalize()
        if self.start is None:
            self.start = day
        if day == self.missing:
            raise NoDataError(f"no FAKE price on {day.date()}")
        n = (day - self.start).days
        return HedgeMark(100.0 * (1 - self.decay) ** n, 0.0, 1.0, None, layer="vix_etf")


def _etf_engine(
    s: EngineSettings, data: MarketData, shares: float, decay: float, missing: pd.Timestamp | None
) -> Engine:
    return Engine(s, data, _EtfHedge(shares), pricer=_EtfPricer(decay, missing))


def test_missing_hedge_price_keeps_last_mark(
    synthetic_market: MarketData, ladder_settings: EngineSettings
) -> None:
    s = dataclasses.replace(ladder_settings, start="2007-03-01", end="2007-04-30")
    missing = pd.Timestamp("2007-03-15")
    r = _etf_engine(s, synthetic_market, 1000.0, 0.001, missing).run("t")
    stale = [e for d, es in r.journal if d == missing for e in es if e.rule.endswith(".mark")]
    assert stale and stale[0].outcome == "stale" and "kept the last mark" in stale[0].reason
    hedge_value = r.daily["hedged_equity_usd"] - r.daily["unhedged_equity_usd"]
    i = r.daily.index.get_loc(missing)
    # The day's hedge P&L is zero (price held), then the decay resumes.
    assert r.daily["pnl_hedge_vix_etf_usd"].iloc[i] == 0.0
    assert r.daily["pnl_hedge_vix_etf_usd"].iloc[i + 1] < 0.0
    assert np.isfinite(hedge_value).all()


def test_ruined_hedged_book_stops_and_holds_its_equity(
    synthetic_market: MarketData, ladder_settings: EngineSettings
) -> None:
    """Two million dollars of an ETF losing 2% a day ruin a one-million account.

    Twin sizing: the condors are sized on the twin, which trades on after the hedged ruin.
    """
    s = dataclasses.replace(
        ladder_settings, start="2007-03-01", end="2007-08-31", size_condors_on="unhedged"
    )
    r = _etf_engine(s, synthetic_market, 20_000.0, 0.02, None).run("t")
    ruins = [(d, e) for d, es in r.journal for e in es if e.rule == "book.hedged.ruin"]
    day, first = ruins[0]
    assert first.action == "close" and first.inputs["equity_usd"] <= 0.0
    after = r.daily.loc[day:, "hedged_equity_usd"]
    assert (after == after.iloc[0]).all() and after.iloc[0] <= 0.0
    assert (r.daily.loc[: day - pd.Timedelta(days=1), "hedged_equity_usd"] > 0).all()
    # The hedge was wound up that day and the twin traded on untouched.
    etf = r.trades[r.trades["contract"] == "FAKE"]
    assert list(etf["side"]) == ["buy", "sell"] and etf["reason"].iloc[-1].startswith("ruin")
    assert (r.daily["unhedged_equity_usd"] > 0).all()
    assert r.condors["open_date"].max() > day


def test_tier_greeks_add_up_to_the_book(result: BacktestResult) -> None:
    d = result.daily
    tiers = sorted(
        {
            c[len("tier_") : -len("_delta_usd")]
            for c in d
            if c.endswith("_delta_usd") and c.startswith("tier_")
        }
    )
    assert tiers == ["long", "medium", "short"]
    for g in ("delta_usd", "theta_usd_per_day", "vega_usd_per_vol_pt"):
        total = d[[f"tier_{t}_{g}" for t in tiers]].sum(axis=1)
        np.testing.assert_allclose(total, d[f"unhedged_{g}"], rtol=1e-9, atol=1e-6)
    # Short condors are short vega, except when SPX sits past a short strike (then the tested
    # side's long wing dominates): negative on most days, positive on a few.
    vega = d["unhedged_vega_usd_per_vol_pt"]
    assert (vega < 0).mean() > 0.8 and (vega > 0).any()


def test_condors_sized_on_the_hedged_book_shrink_with_a_losing_hedge(
    synthetic_market: MarketData, ladder_settings: EngineSettings
) -> None:
    """With a hedge that bleeds, sizing on the hedged equity opens fewer contracts."""
    s = dataclasses.replace(ladder_settings, start="2007-03-01", end="2007-12-31")
    twin_s = dataclasses.replace(s, size_condors_on="unhedged")
    twin = _etf_engine(twin_s, synthetic_market, 10_000.0, 0.004, None).run("t")
    own_s = dataclasses.replace(s, size_condors_on="hedged")
    own = _etf_engine(own_s, synthetic_market, 10_000.0, 0.004, None).run("t")
    assert own.condors["contracts"].sum() < twin.condors["contracts"].sum()
    entries = [
        (d, e)
        for d, es in own.journal
        for e in es
        if e.rule.endswith(".entry") and e.outcome == "fired"
    ]
    d, e = entries[-1]
    # Sized on the hedged book's equity at the decision (the row of that session).
    assert e.inputs["equity_usd"] == pytest.approx(own.daily.loc[d, "hedged_equity_usd"], abs=0.01)
    assert e.inputs["equity_usd"] < own.daily.loc[d, "unhedged_equity_usd"]
