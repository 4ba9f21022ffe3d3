"""Hedge hook pricing and plumbing on a synthetic market: marks, settlements, ledger, factory."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql

from alvh.book.contracts import EtfShare, VixFuture, VixOption
from alvh.config.execution import ExecutionConfig
from alvh.config.hedge import hedge_preset
from alvh.engine.alvh_hedge import AlvhHedge
from alvh.engine.hedge_factory import hedge_costs_from_execution, make_hedge
from alvh.engine.hedge_hook import BookView, CondorView, NoHedge
from alvh.engine.hedge_ledger import Ledger, SentOrder
from alvh.engine.hedge_pricing import HedgeCosts
from alvh.engine.vxth_hedge import VxthHedge
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.synthetic import generate_market
from alvh.market.vixetf import compute_vix_st_index, etf_prices, tbill_series
from alvh.market.vixoptions import VixOptionModel
from alvh.strategy.hedge.instruments import vx_beta

DAY = pd.Timestamp("2008-10-15")
DECISION = pd.Timedelta(hours=16, minutes=15)


@pytest.fixture(scope="module")
def data() -> MarketData:
    return generate_market("2007-01-02", "2009-12-31", seed=3)


@pytest.fixture(scope="module")
def hook(data: MarketData) -> AlvhHedge:
    h = AlvhHedge(hedge_preset("alvh-442"))
    h.prepare(data)
    return h


def _rows(data: MarketData, day: pd.Timestamp) -> pd.DataFrame:
    vx = data.tables["vx_settlements"]
    return vx[(vx["date"] == day) & (vx["expiry"] > day)].sort_values("expiry")


def test_vx_mark_is_the_snapshot_settle_of_that_contract(data: MarketData, hook: AlvhHedge) -> None:
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]  # the second month, not the front: no spot-VIX shortcut
    exp = pd.Timestamp(row["expiry"])
    for mini, mult in ((False, 1000.0), (True, 100.0)):
        cid = hook.pricer.register(VixFuture(row["contract"], exp.date(), mini))
        m = hook.mark(snap, cid)
        assert m.mid == row["settle"]
        assert m.mid != snap.close("VIX")
        assert (m.half_spread, m.multiplier, m.is_future, m.expiry) == (0.05, mult, True, exp)
        assert m.vega_usd_per_vol_pt == pytest.approx(vx_beta((exp - DAY).days) * mult)
        assert m.margin_usd == (1_000.0 if mini else 10_000.0)


def test_mark_refuses_unknown_ids_and_contracts_off_the_curve(
    data: MarketData, hook: AlvhHedge
) -> None:
    snap = data.snapshot(DAY + DECISION)
    with pytest.raises(KeyError):
        hook.mark(snap, "VXZ30")
    far = hook.pricer.register(VixFuture("VXZ12", pd.Timestamp("2012-12-19").date()))
    with pytest.raises(NoDataError, match="not on the VX curve"):
        hook.mark(snap, far)
    # Before the 16:15 settlement is known, the mark is the previous session's settle.
    row = _rows(data, DAY).iloc[0]
    cid = hook.pricer.register(VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()))
    prev = _rows(data, pd.Timestamp("2008-10-14"))
    before = hook.mark(data.snapshot(DAY + pd.Timedelta(hours=12)), cid)
    assert before.mid == prev.loc[prev["contract"] == row["contract"], "settle"].iloc[0]


def test_vx_and_vix_call_settle_at_the_final_settlement_or_the_vix_open(data: MarketData) -> None:
    fs = data.tables["final_settlements"]
    vx = fs[fs["product"] == "VX"].iloc[10]
    exp = pd.Timestamp(vx["expiry"])
    h = AlvhHedge(hedge_preset("alvh-442"))
    fut = h.pricer.register(VixFuture.for_expiry(exp.date()))
    call = h.pricer.register(VixOption(exp.date(), 15.0, "C"))
    snap = data.snapshot(exp + DECISION)
    m = h.mark(snap, fut)
    assert (m.settlement, m.expiry) == (vx["value"], exp)
    assert h.mark(snap, call).settlement == pytest.approx(max(vx["value"] - 15.0, 0.0))
    assert h.pricer.settlement(snap, exp)[1] == "VX final settlement (SOQ)"
    # Without the official value, the VIX open of the expiry day stands in (and says so).
    tables = dict(data.tables)
    tables["final_settlements"] = fs[fs["product"] != "VX"]
    no_soq = MarketData(tables, data.source)
    snap2 = no_soq.snapshot(exp + DECISION)
    vix = data.tables["index_bars"]
    vix_open = vix[(vix["symbol"] == "VIX") & (vix["date"] == exp)]["open"].iloc[0]
    h2 = AlvhHedge(hedge_preset("alvh-442"))
    fut2 = h2.pricer.register(VixFuture.for_expiry(exp.date()))
    assert h2.mark(snap2, fut2).settlement == vix_open
    assert h2.pricer.settlement(snap2, exp)[1].startswith("VIX open")


def test_vix_call_mark_is_black76_on_its_future_with_vvix_vol(
    data: MarketData, hook: AlvhHedge
) -> None:
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    exp = pd.Timestamp(row["expiry"])
    fwd, k = float(row["settle"]), 30.0
    cid = hook.pricer.register(VixOption(exp.date(), k, "C"))
    m = hook.mark(snap, cid)
    days = (exp - DAY).days
    t = days / 365.0
    vvix = snap.close("VVIX")
    vol = float(VixOptionModel(vvix).vol(fwd, k, days))
    disc = math.exp(-snap.rate_pct("IRX") / 100.0 * t)
    oracle = ql.blackFormula(ql.Option.Call, k, fwd, vol * math.sqrt(t), disc)
    assert m.mid == pytest.approx(oracle, rel=1e-10)
    # ExecutionConfig(): half of max(0.025, 0.025 + 2.5% of mid), never above the mid.
    assert m.half_spread == pytest.approx(min(0.5 * max(0.025, 0.025 + 0.025 * m.mid), m.mid))
    assert (m.multiplier, m.is_future, m.fee_usd) == (100.0, False, 1.10)
    assert 0 < m.vega_usd_per_vol_pt < vx_beta(days) * 100.0  # delta x beta x 100


def test_etf_mark_is_the_point_in_time_vxx_series(data: MarketData, hook: AlvhHedge) -> None:
    snap = data.snapshot(DAY + DECISION)
    cid = hook.pricer.register(EtfShare("VXX"))
    m = hook.mark(snap, cid)
    # Rebuilt from settlements and rates up to DAY only: the same price.
    vx = data.tables["vx_settlements"]
    rates = data.tables["rates"]
    idx = compute_vix_st_index(
        vx[vx["date"] <= DAY], tbill_pct=tbill_series(rates[rates["date"] <= DAY])
    )
    assert m.mid == pytest.approx(float(etf_prices(idx).iloc[-1]), rel=1e-12)
    assert m.expiry is None and m.multiplier == 1.0 and not m.is_future
    # Costs are a fixed fraction of value: half of a one-cent half-spread (0.005 + 0.0002 x 25)
    # and half a cent of fees per share at $25.
    assert m.half_spread / m.mid == pytest.approx(0.5 * 0.01 / 25.0)
    assert m.fee_usd / m.mid == pytest.approx(0.005 / 25.0)
    assert m.vega_usd_per_vol_pt > 0


def test_ledger_books_fills_and_takes_the_book_as_truth() -> None:
    led = Ledger()
    led.sent = [SentOrder(1, "VXK08", 2.0), SentOrder(2, "VIX 2008-05-21 C 25", 10.0)]
    ev = led.reconcile({"VXK08": 2.0}, lambda s: 20.0)
    assert led.held(1, "VXK08") == 2.0 and led.pos[(1, "VXK08")].entry == 20.0
    assert [(e.kind, e.contract_id) for e in ev] == [("unfilled", "VIX 2008-05-21 C 25")]
    led.sent = [SentOrder(1, "VXK08", 1.0)]
    led.reconcile({"VXK08": 3.0}, lambda s: 23.0)
    assert led.pos[(1, "VXK08")].entry == pytest.approx((2 * 20.0 + 23.0) / 3)
    ev = led.reconcile({}, lambda s: math.nan)  # settled at expiry
    assert [e.kind for e in ev] == ["vanished"] and not led.pos


def test_make_hedge_picks_the_hook_and_maps_execution_costs() -> None:
    assert isinstance(make_hedge(hedge_preset("none")), NoHedge)
    assert isinstance(make_hedge(hedge_preset("alvh-442")), AlvhHedge)
    assert isinstance(make_hedge(hedge_preset("vxth")), VxthHedge)
    h = make_hedge(hedge_preset("alvh-123"), vx_initial_margin_usd=12_000.0)
    assert isinstance(h, AlvhHedge) and h.pricer.costs.vx_initial_margin_usd == 12_000.0
    with pytest.raises(TypeError, match="unknown hedge cost"):
        make_hedge(hedge_preset("alvh-442"), vx_fees=1.0)
    ex = ExecutionConfig.model_validate(
        {"fees": {"vx_future": {"commission_usd": 2.0}}, "slippage_frac_of_half_spread": 0.25}
    )
    c = hedge_costs_from_execution(ex)
    assert c.vx_fee_usd == 2.0 + 1.00 and c.slippage_frac == 0.25
    # VX spread config: half-spread 0.025 (one tick wide) -> x 0.25 paid.
    assert c.vx_half_spread(20.0) == pytest.approx(0.00625)
    # The defaults are ExecutionConfig()'s: one model for condors and hedges.
    d = HedgeCosts()
    assert d == hedge_costs_from_execution(ExecutionConfig())
    assert d.vx_half_spread(20.0) == pytest.approx(0.5 * 0.025)
    # A $3 VIX call: half of 0.025 + 0.025 x 3 = 0.05
    assert float(d.model.slippage("vix_option", 3.0)) == pytest.approx(0.05)
    # A hook built without costs prices like make_hedge with the default execution config.
    hook = AlvhHedge(hedge_preset("alvh-442"))
    made = make_hedge(hedge_preset("alvh-442"), ExecutionConfig())
    assert isinstance(made, AlvhHedge) and hook.pricer.costs == made.pricer.costs


def _view(day: pd.Timestamp, positions: dict[str, float], entry: dict[str, float]) -> BookView:
    empty = np.zeros(0)
    cv = CondorView(
        (),
        (),
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        empty,
        0.0,
        0.0,
    )
    return BookView(day, 1000.0, 1e6, 1e6, cv, positions, 0.0, 0.0, entry)


def test_layer_gain_is_measured_from_the_books_entry_price(data: MarketData) -> None:
    # The ledger thinks it bought 2 VX at 20.00; the book says its average fill was 21.30 (say,
    # slippage and a partial fill at another price). The monetise rule's gain and cost basis
    # must come from the book's number.
    hook = AlvhHedge(hedge_preset("alvh-123"))
    hook.prepare(data)
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    cid = hook.pricer.register(VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()))
    hook.ledger.sent = [SentOrder(1, cid, 2.0)]
    hook.ledger.reconcile({cid: 2.0}, lambda s: 20.0)
    mid = float(row["settle"])
    gains, costs = hook._layer_gains(snap, _view(DAY, {cid: 2.0}, {cid: 21.3}))
    assert gains[1] == pytest.approx((mid - 21.3) * 2 * 1000.0)
    assert costs[1] == pytest.approx(21.3 * 2 * 1000.0)
    # Without a book entry price (an older engine), the ledger's estimate is the fallback.
    gains, _ = hook._layer_gains(snap, _view(DAY, {cid: 2.0}, {}))
    assert gains[1] == pytest.approx((mid - 20.0) * 2 * 1000.0)


def test_cap_use_counts_futures_margin_and_face_and_option_premium(data: MarketData) -> None:
    hook = AlvhHedge(hedge_preset("alvh-123"))
    hook.prepare(data)
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    exp = pd.Timestamp(row["expiry"])
    fut = hook.pricer.register(VixFuture(row["contract"], exp.date()))
    mini = hook.pricer.register(VixFuture(row["contract"], exp.date(), mini=True))
    call = hook.pricer.register(VixOption(exp.date(), 30.0, "C"))
    held, _ = hook._cap_use(snap, _view(DAY, {fut: 2.0, mini: 3.0, call: 10.0}, {}))
    settle, call_mid = float(row["settle"]), hook.mark(snap, call).mid
    assert held.vx_margin_usd == pytest.approx(2 * 10_000.0 + 3 * 1_000.0)
    assert held.vx_notional_usd == pytest.approx(2.3 * settle * 1000.0)
    assert held.premium_usd == pytest.approx(10 * call_mid * 100.0)


def test_vx_fills_pay_one_tick_over_the_settle_by_default(data: MarketData) -> None:
    # SPEC costs: futures at settlement plus a tick of slippage, whatever the execution spread
    # model says; hedge.instruments.vx_fill_ticks = None returns to the spread model.
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    ex = ExecutionConfig()
    for ticks, half in ((1.0, 0.05), (0.25, 0.0125), (None, 0.0125)):
        cfg = hedge_preset("alvh-123")
        cfg = cfg.model_copy(
            update={"instruments": cfg.instruments.model_copy(update={"vx_fill_ticks": ticks})}
        )
        h = make_hedge(cfg, ex)
        assert isinstance(h, AlvhHedge)
        h.prepare(data)
        cid = h.pricer.register(VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()))
        assert h.mark(snap, cid).half_spread == pytest.approx(half)
    assert hedge_preset("alvh-442").instruments.vx_fill_ticks == 1.0


def test_carry_of_held_contracts_is_the_carry_of_their_quotes(data: MarketData) -> None:
    # The daily carry estimate skips building quotes; it must give the quote's exact numbers.
    hook = AlvhHedge(hedge_preset("alvh-442"))
    hook.prepare(data)
    snap = data.snapshot(DAY + DECISION)
    m = hook.pricer.market(snap)
    ids = []
    for _, row in _rows(data, DAY).head(3).iterrows():
        exp = pd.Timestamp(row["expiry"]).date()
        for mini in (False, True):
            ids.append(hook.pricer.register(VixFuture(row["contract"], exp, mini)))
        ids.append(hook.pricer.register(VixOption(exp, 30.0, "C")))
    ids.append(hook.pricer.register(EtfShare("VXX")))
    for cid in ids:
        q = hook.pricer.quote_of(m, cid)
        assert q is not None, cid
        assert hook.pricer.carry_of(m, cid) == (q.multiplier, q.carry_per_month), cid
    assert hook.pricer.carry_of(m, "not a contract") is None


def test_quiet_reconcile_changes_nothing_but_a_book_change_is_still_seen() -> None:
    led = Ledger()
    led.sent = [SentOrder(1, "VXK08", 2.0)]
    led.reconcile({"VXK08": 2.0}, lambda s: 20.0)
    assert led.reconcile({"VXK08": 2.0}, lambda s: math.nan) == []  # nothing sent, all held
    assert led.held(1, "VXK08") == 2.0 and led.pos[(1, "VXK08")].entry == 20.0
    # No order sent, yet the book moved: a settlement, then a lot the ledger never bought.
    assert [e.kind for e in led.reconcile({"VXK08": 1.0}, lambda s: math.nan)] == ["adjusted"]
    ev = led.reconcile({"VXK08": 1.0, "VXM08": 3.0}, lambda s: math.nan)
    assert [(e.kind, e.contract_id) for e in ev] == [("adjusted", "VXM08")]


def test_a_quiet_session_still_closes_a_lot_no_layer_accounts_for(data: MarketData) -> None:
    # Session 1 is quiet (nothing held, nothing sent), so the hook skips aligning its state;
    # on session 2 the book holds a future the hook never ordered: it must be reconciled and
    # closed as an orphan all the same.
    hook = AlvhHedge(hedge_preset("alvh-442"))
    hook.prepare(data)
    day2 = DAY + pd.Timedelta(days=1)
    row = _rows(data, DAY).iloc[1]
    cid = hook.pricer.register(VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()))
    orders, _ = hook.decide(data.snapshot(DAY + DECISION), _view(DAY, {}, {}))
    assert orders == [] and hook._aligned is not None
    orders, entries = hook.decide(data.snapshot(day2 + DECISION), _view(day2, {cid: 2.0}, {}))
    assert [(o.contract_id, o.qty) for o in orders] == [(cid, -2.0)]
    rec = [(e.outcome, e.action) for e in entries if e.rule == "hedge.reconcile"]
    assert rec == [("adjusted", "none"), ("fired", "close")]
