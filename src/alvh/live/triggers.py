"""Triggers close to firing: every rule of a book's hedge and condor tiers on one session.

For the book's day D, on the snapshot at D's decision time, with the book's positions as of D
(its fills dated on or before D), this module runs **the engine's own rule functions**:

- the hedge's triggers through ``alvh.strategy.hedge.decision.evaluate_triggers`` (IV shift,
  proximity, break-even, book delta, MACD, RSI, term structure, macro, breadth), on inputs
  built as ``alvh.strategy.hedge.alvh_rule`` builds them: the condors' short strikes, credits and
  calendar days to expiry, their expiries' ATM vols and their legs' deltas on the model surface
  the engine marks with (``SpxVolSurface`` scaled by ``[assumptions] iv_scale``), the close
  rules and the VIX pair from ``alvh.strategy.hedge.signals.CloseSignals``, VX1/VX2/VIX/VIX3M
  from ``alvh.engine.hedge_market.build_market``, the macro window from the snapshot;
- the de-escalation rule's clear-session count: the same evaluation on each of the last
  ``[hedge.deescalation] clear_sessions`` sessions (the book as of each), counted back from D;
- each open condor's exit rules through ``alvh.strategy.condor.check_exit``, one rule at a
  time (so each rule's verdict is its own), and the short-strike distance in SDs through
  ``alvh.strategy.hedge.triggers.z_distances`` (the proximity rule's function).

Nothing here decides: the fired flags and reasons are the rules'. What is added is the
*distance to firing* of each rule, in its own units and as a fraction of its threshold (or of
the condor's credit), so a trader sees what is about to act. Positive distance: not firing
yet, by that much; zero or negative: firing.

Condors are the lots tagged with a condor tier of the config whose group holds exactly an iron
condor (two puts and two calls of one expiry, short inside long, one quantity); any other lot
of a condor tier is reported in ``unrecognised`` and left out of the rules, as the engine
would not hold it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from alvh.book.contracts import SpxOption
from alvh.book.positions import Fill, Position, fold
from alvh.config.run import RunConfig
from alvh.errors import NoDataError
from alvh.live.trigger_rows import (
    BookCondor,
    CondorColumns,
    TriggerRow,
    exit_rows,
    frac,
    hedge_rows,
)
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.hedge.results import RuleResult

__all__ = ["BookCondor", "BookTriggers", "TriggerRow", "book_triggers", "condors_of_positions"]


@dataclass(frozen=True, slots=True)
class BookTriggers:
    """Every rule of the book's config on one day (``alvh book status`` and the Book page)."""

    day: date
    hedge_rule: str
    rows: tuple[TriggerRow, ...]
    add_reason: str | None  # the decision tree's "add a layer" reason today, None if none
    clear_today: bool
    clear_streak: int  # consecutive clear sessions ending at the day (at most clear_needed)
    clear_needed: int
    layers_held: tuple[str, ...]
    unrecognised: tuple[str, ...]
    note: str


def condors_of_positions(
    positions: dict[tuple[str, str, str], Position], tiers: Sequence[str]
) -> tuple[list[BookCondor], list[str]]:
    """Return the iron condors among ``positions`` (lots of the condor ``tiers``) and the
    (tier, group) lots of those tiers that are not one."""
    groups: dict[tuple[str, str], list[Position]] = {}
    for (_, tier, group), p in positions.items():
        if tier in tiers and not p.is_flat:
            groups.setdefault((tier, group), []).append(p)
    out: list[BookCondor] = []
    bad: list[str] = []
    # In the order the engine holds them (condor ids in opening order), so the rules' condor
    # index reads as the journal's.
    for (tier, group), legs in sorted(groups.items(), key=lambda kv: (_natural(kv[0][1]), kv[0])):
        c = _condor(tier, group, legs)
        if c is None:
            bad.append(f"{tier} #{group}: {len(legs)} legs, not one iron condor")
        else:
            out.append(c)
    return out, bad


def _natural(group: str) -> tuple[int, int | str]:
    return (0, int(group)) if group.isdigit() else (1, group)


def _condor(tier: str, group: str, legs: list[Position]) -> BookCondor | None:
    opts = [(p, p.contract) for p in legs if isinstance(p.contract, SpxOption)]
    if len(opts) != 4 or len(opts) != len(legs):
        return None
    puts = sorted((o for o in opts if not o[1].is_call), key=lambda o: o[1].strike)
    calls = sorted((o for o in opts if o[1].is_call), key=lambda o: o[1].strike)
    if len(puts) != 2 or len(calls) != 2:
        return None
    (lp, c0), (sp, _), (sc, _), (lc, _) = puts[0], puts[1], calls[0], calls[1]
    n = lp.qty
    same = all(c.expiry == c0.expiry and c.root == c0.root for _, c in opts)
    if not (same and n > 0 and sp.qty == -n and sc.qty == -n and lc.qty == n):
        return None
    credit = sp.avg_price + sc.avg_price - lp.avg_price - lc.avg_price
    k = [c.strike for _, c in (*puts, *calls)]
    strikes = (float(k[0]), float(k[1]), float(k[2]), float(k[3]))
    return BookCondor(tier, group, c0.root, c0.expiry, strikes, float(n), float(credit))


