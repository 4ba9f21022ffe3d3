"""The CBOE VIX Tail Hedge (VXTH) rule as a ``HedgeHook``: monthly ~30-delta VIX calls.

What both adapters share lives in ``alvh.engine.hedge_adapter.HedgeAdapter``, pricing
conventions in ``alvh.engine.hedge_pricing``; the calls it holds are the book's lots.
"""

from __future__ import annotations

import pandas as pd

from alvh.book.contracts import VixOption
from alvh.calendar.expiries import vx_expiry
from alvh.engine.hedge_adapter import HedgeAdapter, rule_outcome
from alvh.engine.hedge_hook import BookView, HedgeOrder
from alvh.engine.hedge_pricing import vix_option_half_spread
from alvh.engine.journal import JournalEntry
from alvh.errors import NoDataError, PricingError
from alvh.market.snapshot import MarketSnapshot
from alvh.market.vixoptions import strike_for_delta
from alvh.strategy.hedge.vxth import vxth_allocation

VXTH_LAYER = 2


class VxthHedge(HedgeAdapter):
    """CBOE VIX Tail Hedge overlay: one-month ~30-delta VIX calls, weight set by front VX.

    On each VIX option expiry the calls bought a month earlier settle at the SOQ (the engine
    settles them), any other calls held are sold, and new one-month calls are bought with
    ``vxth_allocation`` of the hedged book's equity; they fill at the next session.

    Parameters
    ----------
    cfg
        Hedge config (its ``vxth`` block is used).
    costs
        Execution costs.
    """

    def decide(
        self, snap: MarketSnapshot, view: BookView
    ) -> tuple[list[HedgeOrder], list[JournalEntry]]:
        """Roll the VXTH calls on VIX expiry days; otherwise hold."""
        self.session_index += 1
        entries = self._fill_entries(snap, view)
        m = self.pricer.market(snap)
        today = view.day.normalize()
        live = sorted(e for e in m.vx_by_expiry if e > today)
        # An expiring contract may be absent from its expiry day's rows (the VX panel's
        # continuous sources from 2015 on list only live contracts): also ask the CFE rule.
        is_expiry = today in m.vx_by_expiry or today.date() == vx_expiry(today.year, today.month)
        if not is_expiry or not live:
            nxt = f"next {live[0].date()}" if live else "none listed"
            entries.append(
                JournalEntry("hedge.vxth", {}, "clear", "none", f"not a VIX option expiry ({nxt})")
            )
            return [], entries
        orders: list[HedgeOrder] = []
        for layer, cid, qty, _ in view.hedge_lots:
            c = self.pricer.contract(cid)
            if isinstance(c, VixOption) and pd.Timestamp(c.expiry) > today:
                why = f"VXTH roll {today.date()}: sell {cid} before buying the new month"
                orders.append(self._order(layer, cid, -qty, why))
        exp, fwd = live[0], m.vx_by_expiry[live[0]]
        try:
            if m.vvix is None or m.curve_date is None:
                raise NoDataError(f"no VVIX known at {snap.as_of}")
            days = (exp - m.curve_date).days
            model = self.pricer.option_model(m.vvix)
            k = strike_for_delta(fwd, days, self.cfg.vxth.call_delta, model, True, m.rate, 1.0)
            mid, delta, _ = self.pricer.vix_option(m, exp, k, True, snap)
        except (NoDataError, PricingError) as e:
            entries.append(JournalEntry("hedge.vxth", {}, "skipped", "none", f"no call: {e}"))
            return orders, entries
        ask = mid + vix_option_half_spread(mid, self.pricer.costs)
        n, rr = vxth_allocation(fwd, view.equity_usd, ask, 100.0, self.cfg.vxth)
        cid = self.pricer.register(VixOption(exp.date(), k, "C"))
        inputs: dict[str, object] = dict(rr.inputs)
        inputs |= {"contract": cid, "strike": k, "delta": delta, "mid": mid}
        if n > 0:
            orders.append(self._order(VXTH_LAYER, cid, float(n), f"VXTH: {rr.reason}"))
        entries.append(
            JournalEntry("hedge.vxth", inputs, rule_outcome(rr), "open" if n else "none", rr.reason)
        )
        return orders, entries
