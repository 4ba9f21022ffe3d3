"""The hedged book as the hedge sees it at the decision time (``BookView``).

Built once a session, so it reads each source once: the open condors in one pass (one array
per field, contiguous, as the numpy sums and dot products of the rule expect) and the hedge
book valued once per change of the hedge account (``RunState.hedge_book``, which the daily row
reads too). A condor's terms (contracts, strikes, credit) are fixed while it is open, so each
condor computes them once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh.engine.hedge_hook import BookView, CondorView
from alvh.engine.state import SPX_MULT, OpenCondor, RunState
from alvh.market.surface import SpxVolSurface

_DAY_NS = 86_400_000_000_000
_N_FIELDS = 11  # numeric fields of a condor row below


def _terms(c: OpenCondor) -> tuple[float, float, float, float, float]:
    """(contracts, max loss USD, short put, short call, credit) of an open condor: fixed while
    it is open, so computed once (the strikes are numpy scalars, the max loss a property)."""
    t = c.view_terms
    if t is None:
        t = c.view_terms = (
            float(c.qty),
            c.max_loss_usd,
            float(c.strikes[1]),
            float(c.strikes[2]),
            float(c.credit),
        )
    return t


def atm_vols(surf: SpxVolSurface, ordinals: list[int], am_settled: list[bool]) -> list[float]:
    """Return ``surf.atm_vol(surf.t_years_of_ordinals(ordinals, am_settled))`` as floats, one
    scalar call per distinct expiry (a session asks for a few condors' expiries, where numpy's
    per-call overhead was most of the cost; the same floats, tested)."""
    out: list[float] = []
    seen: dict[tuple[int, bool], float] = {}  # condors share expiries
    for o, am in zip(ordinals, am_settled, strict=True):
        v = seen.get((o, am))
        if v is None:
            v = seen[(o, am)] = surf.atm_vol_one(float(surf.t_years_of_ordinals(o, am)))
        out.append(v)
    return out


def book_view(st: RunState, surf: SpxVolSurface, day: pd.Timestamp) -> BookView:
    """Return the hedged book as the hedge sees it at the decision time."""
    live = st.live_condors
    # Calendar days to expiry as whole days between midnights (``(expiry - day).days``).
    day_ord = day.toordinal() if day.value % _DAY_NS == 0 else None
    iv_atm_c = atm_vols(surf, [c.expiry_ordinal for c in live], [c.am_settled for c in live])
    rows: list[tuple[float, ...]] = []
    for c, atm in zip(live, iv_atm_c, strict=True):
        n, max_loss_c, put_c, call_c, credit_c = _terms(c)
        days = c.expiry_ordinal - day_ord if day_ord is not None else (c.expiry - day).days
        iv_p, iv_c = c.iv_short_put, c.iv_short_call
        rows.append(
            (n, c.delta, c.vega, max_loss_c, put_c, call_c, credit_c, days, iv_p, iv_c, atm)
        )
    # One row per field, each contiguous (a transposed copy, not strided column views).
    cols = np.array(rows, dtype=float).reshape(len(rows), _N_FIELDS).T.copy()
    qty, delta, vega, max_loss, short_put, short_call, credit, dte, iv_put, iv_call, iv_atm = cols
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
