"""Matched-risk sizing, return over cash and costs on their own line, on constructed runs.

The bleeding hedge buys 10,000 shares of a made-up ETF at $100 (a $1M position on a $1M
account) that loses 0.4% a day: after 100 calendar days it is worth 100 x 0.996^100 = $67, so
the hedged book has lost about $330k more than its twin. Under twin sizing its condors stay
sized for the twin's equity; under own sizing they shrink with the hedged equity.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.from_config import engine_settings
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.loop import Engine
from alvh.engine.result import BacktestResult
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.synthetic import generate_market
from alvh.report.excess import (
    cash_index,
    condor_risk_pct_of_equity,
    excess_and_costs,
    open_max_loss_usd,
)
from alvh.strategy.book_view import BookView, HedgeMark, HedgeOrder
from alvh.strategy.rules import Decisions

CAP_PCT = 5.0  # ic-ladder: every tier risks at most 5% of equity per condor


class _BleedingEtf:
    """Buys 10,000 shares of a made-up ETF once (marked by ``_BleedingPricer``)."""

    cfg = hedge_preset("none")

    def __init__(self) -> None:
        self.bought = False

    def prepare(self, data: MarketData) -> None:
        return None

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decisions[HedgeOrder]:
        if self.bought:
            return Decisions([], [])
        self.bought = True
        return Decisions([HedgeOrder("vix_etf", "FAKE", 10_000.0, "test buy")], [])


class _BleedingPricer(HedgePricer):
    """The ETF loses 0.4% a calendar day; half-spread $0.05, fee $0.01."""

    def __init__(self) -> None:
        super().__init__()
        self.start: pd.Timestamp | None = None

    def mark(self, snap: MarketSnapshot, contract_id: str) -> HedgeMark:
        day = snap.as_of.normalize()
        if self.start is None:
            self.start = day
        n = (day - self.start).days
        return HedgeMark(100.0 * 0.996**n, 0.05, 1.0, None, fee_usd=0.01, layer="vix_etf")


@pytest.fixture(scope="module")
def market() -> MarketData:
    return generate_market("2006-01-03", "2008-12-31", seed=3)


def _run(market: MarketData, sizing: str) -> BacktestResult:
    cfg = config_with_overrides(
        load_preset("ic-ladder"),
        **{"data.start": "2007-03-01", "data.end": "2007-08-31", "capital.size_condors_on": sizing},
    )
    return Engine(engine_settings(cfg), market, _BleedingEtf(), pricer=_BleedingPricer()).run("t")


@pytest.fixture(scope="module")
def own(market: MarketData) -> BacktestResult:
    return _run(market, "hedged")


@pytest.fixture(scope="module")
def twin(market: MarketData) -> BacktestResult:
    return _run(market, "unhedged")


def test_own_sizing_is_the_default() -> None:
    assert load_preset("ic-ladder").capital.size_condors_on == "hedged"
    assert engine_settings(load_preset("ic-ladder")).size_condors_on == "hedged"


def _entry_risk_pct(r: BacktestResult, book: str) -> np.ndarray:
    """Each condor's max loss in % of the book's equity on the session it was decided."""
    c = r.condors
    out = []
    for row in c.itertuples(index=False):
        pos = r.daily.index.get_loc(row.open_date)
        decided = r.daily.index[pos - 1]  # fills at the next close
        out.append(row.max_loss_usd / r.daily.loc[decided, f"{book}_equity_usd"] * 100.0)
    return np.asarray(out)


def test_a_bleeding_hedge_keeps_own_sized_condors_at_the_cap(
    own: BacktestResult, twin: BacktestResult
) -> None:
    # The hedge really bled: the hedged book ends well below its twin in both runs.
    for r in (own, twin):
        gap = r.daily["unhedged_equity_usd"].iloc[-1] - r.daily["hedged_equity_usd"].iloc[-1]
        assert gap > 300_000.0
    own_pct = _entry_risk_pct(own, "hedged")
    twin_pct = _entry_risk_pct(twin, "hedged")
    assert len(own_pct) > 10 and len(twin_pct) > 10
    # Own sizing: no condor risks more than the cap of the hedged book's equity (sized on the
    # decision's quotes; the next close's fill moves the credit, hence max loss, by a few %).
    assert own_pct.max() <= CAP_PCT * 1.06
    # Twin sizing: condors sized for the twin's equity exceed the cap of the hedged book's.
    assert twin_pct.max() > CAP_PCT * 1.3
    # The book-level figure the report shows: open max loss over the hedged equity.
    r_own = condor_risk_pct_of_equity(own.daily, own.condors, "hedged")
    r_twin = condor_risk_pct_of_equity(twin.daily, twin.condors, "hedged")
    assert r_twin.mean() > r_own.mean() * 1.2
    assert r_twin.max() > r_own.max()


def test_open_max_loss_by_hand() -> None:
    idx = pd.DatetimeIndex(pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"]))
    condors = pd.DataFrame(
        {
            "open_date": pd.to_datetime(["2020-01-02", "2020-01-03"]),
            "close_date": pd.to_datetime(["2020-01-06", None]),
            "max_loss_usd": [1000.0, 500.0],
        }
    )
    # First held 01-02 and 01-03 (closed at 01-06's close), second from 01-03 to the end.
    got = open_max_loss_usd(idx, condors).to_numpy()
    np.testing.assert_allclose(got, [1000.0, 1500.0, 500.0, 500.0])


def test_interest_is_booked_identically_in_both_books(own: BacktestResult) -> None:
    """Both books accrue at the day's rate x days / 360 on their own cash of the day before."""
    d = own.daily
    r = d["cash_rate_pct"] / 100.0 * d["cash_accrual_days"] / 360.0
    u_cash, h_cash = d["unhedged_cash_usd"].shift(1), d["hedged_cash_usd"].shift(1)
    np.testing.assert_allclose(
        d["unhedged_interest_usd"].iloc[1:], (u_cash * r).iloc[1:], rtol=1e-9, atol=1e-6
    )
    np.testing.assert_allclose(
        d["hedged_interest_usd"].iloc[1:], (h_cash * r).iloc[1:], rtol=1e-9, atol=1e-6
    )
    assert (d["cash_rate_pct"].iloc[1:] > 0).all()  # the synthetic market has a T-bill rate


