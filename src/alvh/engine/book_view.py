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

from alvh._typing import Float64Array, Int64Array
from alvh.engine.state import SPX_MULT, LiveCondors, RunState
from alvh.kernel.grouping import condor_rows
from alvh.market.surface import SpxVolSurface
from alvh.strategy.book_view import BookView, CondorView, HedgePrices

_DAY_NS = 86_400_000_000_000
# The view's block: rows 0-4 the fixed terms of ``LiveCondors.block``, 5-8 delta, vega,
# short put and short call vols, then these two.
_N_ROWS = 11
_DELTA, _DTE, _IV_ATM = 5, 9, 10


_NO_CODES: Int64Array = np.zeros(0, dtype=np.int64)
_NO_SUMS: Float64Array = np.zeros((6, 0))


def _columns(st: RunState, ls: LiveCondors, surf: SpxVolSurface, day: pd.Timestamp) -> Float64Array:
    """Return the view's (11, condors) block, each row contiguous and the rule's own."""
    n = len(ls.condors)
    out = np.empty((_N_ROWS, n))
    marks = st.condor_marks
    codes, sums = _NO_CODES, _NO_SUMS
    if marks is not None and marks[0] == ls.condors:  # the live set it marked: its sums
        codes, sums = marks[1], marks[2]
    # Calendar days to expiry as whole days between midnights (``(expiry - day).days``).
    midnight = day.value % _DAY_NS == 0
    condor_rows(ls.block, day.toordinal() if midnight else 0, codes, sums, out)
    if not midnight:
        out[_DTE] = [float((e - day).days) for e in ls.expiries]
    if codes is _NO_CODES:  # a state built by hand, not marked since: the condors' fields
        for i, c in enumerate(ls.condors):
            out[_DELTA:_DTE, i] = (c.delta, c.vega, c.iv_short_put, c.iv_short_call)
    surf.atm_vols_of_ordinals(ls.expiry_ordinal, ls.am_settled, out=out[_IV_ATM])
    return out


def book_view(
    st: RunState, surf: SpxVolSurface, day: pd.Timestamp, prices: HedgePrices | None = None
) -> BookView:
    """Return the hedged book as the hedge sees it at the decision time.

    Parameters
    ----------
    st
        The run's state, condors marked (``mark_condors``) and hedges marked for the session.
    surf
        The session's SPX surface.
    day
        The session.
    prices
        The engine's hedge pricer, which the rule prices through.

    The hedge events it reports are those since the last view: the state forgets them here.
    """
    ls = st.live_set()
    qty, max_loss, short_put, short_call, credit, delta, vega, iv_put, iv_call, dte, iv_atm = (
        _columns(st, ls, surf, day)
    )
    # Positional, in the fields' order (keywords cost a named tuple twice as much to build).
    cv = CondorView(
        ls.tiers,
        ls.expiries,
        short_put,
        short_call,
        credit,  # credit_per_condor
        qty,
        dte,
        iv_put,
        iv_call,
        iv_atm,
        max_loss,  # max_loss_usd
        max_loss,  # margin_usd
        delta,  # delta_per_condor
        float(np.dot(vega, qty) * SPX_MULT),  # vega_usd_per_vol_pt
        float(np.dot(delta, qty) * SPX_MULT),  # delta_usd
    )
    hb = st.hedge_book()
    events = tuple(st.hedge_events)
    st.hedge_events.clear()
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
        hb.lots,
        events,
        prices,
    )
