"""The hedge's view of the book in a whole hedged run: every session, the arrays it shows are
the condors' own marks and terms to the last bit (as a pass over the condors builds them), and
the rule's copies are its own."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

import alvh.engine.loop as loop
from alvh.book.account import Account
from alvh.config.hedge import hedge_preset
from alvh.engine.book_view import book_view
from alvh.engine.loop import Engine
from alvh.engine.settings import EngineSettings, TierRules
from alvh.engine.state import SPX_MULT, OpenCondor, RunState
from alvh.market.data import MarketData
from alvh.market.surface import SpxVolSurface
from alvh.strategy.book_view import BookView, HedgePrices
from alvh.strategy.hedge.alvh_rule import AlvhHedge

TIERS = (
    TierRules("short", 7, 21, product="spxw", entry_weekday=0, exit_on_touch=True),
    TierRules("long", 60, 90, product="spx", entry_weekday=4, exit_dte=21),
)
SETTINGS = EngineSettings("2008-06-02", "2009-03-31", tiers=TIERS)


def _expected(st: RunState, surf: SpxVolSurface, day: pd.Timestamp) -> dict[str, object]:
    """The view built condor by condor from the condors' own fields (what it used to be)."""
    live = st.live_condors
    rows = [
        (
            float(c.qty),
            c.delta,
            c.vega,
            c.max_loss_usd,
            float(c.strikes[1]),
            float(c.strikes[2]),
            c.credit,
            float(c.expiry_ordinal - day.toordinal()),
            c.iv_short_put,
            c.iv_short_call,
        )
        for c in live
    ]
    cols = np.array(rows, dtype=float).reshape(len(rows), 10).T.copy()
    qty, delta, vega, max_loss, put, call, credit, dte, iv_p, iv_c = cols
    ords = np.array([c.expiry_ordinal for c in live], dtype=np.int64)
    am = np.array([c.am_settled for c in live], dtype=bool)
    held: dict[str, float] = {}
    for p in st.hedges_acct.positions():
        held[p.contract.id] = held.get(p.contract.id, 0.0) + p.qty
    return {
        "tiers": tuple(c.tier for c in live),
        "expiries": tuple(c.expiry for c in live),
        "short_put": put,
        "short_call": call,
        "credit_per_condor": credit,
        "qty": qty,
        "dte_days": dte,
        "iv_short_put": iv_p,
        "iv_short_call": iv_c,
        "iv_atm": surf.atm_vol(surf.t_years_of_ordinals(ords, am)),
        "max_loss_usd": max_loss,
        "margin_usd": max_loss,
        "delta_per_condor": delta,
        "vega_usd_per_vol_pt": float(np.dot(vega, qty) * SPX_MULT),
        "delta_usd": float(np.dot(delta, qty) * SPX_MULT),
        "hedge_positions": held,
    }


def _bits(x: object) -> object:
    """A value with its floats as bytes (so -0.0, NaN and the last bit count)."""
    if isinstance(x, np.ndarray):
        assert x.dtype == np.float64 and x.flags.c_contiguous and x.flags.writeable
        return x.tobytes()
    if isinstance(x, float):
        return struct.pack("d", x)
    return x


@pytest.fixture(scope="module")
def views(synthetic_market: MarketData) -> tuple[int, int, int]:
    """Run a hedged backtest checking every session's view; return (sessions, sessions with
    condors, distinct live sets)."""
    seen = {"sessions": 0, "with_condors": 0}
    live_sets: set[tuple[int, ...]] = set()

    def checked(
        st: RunState, surf: SpxVolSurface, day: pd.Timestamp, prices: HedgePrices | None = None
    ) -> BookView:
        view = book_view(st, surf, day, prices)
        want = _expected(st, surf, day)
        for name, value in want.items():
            got = getattr(view, name) if name == "hedge_positions" else getattr(view.condors, name)
            assert _bits(got) == _bits(value), (day, name)
        assert view.hedge_entry_price.keys() == want["hedge_positions"].keys()  # type: ignore[attr-defined]
        seen["sessions"] += 1
        seen["with_condors"] += bool(view.condors.tiers)
        live_sets.add(tuple(c.cid for c in st.live_condors))
        # The rule may change what it is shown: the next view must not see it.
        for arr in view.condors:
            if isinstance(arr, np.ndarray):
                arr += 1.0
        view.hedge_positions.clear()
        assert isinstance(view.hedge_entry_price, dict)  # the rule's own, as the positions
        view.hedge_entry_price.clear()
        return book_view(st, surf, day, prices)  # the rule gets a fresh view

    mp = pytest.MonkeyPatch()
    mp.setattr(loop, "book_view", checked)
    try:
        Engine(SETTINGS, synthetic_market, AlvhHedge(hedge_preset("alvh-442"))).run("view")
    finally:
        mp.undo()
    return seen["sessions"], seen["with_condors"], len(live_sets)


def test_every_sessions_view_is_the_condors_own_marks_and_terms(
    views: tuple[int, int, int],
) -> None:
    sessions, with_condors, live_sets = views
    # Checked on every session, through many changes of the live set (fills, exits, expiries).
    assert sessions > 150 and with_condors > 100 and live_sets > 30


def test_a_hand_built_state_without_marks_shows_the_condors_fields(
    synthetic_market: MarketData,
) -> None:
    """A view of condors nobody marked yet reads their fields (not a stale mark)."""
    day = pd.Timestamp("2008-03-04")
    surf = SpxVolSurface.from_snapshot(synthetic_market.snapshot(day + pd.Timedelta(hours=17)))
    st = RunState(Account(1e6))
    for cid, (exp, strikes) in enumerate(
        (
            ("2008-03-22", (1250.0, 1275.0, 1400.0, 1425.0)),
            ("2008-04-19", (1200.0, 1225.0, 1450.0, 1480.0)),
        )
    ):
        c = OpenCondor(cid, "t", pd.Timestamp(exp), True, np.array(strikes), 3, credit=4.5)
        c.open_date, c.delta, c.vega = day, 0.01 * (cid + 1), -2.0
        st.condors[cid] = c
    view = book_view(st, surf, day)
    assert view.condors.delta_per_condor.tolist() == [0.01, 0.02]
    assert view.condors.vega_usd_per_vol_pt == pytest.approx(-2.0 * 6 * SPX_MULT)
    assert view.condors.dte_days.tolist() == [18.0, 46.0]
    assert view.condors.max_loss_usd.tolist() == [(25.0 - 4.5) * 300.0, (30.0 - 4.5) * 300.0]
