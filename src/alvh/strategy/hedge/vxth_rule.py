"""The CBOE VIX Tail Hedge (VXTH) as a rule: ``alvh.strategy.hedge.vxth.vxth_roll`` on the
session's VX curve, with the new month's ~30-delta call priced by the engine's hedge pricer
(``view.prices``).

What both hedge rules share lives in ``alvh.strategy.hedge.adapter.HedgeAdapter``, pricing
conventions in ``alvh.engine.hedge_pricing``; the calls it holds are the book's lots.
"""

from __future__ import annotations

import pandas as pd

from alvh.book.contracts import VixOption, parse_contract_id
from alvh.calendar.expiries import vx_expiry
from alvh.errors import NoDataError, PricingError
from alvh.market.snapshot import MarketSnapshot
from alvh.market.vixoptions import strike_for_delta
from alvh.strategy.book_view import BookView, HedgeMarketView, HedgeOrder, HedgePrices
from alvh.strategy.hedge.adapter import HedgeAdapter, prices_of
from alvh.strategy.hedge.vxth import HeldCall, NewCall, vxth_roll
from alvh.strategy.rules import Decisions, JournalEntry


class VxthHedge(HedgeAdapter):
    """CBOE VIX Tail Hedge overlay: one-month ~30-delta VIX calls, weight set by front VX.

    On each VIX option expiry the calls bought a month earlier settle at the SOQ (the engine
    settles them), any other calls held are sold, and new one-month calls are bought with
    ``vxth_allocation`` of the hedged book's equity; they fill at the next session.

    Parameters
    ----------
    cfg
        Hedge config (its ``vxth`` block is used).
    """

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decisions[HedgeOrder]:
        """Roll the VXTH calls on VIX expiry days; otherwise hold."""
        self.session_index += 1
        entries = self._fill_entries(snap, view)
        prices = prices_of(view)
        m = prices.market(snap)
        today = view.day.normalize()
        live = sorted(e for e in m.vx_by_expiry if e > today)
        # An expiring contract may be absent from its expiry day's rows (the VX panel's
        # continuous sources from 2015 on list only live contracts): also ask the CFE rule.
        is_expiry = today in m.vx_by_expiry or today.date() == vx_expiry(today.year, today.month)
        held = [
            HeldCall(lot.layer, lot.contract_id, lot.qty, c.expiry)
            for lot in view.hedge_lots
            if isinstance(c := parse_contract_id(lot.contract_id), VixOption)
        ]
        call = self._new_call(snap, prices, m, live[0]) if is_expiry and live else ""
        step = vxth_roll(
            today.date(),
            is_expiry,
            live[0].date() if live else None,
            held,
            call,
            view.equity_usd,
            self.cfg.vxth,
        )
        orders = [self._order(o.layer, o.contract_id, o.qty, o.reason) for o in step.orders]
        entries.append(
            JournalEntry("hedge.vxth", step.inputs, step.outcome, step.action, step.reason)
        )
        return Decisions(orders, entries)

    def _new_call(
        self, snap: MarketSnapshot, prices: HedgePrices, m: HedgeMarketView, exp: pd.Timestamp
    ) -> NewCall | str:
        """Price the ~``call_delta`` call of expiry ``exp`` on its VX future (or say why not)."""
        fwd = m.vx_by_expiry[exp]
        try:
            if m.vvix is None or m.curve_date is None:
                raise NoDataError(f"no VVIX known at {snap.as_of}")
            days = (exp - m.curve_date).days
            model = prices.option_model(m.vvix)
            k = strike_for_delta(fwd, days, self.cfg.vxth.call_delta, model, True, m.rate, 1.0)
            mid, delta, _ = prices.vix_option(snap, exp, k)
        except (NoDataError, PricingError) as e:
            return str(e)
        ask = mid + prices.option_half_spread(mid)
        return NewCall(VixOption(exp.date(), k, "C").id, k, mid, delta, ask, fwd)
