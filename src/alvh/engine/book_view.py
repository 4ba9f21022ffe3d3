"""The hedged book as the hedge sees it at the decision time (``BookView``).

Built once a session from what is already at hand, without a pass per condor: the condors'
fixed terms come from ``RunState.live_set`` (arrays kept while the live set is unchanged), their
deltas, vegas and short-strike vols from the last ``mark_condors`` sums (``condor_marks``), the
ATM vols of their expiries from one compiled call, and the hedge book valued once per change of
the hedge account (``RunState.hedge_book``, which the daily row reads too). The rule gets arrays
and dicts of its own each session: it may keep or change them; no cache shares them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh._typing import Float64Array
from alvh.engine.hedge_hook import BookView, CondorView
from alvh.engine.state import SPX_MULT, LiveCondors, RunState
from alvh.market.surface import SpxVolSurface

_DAY_NS = 86_400_000_000_000


def _marked_columns(
    st: RunState, ls: LiveCondors, qty: Float64Array
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array]:
    """Return each live condor's delta and vega per vol point (per condor), short put vol and
    short call vol as ``mark_condors`` left them on the condors (the same divisions)."""
    marks = st.condor_marks
    if marks is not None and marks[0] == ls.condors:  # the live set it marked: take its sums
        # A fresh (6, condors) array with contiguous rows (``[:, cols]`` would give strided
        # ones, and ``np.dot`` sums a strided row in another order: other last bits).
        s = marks[2].take(marks[1], axis=1)
        per_condor = s[1:3] / qty
        return per_condor[0], per_condor[1], s[4], s[5]
    # Not marked since the live set changed (a state built by hand): the condors' own fields.
    rows = [(c.delta, c.vega, c.iv_short_put, c.iv_short_call) for c in ls.condors]
    d, v, ip, ic = np.array(rows, dtype=float).reshape(len(rows), 4).T.copy()
    return d, v, ip, ic


def book_view(st: RunState, surf: SpxVolSurface, day: pd.Timestamp) -> BookView:
    """Return the hedged book as the hedge sees it at the decision time.

    Parameters
    ----------
    st
        The run's state, condors marked (``mark_condors``) and hedges marked for the session.
    surf
        The session's SPX surface.
    day
        The session.
    """
    ls = st.live_set()
    terms = ls.terms.copy()  # the rule's own rows: it may change them, the cache must not
    qty, max_loss, short_put, short_call, credit = terms
    delta, vega, iv_put, iv_call = _marked_columns(st, ls, qty)
    # Calendar days to expiry as whole days between midnights (``(expiry - day).days``).
    if day.value % _DAY_NS == 0:
        dte = ls.expiry_day - day.toordinal()
    else:
        dte = np.array([float((e - day).days) for e in ls.expiries])
    cv = CondorView(
        tiers=ls.tiers,
        expiries=ls.expiries,
        short_put=short_put,
        short_call=short_call,
        credit_per_condor=credit,
        qty=qty,
        dte_days=dte,
        iv_short_put=iv_put,
        iv_short_call=iv_call,
        iv_atm=surf.atm_vols_of_ordinals(ls.expiry_ordinal, ls.am_settled),
        max_loss_usd=max_loss,
        margin_usd=max_loss,
        delta_per_condor=delta,
        vega_usd_per_vol_pt=float(np.dot(vega, qty) * SPX_MULT),
        delta_usd=float(np.dot(delta, qty) * SPX_MULT),
    )
    hb = st.hedge_book()
    return BookView(
        day,
        surf.spot,
        st.equity_usd("hedged"),
        st.condors_acct.cash_usd + st.hedges_acct.cash_usd,
        cv,
        dict(hb.held),  # copies: the rule may keep or change its view; the cache must not
        hb.value_usd,
        hb.cost_basis_usd,
        dict(hb.entry_price),
    )