def _columns(condors: list[BookCondor], surf: object, day: date) -> CondorColumns:
    from alvh.market.surface import SpxVolSurface

    assert isinstance(surf, SpxVolSurface)
    n = len(condors)
    ordinals = np.array([c.expiry.toordinal() for c in condors], dtype=np.int64)
    am = np.array([c.root == "SPX" for c in condors], dtype=bool)
    # Legs in (long put, short put, short call, long call) order, one pricing call as the
    # engine's daily marking (mark_condors) makes.
    strikes = np.array([k for c in condors for k in c.strikes], dtype=np.float64)
    is_call = np.tile(np.array([False, False, True, True]), n)
    sign = np.tile(np.array([1.0, -1.0, -1.0, 1.0]), n)
    if n:
        g, _ = surf.greeks_iv_of_ordinals(
            np.repeat(ordinals, 4), np.repeat(am, 4), strikes, is_call
        )
        value = (sign * g.price).reshape(n, 4).sum(axis=1)
        delta = (sign * g.delta).reshape(n, 4).sum(axis=1)
        iv_atm = surf.atm_vols_of_ordinals(ordinals, am)
    else:
        value = delta = iv_atm = np.zeros(0)
    return CondorColumns(
        short_put=np.array([c.strikes[1] for c in condors], dtype=np.float64),
        short_call=np.array([c.strikes[2] for c in condors], dtype=np.float64),
        credit=np.array([c.credit for c in condors], dtype=np.float64),
        qty=np.array([c.qty for c in condors], dtype=np.float64),
        dte_days=np.array([float((c.expiry - day).days) for c in condors], dtype=np.float64),
        iv_atm=np.asarray(iv_atm, dtype=np.float64),
        delta_per_condor=np.asarray(delta, dtype=np.float64),
        cost_to_close=-np.asarray(value, dtype=np.float64),
    )


@dataclass
class _Session:
    """One session's surface, columns and trigger set."""

    snap: MarketSnapshot
    spot: float
    cols: CondorColumns
    condors: list[BookCondor]
    results: dict[str, RuleResult]
    add_reason: str | None
    clear: bool


class _Evaluator:
    """Builds the hedge's inputs for a session as ``AlvhHedge._inputs`` does and runs the
    decision tree's trigger evaluation on them."""

    def __init__(self, cfg: RunConfig, data: MarketData) -> None:
        from alvh.engine.from_config import engine_settings
        from alvh.strategy.hedge.signals import CloseSignals

        self.cfg = cfg
        self.data = data
        self.settings = engine_settings(cfg)
        self.signals = CloseSignals(cfg.hedge.triggers)
        self.tiers = tuple(t.name for t in cfg.tiers)

    def snapshot(self, day: date) -> MarketSnapshot:
        return self.data.snapshot(pd.Timestamp.combine(day, self.settings.execution.decision_time))

    def surface(self, snap: MarketSnapshot) -> object:
        from alvh.engine.loop import scale_iv
        from alvh.market.surface import SpxVolSurface

        surf = SpxVolSurface.from_snapshot(snap)
        if self.settings.iv_scale != 1.0:
            surf = scale_iv(surf, self.settings.iv_scale)
        return surf

    def atm_iv_pair(self, day: date) -> tuple[float | None, float | None]:
        """(30-day ATM IV now, ``iv_shift_sessions`` sessions ago), vol points, unscaled, as
        ``AlvhHedge._atm_iv`` reads them."""
        from alvh.market.surface import SpxVolSurface

        n = self.cfg.hedge.triggers.iv_shift_sessions
        sessions = self.data.sessions("SPX")
        i = int(sessions.searchsorted(pd.Timestamp(day)))
        if i - n < 0:
            return None, None
        vals = []
        for s in (sessions[i], sessions[i - n]):
            try:
                snap = self.snapshot(s.date())
                vals.append(float(SpxVolSurface.from_snapshot(snap).atm_vol(30.0 / 365.0)) * 100.0)
            except NoDataError:
                return None, None
        ok = all(math.isfinite(v) for v in vals)
        return (vals[0], vals[1]) if ok else (None, None)

    def session(self, day: date, fills: Sequence[Fill], hedge: bool = True) -> _Session:
        from alvh.engine.hedge_market import build_market
        from alvh.strategy.hedge.decision import evaluate_triggers
        from alvh.strategy.hedge.sizing import BookExposure
        from alvh.strategy.hedge.state import CondorColumns, HedgeInputs

        t = self.cfg.hedge.triggers
        snap = self.snapshot(day)
        surf = self.surface(snap)
        positions = fold(f for f in fills if f.date <= day)
        condors, _ = condors_of_positions(positions, self.tiers)
        cols = _columns(condors, surf, day)
        spot = float(surf.spot)  # type: ignore[attr-defined]
        if not hedge:  # no ALVH hedge: the condor exits only (no calendar, no VX curve)
            return _Session(snap, spot, cols, condors, {}, None, True)
        m = build_market(snap)
        nxt, events = snap.upcoming_sessions_and_events(max(t.macro_sessions, 1))
        if t.iv_source == "vix":
            iv_now, iv_before = self.signals.iv(snap)
        else:
            iv_now, iv_before = self.atm_iv_pair(day)
        vx1, vx2 = m.vx_fronts if len(m.vx_fronts) == 2 else (None, None)
        # The exposure only sizes buys; the trigger evaluation does not read it.
        exposure = BookExposure(0.0, 0.0, 0.0, 0.0, 0.0)
        inputs = HedgeInputs(
            session_index=0,
            today=day,
            iv_now=iv_now,
            iv_before=iv_before,
            spot=spot,
            exposure=exposure,
            condors=CondorColumns.from_credits(
                cols.short_put, cols.short_call, cols.credit, cols.iv_atm, cols.dte_days
            ),
            leg_deltas=np.minimum(np.maximum(cols.delta_per_condor, -1.0), 1.0),
            leg_contracts=cols.qty,
            n_condors=int(cols.qty.sum()),
            vx1=vx1,
            vx2=vx2,
            vix=m.vix,
            vix3m=m.vix3m,
            next_sessions=nxt,
            events=events,
            rule_results={"macd_crossover": self.signals.macd(snap), "rsi": self.signals.rsi(snap)},
        )
        ts = evaluate_triggers(inputs, self.cfg.hedge)
        return _Session(snap, spot, cols, condors, ts.results, ts.add_reason, ts.clear)