def test_excess_and_costs(own: BacktestResult) -> None:
    d = own.daily
    cash = cash_index(d)
    assert cash is not None and cash.iloc[0] == 1.0 and (np.diff(cash.to_numpy()) >= 0).all()
    h = excess_and_costs(d, own.condors, "hedged")
    u = excess_and_costs(d, own.condors, "unhedged")
    # The same cash rate for both books.
    assert h["cash_cagr_pct"] == u["cash_cagr_pct"] and float(h["cash_cagr_pct"]) > 0  # type: ignore[arg-type]
    # The hedge's costs: 10,000 shares x ($0.05 half-spread + $0.01 fee) = $600.
    assert h["hedge_costs_usd"] == pytest.approx(600.0)
    assert u["hedge_costs_usd"] == 0.0
    assert float(h["costs_usd"]) - float(u["costs_usd"]) == pytest.approx(600.0)  # type: ignore[arg-type]
    assert h["condor_costs_usd"] == pytest.approx(u["costs_usd"])
    credit = float(own.condors["credit_usd"].sum())
    assert u["costs_pct_of_credit"] == pytest.approx(float(u["costs_usd"]) / credit * 100, rel=1e-5)  # type: ignore[arg-type]
    # Excess CAGR is the CAGR over the cash index: (1 + g) / (1 + c) - 1.
    eq = d["hedged_equity_usd"]
    years = (len(eq) - 1) / 252
    g = (eq.iloc[-1] / eq.iloc[0]) ** (1 / years) - 1
    c = cash.iloc[-1] ** (1 / years) - 1
    assert float(h["excess_cagr_pct"]) == pytest.approx(((1 + g) / (1 + c) - 1) * 100, abs=1e-4)  # type: ignore[arg-type]


def test_twin_run_dir_summary_has_the_lines(twin: BacktestResult) -> None:
    from alvh.runs import summary_dict

    s = summary_dict(dataclasses.replace(twin))
    books = s["books"]
    assert isinstance(books, dict)
    for b in ("hedged", "unhedged"):
        for k in ("cash_cagr_pct", "excess_cagr_pct", "costs_usd", "costs_pct_of_credit"):
            assert k in books[b]
    assert books["hedged"]["condor_max_loss_pct_of_equity_peak"] > CAP_PCT


def test_backtest_prints_cash_costs_and_sizing(twin: BacktestResult, tmp_path: Path) -> None:
    from rich.console import Console

    from alvh.backtest import SIZING_TEXT
    from alvh.cli.backtest import print_run_summary
    from alvh.runs import write_run_dir

    # The engine alone writes no definitions; alvh.backtest.run adds them (the sizing among them).
    result = dataclasses.replace(
        twin,
        config=load_preset("ic-ladder").model_dump(mode="json"),
        definitions={"condor_sizing": SIZING_TEXT["unhedged"]},
    )
    d = write_run_dir(result, tmp_path / "run", "# test\n")
    console = Console(record=True, width=120)
    print_run_summary(d, console)
    out = console.export_text()
    for words in ("CAGR over cash %", "costs % of credit", "condor max loss % equity, peak"):
        assert words in out, words
    assert "condor sizing: twin sizing" in out
