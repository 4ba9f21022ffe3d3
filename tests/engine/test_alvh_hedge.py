"""Hedge hook pricing and plumbing on a synthetic market: marks, settlements, the fill journal,
lots by layer, factory."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql

from alvh.book.contracts import EtfShare, VixFuture, VixOption, parse_contract_id
from alvh.config.execution import ExecutionConfig
from alvh.config.hedge import hedge_preset
from alvh.engine.costs import HedgeCosts
from alvh.engine.hedge_factory import hedge_costs
from alvh.engine.hedge_pricing import HedgePricer
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.synthetic import generate_market
from alvh.market.vixetf import compute_vix_st_index, etf_prices, tbill_series
from alvh.market.vixoptions import VixOptionModel
from alvh.strategy.book_view import (
    BookView,
    CondorView,
    FillOutcome,
    HedgeEvent,
    HedgeLot,
)
from alvh.strategy.hedge.adapter import NoHedge
from alvh.strategy.hedge.alvh_rule import AlvhHedge, Bought
from alvh.strategy.hedge.factory import make_hedge
from alvh.strategy.hedge.instruments import vx_beta
from alvh.strategy.hedge.results import Allocation
from alvh.strategy.hedge.vxth_rule import VxthHedge

# The engine's hedge pricer with the presets' fill (one tick over the VX settle).
PRICER = HedgePricer(HedgeCosts(vx_fill_ticks=1.0))
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
        cid = VixFuture(row["contract"], exp.date(), mini).id
        m = PRICER.mark(snap, cid)
        assert m.mid == row["settle"]
        assert m.mid != snap.close("VIX")
        assert (m.half_spread, m.multiplier, m.is_future, m.expiry) == (0.05, mult, True, exp)
        assert m.vega_usd_per_vol_pt == pytest.approx(vx_beta((exp - DAY).days) * mult)
        assert m.margin_usd == (1_000.0 if mini else 10_000.0)


def test_mark_refuses_unknown_ids_and_contracts_off_the_curve(
    data: MarketData, hook: AlvhHedge
) -> None:
    snap = data.snapshot(DAY + DECISION)
    # An id that names no hedge contract (its terms are the id: nothing to look up).
    for not_hedge in ("SPX 2008-11-22 P 900", "not a contract"):
        with pytest.raises(KeyError):
            PRICER.mark(snap, not_hedge)
    # A well-formed id the curve does not list yet is priced as far as the data allows.
    with pytest.raises(NoDataError, match="not on the VX curve"):
        PRICER.mark(snap, "VXZ30")
    far = VixFuture("VXZ12", pd.Timestamp("2012-12-19").date()).id
    with pytest.raises(NoDataError, match="not on the VX curve"):
        PRICER.mark(snap, far)
    # Before the 16:15 settlement is known, the mark is the previous session's settle.
    row = _rows(data, DAY).iloc[0]
    cid = VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()).id
    prev = _rows(data, pd.Timestamp("2008-10-14"))
    before = PRICER.mark(data.snapshot(DAY + pd.Timedelta(hours=12)), cid)
    assert before.mid == prev.loc[prev["contract"] == row["contract"], "settle"].iloc[0]


def test_vx_and_vix_call_settle_at_the_final_settlement_or_the_vix_open(data: MarketData) -> None:
    fs = data.tables["final_settlements"]
    vx = fs[fs["product"] == "VX"].iloc[10]
    exp = pd.Timestamp(vx["expiry"])
    fut = VixFuture.for_expiry(exp.date()).id
    call = VixOption(exp.date(), 15.0, "C").id
    snap = data.snapshot(exp + DECISION)
    m = PRICER.mark(snap, fut)
    assert (m.settlement, m.expiry) == (vx["value"], exp)
    assert PRICER.mark(snap, call).settlement == pytest.approx(max(vx["value"] - 15.0, 0.0))
    assert PRICER.settlement(snap, exp)[1] == "VX final settlement (SOQ)"
    # Without the official value, the VIX open of the expiry day stands in (and says so).
    tables = dict(data.tables)
    tables["final_settlements"] = fs[fs["product"] != "VX"]
    no_soq = MarketData(tables, data.source)
    snap2 = no_soq.snapshot(exp + DECISION)
    vix = data.tables["index_bars"]
    vix_open = vix[(vix["symbol"] == "VIX") & (vix["date"] == exp)]["open"].iloc[0]
    fut2 = VixFuture.for_expiry(exp.date()).id
    assert PRICER.mark(snap2, fut2).settlement == vix_open
    assert PRICER.settlement(snap2, exp)[1].startswith("VIX open")


def test_vix_call_mark_is_black76_on_its_future_with_vvix_vol(
    data: MarketData, hook: AlvhHedge
) -> None:
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    exp = pd.Timestamp(row["expiry"])
    fwd, k = float(row["settle"]), 30.0
    cid = VixOption(exp.date(), k, "C").id
    m = PRICER.mark(snap, cid)
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
    cid = EtfShare("VXX").id
    m = PRICER.mark(snap, cid)
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


def test_fill_journal_names_unfilled_orders_and_settlements(data: MarketData) -> None:
    hook = AlvhHedge(hedge_preset("alvh-442"))
    hook.prepare(data)
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    fut = VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()).id
    late = VixOption(date(2008, 10, 22), 25.0, "C").id
    gone = VixOption(date(2008, 9, 17), 30.0, "C").id  # expired by DAY
    filled = HedgeEvent(FillOutcome.FILLED, 1, fut, 2.0)
    missed = HedgeEvent(FillOutcome.UNFILLED, 2, late, -10.0)
    settled = HedgeEvent(FillOutcome.SETTLED, 2, gone, 5.0)
    lots = (HedgeLot(1, fut, 2.0, 20.0), HedgeLot(2, late, 10.0, 1.5))
    view = _view(DAY, {fut: 2.0, late: 10.0}, {}, lots, (settled, filled, missed))
    entries = hook._fill_entries(snap, view)
    # Held contracts first (the order their lots opened), the settled one after; a filled
    # order says nothing.
    assert [(e.rule, e.outcome) for e in entries] == [
        ("hedge.reconcile", "unfilled"),
        ("hedge.settlement", "settled"),
    ]
    assert entries[0].reason == f"{late} (layer 2): order -10 not filled"
    value, source = PRICER.settlement(snap, pd.Timestamp("2008-09-17"))
    assert entries[1].reason == f"{gone} x5 settled at expiry at {value:.2f} ({source})"
    # A sale that met the expiry closed the lot anyway: nothing to say.
    sale = HedgeEvent(FillOutcome.UNFILLED, 2, gone, -5.0)
    assert hook._fill_entries(snap, _view(DAY, {}, {}, (), (settled, sale))) == []


def test_make_hedge_picks_the_rule_and_hedge_costs_map_the_execution_config() -> None:
    assert isinstance(make_hedge(hedge_preset("none")), NoHedge)
    assert isinstance(make_hedge(hedge_preset("alvh-442")), AlvhHedge)
    assert isinstance(make_hedge(hedge_preset("vxth")), VxthHedge)
    c = hedge_costs(hedge_preset("alvh-123"), vx_initial_margin_usd=12_000.0)
    assert c.vx_initial_margin_usd == 12_000.0
    with pytest.raises(TypeError, match="unknown hedge cost"):
        hedge_costs(hedge_preset("alvh-442"), vx_fees=1.0)
    ex = ExecutionConfig.model_validate(
        {"fees": {"vx_future": {"commission_usd": 2.0}}, "slippage_frac_of_half_spread": 0.25}
    )
    no_ticks = hedge_preset("alvh-442").instruments.model_copy(update={"vx_fill_ticks": None})
    c = hedge_costs(hedge_preset("alvh-442").model_copy(update={"instruments": no_ticks}), ex)
    assert c.vx_fee_usd == 2.0 + 1.00 and c.slippage_frac == 0.25
    # VX spread config: half-spread 0.025 (one tick wide) -> x 0.25 paid.
    assert c.vx_half_spread(20.0) == pytest.approx(0.00625)
    # The defaults are ExecutionConfig()'s: one model for condors and hedges.
    d = HedgeCosts()
    assert d == replace(hedge_costs(hedge_preset("alvh-442")), vx_fill_ticks=None)
    assert d.vx_half_spread(20.0) == pytest.approx(0.5 * 0.025)
    # A $3 VIX call: half of 0.025 + 0.025 x 3 = 0.05
    assert float(d.model.slippage("vix_option", 3.0)) == pytest.approx(0.05)
    # The engine's default costs are the config's: what ``hedge_costs`` gives with the
    # default execution config.
    assert PRICER.costs == hedge_costs(hedge_preset("alvh-442"), ExecutionConfig())


def _view(
    day: pd.Timestamp,
    positions: dict[str, float],
    entry: dict[str, float],
    lots: tuple[HedgeLot, ...] = (),
    events: tuple[HedgeEvent, ...] = (),
) -> BookView:
    empty = np.zeros(0)
    cv = CondorView((), (), *(empty,) * 11, vega_usd_per_vol_pt=0.0, delta_usd=0.0)
    return BookView(day, 1000.0, 1e6, 1e6, cv, positions, 0.0, 0.0, entry, lots, events, PRICER)


def test_layer_gain_is_measured_from_the_lots_entry_price(data: MarketData) -> None:
    # The book's lot of layer 1 holds 2 VX at an average fill of 21.30 (slippage included): the
    # monetise rule's gain and cost basis come from that number.
    hook = AlvhHedge(hedge_preset("alvh-123"))
    hook.prepare(data)
    hook.pricer = PRICER  # what ``decide`` takes from the view
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    cid = VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()).id
    mid = float(row["settle"])
    view = _view(DAY, {cid: 2.0}, {cid: 21.3}, (HedgeLot(1, cid, 2.0, 21.3),))
    gains, costs = hook._layer_gains(snap, view)
    assert gains == {1: pytest.approx((mid - 21.3) * 2 * 1000.0)}
    assert costs == {1: pytest.approx(21.3 * 2 * 1000.0)}


def test_cap_use_counts_futures_margin_and_face_and_option_premium(data: MarketData) -> None:
    hook = AlvhHedge(hedge_preset("alvh-123"))
    hook.prepare(data)
    hook.pricer = PRICER  # what ``decide`` takes from the view
    snap = data.snapshot(DAY + DECISION)
    row = _rows(data, DAY).iloc[1]
    exp = pd.Timestamp(row["expiry"])
    fut = VixFuture(row["contract"], exp.date()).id
    mini = VixFuture(row["contract"], exp.date(), mini=True).id
    call = VixOption(exp.date(), 30.0, "C").id
    held, _ = hook._cap_use(snap, _view(DAY, {fut: 2.0, mini: 3.0, call: 10.0}, {}), ())
    settle, call_mid = float(row["settle"]), PRICER.mark(snap, call).mid
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
        pricer = HedgePricer(hedge_costs(cfg, ex))
        cid = VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()).id
        assert pricer.mark(snap, cid).half_spread == pytest.approx(half)
    assert hedge_preset("alvh-442").instruments.vx_fill_ticks == 1.0


def test_carry_of_held_contracts_is_the_carry_of_the_quotes_they_were_bought_on(
    data: MarketData,
) -> None:
    # The daily carry estimate of a held contract skips building quotes; it must give the
    # exact numbers of the sizing quote the rule bought it on (VX futures and their minis at a
    # tenth of the multiplier, VIX calls, the ETF).
    snap = data.snapshot(DAY + DECISION)
    quotes = PRICER.vx_quotes(snap)[:3] + PRICER.call_quotes(snap, 0.2, None)[:3]
    etf = PRICER.etf_quote(snap, "VXX")
    assert etf is not None and len(quotes) == 6
    for q in [*quotes, etf]:
        assert PRICER.carry_of(snap, q.symbol) == (q.multiplier, q.carry_per_month), q.symbol
    for q in quotes[:3]:
        fut = parse_contract_id(q.symbol)
        assert isinstance(fut, VixFuture)
        mini = VixFuture(fut.code, fut.expiry, mini=True).id
        assert PRICER.carry_of(snap, mini) == (q.multiplier * 0.1, q.carry_per_month), mini
    assert PRICER.carry_of(snap, "not a contract") is None


def test_a_lot_no_active_layer_accounts_for_is_closed(data: MarketData) -> None:
    # Nothing is active in the rule's plan, yet the book holds a future for layer 1 (a sale
    # that did not fill, say): it is closed as an orphan, every session until it is gone.
    hook = AlvhHedge(hedge_preset("alvh-442"))
    hook.prepare(data)
    day2 = DAY + pd.Timedelta(days=1)
    row = _rows(data, DAY).iloc[1]
    cid = VixFuture(row["contract"], pd.Timestamp(row["expiry"]).date()).id
    orders, _ = hook.decide(data.snapshot(DAY + DECISION), _view(DAY, {}, {}))
    assert orders == []
    lots = (HedgeLot(1, cid, 2.0, 20.0),)
    for day in (day2, day2 + pd.Timedelta(days=1)):
        orders, entries = hook.decide(data.snapshot(day + DECISION), _view(day, {}, {}, lots))
        assert [(o.contract_id, o.qty, o.layer) for o in orders] == [(cid, -2.0, 1)]
        rec = [(e.outcome, e.action) for e in entries if e.rule == "hedge.reconcile"]
        assert rec == [("fired", "close")]


def test_the_rules_layers_are_the_tagged_lots_and_a_lot_let_go_is_sold_again(
    data: MarketData,
) -> None:
    # Layer 1 holds one VX lot bought in two tranches (2 at 21.0, then 1 at 22.5): the rule is
    # given one layer with both allocations, tranche and decision price as the fills' tags say.
    hook = AlvhHedge(hedge_preset("alvh-442"))
    hook.prepare(data)
    row = _rows(data, DAY).iloc[1]
    expiry = pd.Timestamp(row["expiry"]).date()
    cid = VixFuture(row["contract"], expiry).id
    sym = row["contract"]
    t1 = Allocation(sym, "vx", 2, 1000.0, 21.0, expiry.toordinal(), tranche=1)
    t2 = Allocation(sym, "vx", 1, 1000.0, 22.5, expiry.toordinal(), tranche=2)
    parts = ((0, Bought((0, 0), t1), 2.0), (5, Bought((3, 0), t2), 1.0))
    lot = HedgeLot(1, cid, 3.0, 21.5, parts)
    view = _view(DAY, {cid: 3.0}, {cid: 21.5}, (lot,))
    layers = hook._layers(view)
    assert [(h.layer, h.allocations) for h in layers] == [(1, (t1, t2))]
    # A sale took one contract (FIFO, from tranche 1): the layer holds what is left of each.
    sold = lot._replace(qty=2.0, parts=((0, Bought((0, 0), t1), 1.0), parts[1]))
    held = hook._layers(_view(DAY, {cid: 2.0}, {cid: 21.5}, (sold,)))
    assert held[0].allocations == (replace(t1, contracts=1), t2)
    # Once the rule has let the lot go, it is no layer's: it is sold until the sale fills.
    hook._closing = frozenset({(1, cid)})
    assert hook._layers(view) == ()
    orders, entries = hook._orphans({(1, cid): 3.0}, hook._layers(view))
    assert [(o.contract_id, o.qty, o.layer) for o in orders] == [(cid, -3.0, 1)]
    assert [e.action for e in entries] == ["close"]
