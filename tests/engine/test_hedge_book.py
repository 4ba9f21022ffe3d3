"""What the engine does for a hedge outside the rule: the hedge book's valuation (shared by the
decision's view and the daily row), the view's condor ATM vols, and the hedge market of one
snapshot as the pricer builds it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from alvh.book.account import Account
from alvh.book.contracts import EtfShare, VixFuture, VixOption
from alvh.book.positions import Fill
from alvh.engine.book_view import book_view
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.state import RunState
from alvh.market.data import MarketData
from alvh.market.surface import SpxVolSurface
from alvh.strategy.book_view import HedgeMark

D0, D1 = date(2008, 3, 3), date(2008, 3, 4)
VX = VixFuture("VXK08", date(2008, 5, 21))
CALL = VixOption(date(2008, 5, 21), 30.0, "C")
ETF = EtfShare("VXX")
LAYERS = {VX.id: "vx_futures", CALL.id: "vix_calls", ETF.id: "vix_etf"}
DECISION = pd.Timedelta(hours=16, minutes=15)  # after the closes are known


def _mark(mid: float, future: bool, vega: float, margin: float, mult: float) -> HedgeMark:
    return HedgeMark(
        mid, 0.05, mult, None, vega_usd_per_vol_pt=vega, is_future=future, margin_usd=margin
    )


def _hedged_state() -> RunState:
    """Long 2 VX at 15, 10 VIX calls at 1.20 and 100 ETF shares at 25, marked 17.5 / 2 / 27."""
    st = RunState(Account(1_000_000.0))
    for c, qty, px in ((VX, 2, 15.0), (CALL, 10, 1.20), (ETF, 100, 25.0)):
        st.hedges_acct.apply_fill(Fill(D0, c, qty, px, 0.0, "hedge", LAYERS[c.id]))
        st.hedge_layer[c.id] = LAYERS[c.id]
    marks = {
        VX.id: _mark(17.5, True, 600.0, 10_000.0, 1000.0),
        CALL.id: _mark(2.0, False, 40.0, 0.0, 100.0),
        ETF.id: _mark(27.0, False, 1.5, 0.0, 1.0),
    }
    _set_marks(st, marks)
    return st


def _set_marks(st: RunState, marks: dict[str, HedgeMark]) -> None:
    """What ``refresh_hedge_marks`` does: the last marks, then the account's marks."""
    st.hedge_marks.update(marks)
    legs = st.hedges_acct.open_legs()
    ids = st.hedges_acct.contract_ids(legs.slot)
    st.hedges_acct.set_marks(legs.slot, np.array([st.hedge_marks[i].mid for i in ids]))


def test_hedge_book_values_the_lots_at_their_marks() -> None:
    hb = _hedged_state().hedge_book()
    # Futures: P&L since entry (17.5 - 15) x 2 x 1000; options and shares: mark x qty x mult.
    assert hb.value_by_layer_usd == pytest.approx(
        {"vx_futures": 5000.0, "vix_calls": 2000.0, "vix_etf": 2700.0}
    )
    assert hb.value_usd == pytest.approx(9700.0)
    assert hb.cost_basis_usd == pytest.approx(10 * 1.20 * 100 + 100 * 25.0)  # futures cost 0
    assert hb.vega_usd_per_vol_pt == pytest.approx(2 * 600.0 + 10 * 40.0 + 100 * 1.5)
    assert hb.margin_usd == pytest.approx(2 * 10_000.0)
    assert hb.held == {VX.id: 2.0, CALL.id: 10.0, ETF.id: 100.0}
    assert hb.entry_price == pytest.approx({VX.id: 15.0, CALL.id: 1.20, ETF.id: 25.0})
    assert hb.contracts_by_layer == {"vx_futures": 2.0, "vix_calls": 10.0, "vix_etf": 100.0}