def book_triggers(
    cfg: RunConfig, data: MarketData, day: date, fills: Iterable[Fill]
) -> BookTriggers:
    """Return every rule of the book's config on ``day``, with its distance to firing.

    Parameters
    ----------
    cfg
        The book's config (its hedge triggers, de-escalation and tier exits).
    data
        The market data; ``day`` must be a session of it, with enough history before it for
        the close rules (260 sessions for MACD; fewer gives the rule's own "skipped").
    day
        The session.
    fills
        The book's fills in log order (those after ``day`` are left out).

    Raises
    ------
    alvh.errors.NoDataError
        If ``day`` is not a session of the data or the snapshot lacks SPX, VIX or a rate.
    """
    sessions = data.sessions("SPX")
    ts = pd.Timestamp(day)
    if ts not in sessions:
        raise NoDataError(f"{day} is not a session of the market data")
    fl = [f for f in fills if f.date <= day]
    positions = {k: p for k, p in fold(fl).items() if not p.is_flat}
    tiers = tuple(t.name for t in cfg.tiers)
    _, bad = condors_of_positions(positions, tiers)
    layers = tuple(
        sorted({k[1] for k in positions if k[1] in ("vx_futures", "vix_calls", "vix_etf")})
    )
    ev = _Evaluator(cfg, data)
    hedge_rule = cfg.hedge.rule
    now = ev.session(day, fl, hedge=hedge_rule == "alvh")
    rows: list[TriggerRow] = []
    need = cfg.hedge.deescalation.clear_sessions
    streak = 0
    note = ""
    if hedge_rule == "alvh":
        rows += hedge_rows(now.snap, now.results, cfg)
        # The clear count: the same evaluation on the sessions before, the book as of each.
        i = int(sessions.searchsorted(ts))
        for j in range(i, max(i - need, -1), -1):
            s = now if j == i else ev.session(sessions[j].date(), fl)
            if not s.clear:
                break
            streak += 1
        held = ", ".join(layers) or "no hedge layer held"
        rows.append(
            TriggerRow(
                "de-escalation",
                "hedge.decision.remove_layer",
                "",
                f"{need} consecutive clear sessions with a layer held",
                float(streak),
                float(need),
                "sessions",
                float(need - streak),
                frac(float(need - streak), need),
                bool(layers) and streak >= need,
                f"{held}; today {'clear' if now.clear else 'not clear'}",
                "clear: no add condition and no IV shift"
                if now.clear
                else (now.add_reason or "IV shift fired"),
                {"clear_sessions": streak, "needed": need},
            )
        )
        note = (
            "The clear count is recomputed from the book's positions on each of the last "
            f"{need} sessions; the engine also resets it when it removes or monetises a layer."
        )
    else:
        note = f"hedge rule {hedge_rule!r}: no ALVH triggers (only the condor exits apply)"
    rows += exit_rows(now.spot, now.condors, now.cols, cfg)
    return BookTriggers(
        day=day,
        hedge_rule=hedge_rule,
        rows=tuple(rows),
        add_reason=now.add_reason if hedge_rule == "alvh" else None,
        clear_today=now.clear and hedge_rule == "alvh",
        clear_streak=streak,
        clear_needed=need,
        layers_held=layers,
        unrecognised=tuple(bad),
        note=note,
    )
