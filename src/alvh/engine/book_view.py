"""The hedged book as the hedge sees it at the decision time (``BookView``).

Built once a session, so it reads each source once: the open condors in one pass (one array
per field, contiguous, as the numpy sums and dot products of the rule expect) and the hedge
account's positions once for its value, cost basis, holdings and entry prices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh.engine.hedge_hook import BookView, CondorView
from alvh.engine.hedge_ops import hedge_book_figures
from alvh.engine.state import SPX_MULT, RunState
from alvh.market.surface import SpxVolSurface

_DAY_NS = 86_400_000_000_000
_N_FIELDS = 10  # numeric fields of a condor row below


def book_view(st: RunState, surf: SpxVolSurface, day: pd.Timestamp) -> BookView:
    """Return the hedged book as the hedge sees it at the decision time."""
    live = st.live_condors
    # Calendar days to expiry as whole days between midnights (``(expiry - day).days``).
    day_ord = day.toordinal() if day.value % _DAY_NS == 0 else None
    rows = [
        (
            c.qty,
            c.delta,
            c.vega,
            c.max_loss_usd,
            c.strikes[1],
            c.strikes[2],
            c.credit,
            c.expiry_ordinal - day_ord if day_ord is not None else (c.expiry - day).days,
            c.iv_short_put,
            c.iv_short_call,
        )
        for c in live
    ]
    # One row per field, each contiguous (a transposed copy, not strided column views).
    cols = np.array(rows, dtype=float).reshape(len(rows), _N_FIELDS).T.copy()
    qty, delta, vega, max_loss, short_put, short_call, credit, dte, iv_put, iv_call = cols
    if live:
        t = surf.t_years_of_ordinals(
            np.array([c.expiry_ordinal for c in live], dtype=np.int64),
            np.array([c.am_settled for c in live], dtype=bool),
        )
        iv_atm = np.asarray(surf.atm_vol(t), dtype=float)
    else:
        iv_atm = np.array([], dtype=float)
    cv = CondorView(
        tiers=tuple(c.tier for c in live),
        expiries=tuple(c.expiry for c in live),
        short_put=short_put,
        short_call=short_call,
        credit_per_condor=credit,
        qty=qty,
        dte_days=dte,
        iv_short_put=iv_put,
        iv_short_call=iv_call,
        iv_atm=iv_atm,
        max_loss_usd=max_loss,
        margin_usd=max_loss,
        delta_per_condor=delta,
        vega_usd_per_vol_pt=float(np.dot(vega, qty) * SPX_MULT),
        delta_usd=float(np.dot(delta, qty) * SPX_MULT),
    )
    positions = st.hedges_acct.positions()
    by_layer, _, _ = hedge_book_figures(st, positions)
    marks = st.hedge_marks
    held: dict[str, float] = {}
    entry: dict[str, float] = {}
    cost_basis = 0.0
    for p in positions:
        hid = p.contract.id
        held[hid] = held.get(hid, 0.0) + p.qty
        entry[hid] = p.avg_price
        if not marks[hid].is_future:
            cost_basis += p.qty * p.avg_price * p.contract.multiplier
    return BookView(
        day,
        surf.spot,
        st.equity_usd("hedged"),
        st.condors_acct.cash_usd + st.hedges_acct.cash_usd,
        cv,
        held,
        sum(by_layer.values()),
        cost_basis,
        entry,
    )