def test_hedge_book_follows_new_marks_and_fills() -> None:
    st = _hedged_state()
    assert st.hedge_book().value_by_layer_usd["vx_futures"] == pytest.approx(5000.0)
    _set_marks(st, {VX.id: _mark(14.0, True, 600.0, 10_000.0, 1000.0)})
    assert st.hedge_book().value_by_layer_usd["vx_futures"] == pytest.approx(-2000.0)
    st.hedges_acct.apply_fill(Fill(D1, CALL, -10, 2.0, 0.0, "sell", "vix_calls"))
    hb = st.hedge_book()
    assert CALL.id not in hb.held and "vix_calls" not in hb.value_by_layer_usd
    assert hb.cost_basis_usd == pytest.approx(2500.0)
    st.hedges_acct.apply_fill(Fill(D1, ETF, 50, 27.0, 0.0, "buy", "vix_etf"))
    hb = st.hedge_book()
    assert hb.held[ETF.id] == 150.0 and hb.entry_price[ETF.id] == pytest.approx(3850.0 / 150.0)


def test_book_view_shows_the_hedge_book_and_hands_the_rule_copies(
    synthetic_market: MarketData,
) -> None:
    st = _hedged_state()
    day = pd.Timestamp("2008-03-04")
    surf = SpxVolSurface.from_snapshot(synthetic_market.snapshot(day + DECISION))
    view = book_view(st, surf, day)
    assert view.hedge_positions == {VX.id: 2.0, CALL.id: 10.0, ETF.id: 100.0}
    assert view.hedge_value_usd == pytest.approx(9700.0)
    assert view.hedge_cost_basis_usd == pytest.approx(3700.0)
    assert view.equity_usd == pytest.approx(st.equity_usd("hedged"))
    view.hedge_positions.clear()
    view.hedge_entry_price.clear()
    again = book_view(st, surf, day)
    assert again.hedge_positions == {VX.id: 2.0, CALL.id: 10.0, ETF.id: 100.0}
    assert again.hedge_entry_price[VX.id] == 15.0


def test_atm_vols_of_ordinals_are_the_surfaces_to_the_last_bit(
    synthetic_market: MarketData,
) -> None:
    """Every expiry out to 400 days, AM and PM, on many days: the same floats as numpy and as
    ``atm_vol_one``, including expiries whose year fraction falls exactly on a VIX-tenor node."""
    on_node = 0
    for day in synthetic_market.sessions()[5::37][:40]:
        surf = SpxVolSurface.from_snapshot(synthetic_market.snapshot(day + DECISION))
        ords = np.array([day.toordinal() + d for d in range(-2, 400)] * 2, dtype=np.int64)
        am = np.array([False] * 402 + [True] * 402)
        t = surf.t_years_of_ordinals(ords, am)
        got = surf.atm_vols_of_ordinals(ords, am)
        assert got.tobytes() == surf.atm_vol(t).tobytes()
        assert got.tolist() == [surf.atm_vol_one(float(x)) for x in t]
        on_node += int(np.isin(t, surf.atm.t_nodes).sum())
    assert on_node > 0


def test_hedge_market_of_a_snapshot_matches_its_vx_curve(synthetic_market: MarketData) -> None:
    pricer = HedgePricer()
    for day in synthetic_market.sessions()[100::97][:12]:
        snap = synthetic_market.snapshot(day + DECISION)
        m = pricer.market(snap)
        assert pricer.market(snap) is m
        curve = snap.vx_curve()
        curve = curve[np.isfinite(curve["settle"]) & (curve["settle"] > 0)]
        assert m.curve_date == pd.Timestamp(curve["date"].iloc[0]).normalize()
        assert m.today == day
        assert m.vx_code == {
            r.contract: (pd.Timestamp(r.expiry).value, r.settle) for r in curve.itertuples()
        }
        first = curve.drop_duplicates("expiry")
        expiries = pd.to_datetime(first["expiry"])
        assert m.vx_by_expiry == dict(zip(expiries, first["settle"], strict=True))
        # The ETF quote is priced once a session: the marks and the rule share it.
        q = pricer.etf_quote(snap, "VXX")
        assert q is not None and pricer.etf_quote(snap, "VXX") is q
        assert pricer.mark(snap, "VXX").mid == q.price
