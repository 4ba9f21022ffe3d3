"""The hedged book as the hedge sees it at the decision time (``BookView``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh.engine.hedge_hook import BookView, CondorView
from alvh.engine.hedge_ops import entry_prices, hedge_book_figures
from alvh.engine.state import SPX_MULT, RunState
from alvh.market.surface import SpxVolSurface


def book_view(st: RunState, surf: SpxVolSurface, day: pd.Timestamp) -> BookView:
    """Return the hedged book as the hedge sees it at the decision time."""
    live = st.live_condors

    def arr(values: list[float]) -> np.ndarray:
        return np.array(values, dtype=float)

    qty = arr([c.qty for c in live])
    delta = arr([c.delta for c in live])
    vega = arr([c.vega for c in live])
    max_loss = arr([c.max_loss_usd for c in live])
    t = arr([surf.t_years(c.expiry, c.am_settled) for c in live])
    cv = CondorView(
        tiers=tuple(c.tier for c in live),
        expiries=tuple(c.expiry for c in live),
        short_put=arr([c.strikes[1] for c in live]),
        short_call=arr([c.strikes[2] for c in live]),
        credit_per_condor=arr([c.credit for c in live]),
        qty=qty,
        dte_days=arr([(c.expiry - day).days for c in live]),
        iv_short_put=arr([c.iv_short_put for c in live]),
        iv_short_call=arr([c.iv_short_call for c in live]),
        iv_atm=np.asarray(surf.atm_vol(t), dtype=float) if live else arr([]),
        max_loss_usd=max_loss,
        margin_usd=max_loss,
        delta_per_condor=delta,
        vega_usd_per_vol_pt=float(np.dot(vega, qty) * SPX_MULT),
        delta_usd=float(np.dot(delta, qty) * SPX_MULT),
    )
    by_layer, _, _ = hedge_book_figures(st)
    hedge_value = sum(by_layer.values())
    cost_basis = sum(
        p.qty * p.avg_price * p.contract.multiplier
        for p in st.hedges_acct.positions()
        if not st.hedge_marks[p.contract.id].is_future
    )
    return BookView(
        day,
        surf.spot,
        st.equity_usd("hedged"),
        st.condors_acct.cash_usd + st.hedges_acct.cash_usd,
        cv,
        st.hedge_positions(),
        hedge_value,
        cost_basis,
        entry_prices(st),
    )
