"""The condor tiers' rules on a session: exits, then entries (schedule, events, strikes, size).

Two rules of the one protocol (``alvh.strategy.rules.Rule``) on the ``CondorBook`` view:
``CondorExits`` returns ``CondorExit`` orders, ``CondorEntries`` returns ``CondorEntry``
orders. Every tier journals on every session, fired or not, with its inputs and its reason.
The rules read the book (the live condors, what each tier holds and when it last entered) and
the session's surface; only the engine books their orders and fills them. The engine asks
the exits first: a condor that leaves frees room for an entry of its tier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

import numpy as np
import pandas as pd

from alvh.book.contracts import SPX_MULTIPLIER as SPX_MULT
from alvh.calendar.expiries import spx_expiries
from alvh.calendar.listings import NotListedError, horizons_on, product_label, series_summary
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import SpxVolSurface
from alvh.strategy.condor import (
    LEG_IS_CALL,
    LEG_SIGN,
    EventRules,
    TierRules,
    check_exit,
    condor_contracts,
    index_contracts,
    select_strikes,
)
from alvh.strategy.expiry_choice import ListedExpiries
from alvh.strategy.rules import Decisions, JournalEntry

_LAST_SCHEDULED = "2034-12-31"  # the expiry schedule's last day (alvh.calendar.expiries)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CondorEntry(NamedTuple):
    """An order to open ``qty`` condors of a tier on ``strikes`` (long put .. long call)."""

    tier: str
    expiry: pd.Timestamp
    am_settled: bool
    root: str
    strikes: np.ndarray
    qty: int
    reason: str


class CondorExit(NamedTuple):
    """An order to close the open condor ``cid``: ``reason`` is ``"<rule>: <why>"``."""

    cid: int
    tier: str
    reason: str


class HeldCondor(Protocol):
    """A condor the book holds, as the exit rule reads it (``alvh.engine.state.OpenCondor``)."""

    cid: int
    tier: str
    credit: float  # per condor, index points, slippage included
    value: float  # today's mark per condor (negative: a liability)
    expiry_ordinal: int
    strikes: np.ndarray


class CondorBook(NamedTuple):
    """What the condor rules see of the book at the decision time.

    Attributes
    ----------
    day
        The session.
    session
        Its index among the run's sessions.
    surface
        The session's SPX surface (strikes, entry quotes, the spot the exits compare).
    live
        The condors that have filled, marked for the session.
    equity_usd
        What the tiers size on (the hedged book's equity, or the twin's).
    open_by_tier
        Condors each tier holds or has ordered, not counting those being closed.
    last_entry
        Session index of each tier's last entry.
    """

    day: pd.Timestamp
    session: int
    surface: SpxVolSurface
    live: Sequence[HeldCondor]
    equity_usd: float
    open_by_tier: Mapping[str, int]
    last_entry: Mapping[str, int]


CBOE_REF_FRACTION = 1.5 / 6.5  # 11:00 ET between the 09:30 open and the 16:00 close


def cboe_1100_spot(snap: MarketSnapshot, day: pd.Timestamp, close: float) -> float:
    """Return Cboe's strike reference, SPX's "last value before 11:00 ET", estimated.

    Linear from the day's open to its close: ``open + (close - open) x 1.5 / 6.5``. Without
    an open for ``day``, or with a stale one (equal to the previous close: some vendors fill
    the open that way), the close stands in. Known at the 16:15 decision: no look-ahead.
    """
    opens = snap.history("SPX", 2, field="open")
    closes = snap.history("SPX", 2, field="close")
    if len(opens) == 0 or opens.index[-1] != day:
        return close
    o = float(opens.iloc[-1])
    if not math.isfinite(o) or o <= 0 or (len(closes) == 2 and o == float(closes.iloc[0])):
        return close
    return o + (close - o) * CBOE_REF_FRACTION


def unservable_tier_error(tier: TierRules, sessions: pd.DatetimeIndex) -> NotListedError:
    """Return the error of a tier that has no listed expiry in its window on any session.

    It names the window, the range, when the product was first listed and the first session
    (up to 2034) on which the tier could open.
    """
    first = sessions[0].normalize()
    horizon = pd.Timestamp(_LAST_SCHEDULED) - pd.Timedelta(days=tier.dte_max + 1)
    ahead = pd.bdate_range(first, max(first, horizon))
    could: pd.Timestamp | None = None
    if len(ahead):
        listed = ListedExpiries(spx_expiries(ahead[0].date(), _LAST_SCHEDULED, tier.product))
        picks = listed.choose_all(ahead, tier.dte_min, tier.dte_max, tier.dte_target)
        could = next((d for d, j in zip(ahead, picks, strict=True) if j is not None), None)
    hint = f"; the first day it could open is {could.date()}" if could is not None else ""
    return NotListedError(
        f"no {product_label(tier.product)} expiry listed in the {tier.dte_min}-{tier.dte_max} DTE "
        f"window of tier '{tier.name}' on any session from {sessions[0].date()} to "
        f"{sessions[-1].date()}: {series_summary(tier.product)}{hint}. Choose a later --start, "
        "or another product or DTE window for the tier"
    )


class _Events:
    """The events table as arrays; a lookup reads only rows known at the snapshot."""

    def __init__(self, data: MarketData) -> None:
        ev = data.tables["events"]
        self.date_ns = ev["date"].to_numpy("datetime64[ns]").view("int64")
        self.known_ns = ev["known_at"].to_numpy("datetime64[ns]").view("int64")
        self.kind = ev["kind"].to_numpy(str)

    def between(
        self, snap: MarketSnapshot, lo: pd.Timestamp, hi: pd.Timestamp, kinds: tuple[str, ...]
    ) -> list[tuple[str, pd.Timestamp]]:
        mask = (
            (self.known_ns <= snap.as_of.value)
            & (self.date_ns >= lo.value)
            & (self.date_ns <= hi.value)
            & np.isin(self.kind, kinds)
        )
        idx = np.flatnonzero(mask)
        order = np.lexsort((self.kind[idx], self.date_ns[idx]))
        return [(str(self.kind[i]), pd.Timestamp(self.date_ns[i])) for i in idx[order]]


class CondorExits:
    """The tiers' exit rule (profit target, stop, exit DTE, short strike touched).

    Parameters
    ----------
    tiers
        The tiers' rules.
    """

    def __init__(self, tiers: Sequence[TierRules]) -> None:
        self._tiers = {t.name: t for t in tiers}

    def decide(self, snap: MarketSnapshot, view: CondorBook) -> Decisions[CondorExit]:
        """Return closes of the live condors whose exit rule fired (a condor expiring today
        settles instead); journal every condor's exit rule."""
        spot = view.surface.spot
        day_ordinal = view.day.toordinal()
        out: list[CondorExit] = []
        entries: list[JournalEntry] = []
        for c in view.live:
            tier = self._tiers[c.tier]
            dte = c.expiry_ordinal - day_ordinal
            chk = check_exit(
                c.credit,
                -c.value,
                dte,
                spot,
                c.strikes[1],
                c.strikes[2],
                tier.profit_target_pct,
                tier.stop_multiple,
                tier.exit_dte,
                tier.exit_on_touch,
            )
            inputs: dict[str, object] = {"condor": c.cid, "credit": c.credit}
            inputs |= {"cost_to_close": -c.value, "dte": dte, "spx": spot}
            entries.append(
                JournalEntry(
                    f"tier.{c.tier}.exit",
                    inputs,
                    "fired" if chk.exit else "clear",
                    "close" if chk.exit else "none",
                    f"{chk.rule}: {chk.reason}",
                )
            )
            if chk.exit and dte > 0:
                out.append(CondorExit(c.cid, c.tier, f"{chk.rule}: {chk.reason}"))
        return Decisions(out, entries)


class CondorEntries:
    """The tiers' entry rule: schedule, event blackout, expiry, strikes and size.

    Parameters
    ----------
    tiers, events
        The tiers' rules and what to do around macro events.
    data
        The market (only its calendar-like tables: expiries are computed, events read as
        known at each snapshot).
    sessions
        The run's sessions (``CondorBook.session`` indexes them).
    """

    def __init__(
        self,
        tiers: Sequence[TierRules],
        events: EventRules,
        data: MarketData,
        sessions: pd.DatetimeIndex,
    ) -> None:
        self.tiers = tuple(tiers)
        self.event_rules = events
        self.sessions = sessions
        end_exp = sessions[-1] + pd.Timedelta(days=400)
        self.expiries = {
            p: ListedExpiries(spx_expiries(sessions[0].date(), end_exp.date(), p))
            for p in {t.product for t in tiers}
        }
        monthly = spx_expiries(sessions[0].date(), end_exp.date(), "spx")
        self.monthly_days = frozenset(
            pd.DatetimeIndex(monthly.loc[monthly["kind"] == "monthly", "expiry"])
        )
        self.events = _Events(data)
        # Each tier's expiry for every session, chosen once (a pure function of the calendar).
        self._expiry_pick = {
            t.name: self.expiries[t.product].choose_all(
                sessions, t.dte_min, t.dte_max, t.dte_target
            )
            for t in tiers
        }
        for t in tiers:
            if all(j is None for j in self._expiry_pick[t.name]):
                raise unservable_tier_error(t, sessions)
        # Calendar facts of each session, computed once (pandas per-day lookups cost ~20 us).
        self._weekday: list[int] = sessions.weekday.tolist()
        self._iso_week: list[int] = sessions.isocalendar()["week"].tolist()

    # -- entries --------------------------------------------------------------------------
    def _entry_due(
        self, tier: TierRules, day: pd.Timestamp, i: int, last_entry: Mapping[str, int]
    ) -> tuple[bool, str]:
        if tier.entry_monthly:
            # CNDR-style: on each standard monthly expiration day roll into the next monthly;
            # on the first session of a run, start the cycle at once.
            if day in self.monthly_days:
                return True, f"monthly roll on the {day.date()} expiration"
            if tier.name not in last_entry:
                return True, "first session of the run: start the monthly cycle"
            return False, "monthly tier: not a standard monthly expiration day"
        last = last_entry.get(tier.name, -(10**9))
        if tier.entry_every_sessions:
            if i - last >= tier.entry_every_sessions:
                return True, f"every {tier.entry_every_sessions} sessions"
            return False, f"{i - last} sessions since the last entry < {tier.entry_every_sessions}"
        if tier.entry_weekday is not None:
            wd = self._weekday[i]
            if wd == tier.entry_weekday:
                return True, f"weekly entry day ({_DAY_NAMES[wd]})"
            # A holiday on the entry weekday moves the entry to the next session of that week.
            if (
                i > 0
                and self._weekday[i - 1] < tier.entry_weekday < wd
                and self._iso_week[i] == self._iso_week[i - 1]
                and i - last > 1
            ):
                return True, "weekly entry day was a holiday"
            return False, f"not the entry weekday ({_DAY_NAMES[wd]})"
        return True, "daily entries"

    def _event_block(self, snap: MarketSnapshot, i: int) -> tuple[str, str]:
        ev = self.event_rules
        if ev.action == "none" or (ev.sessions_before == 0 and ev.sessions_after == 0):
            return "none", ""
        lo = self.sessions[max(0, i - ev.sessions_after)]
        hi_i = i + ev.sessions_before
        hi = (
            self.sessions[hi_i]
            if hi_i < len(self.sessions)
            else self.sessions[-1] + pd.Timedelta(days=2 * ev.sessions_before)
        )
        found = self.events.between(snap, lo, hi, tuple(ev.kinds))
        if not found:
            return "none", ""
        return ev.action, ", ".join(f"{k} {d.date()}" for k, d in found)

    def decide(self, snap: MarketSnapshot, view: CondorBook) -> Decisions[CondorEntry]:
        """Return each tier's entry, if due (sized on ``view.equity_usd``); journal every
        tier's."""
        surf, day, i = view.surface, view.day, view.session
        equity_usd, open_by_tier = view.equity_usd, view.open_by_tier
        action, names = self._event_block(snap, i)
        out: list[CondorEntry] = []
        entries: list[JournalEntry] = []
        for tier in self.tiers:
            due, why = self._entry_due(tier, day, i, view.last_entry)
            if not due:
                entries.append(JournalEntry(f"tier.{tier.name}.entry", {}, "skipped", "none", why))
                continue
            ref = cboe_1100_spot(snap, day, surf.spot) if tier.strike_reference != "close" else None
            n_open = open_by_tier.get(tier.name, 0)
            order, entry = self._tier_entry(
                surf, day, i, equity_usd, tier, action, names, n_open, why, ref
            )
            entries.append(entry)
            if order is not None:
                out.append(order)
        return Decisions(out, entries)

    def _tier_entry(
        self,
        surf: SpxVolSurface,
        day: pd.Timestamp,
        i: int,
        equity_usd: float,
        tier: TierRules,
        action: str,
        names: str,
        n_open: int,
        why: str,
        reference_spot: float | None = None,
    ) -> tuple[CondorEntry | None, JournalEntry]:
        rule = f"tier.{tier.name}.entry"
        if n_open >= tier.max_open_condors:
            reason = f"{n_open} condors open >= cap {tier.max_open_condors}"
            return None, JournalEntry(rule, {"open": n_open}, "skipped", "none", reason)
        if action == "skip":
            reason = f"event blackout: {names}"
            return None, JournalEntry(rule, {"events": names}, "skipped", "none", reason)
        listed = self.expiries[tier.product]
        j = self._expiry_pick[tier.name][i]
        if j is None:
            note = horizons_on(tier.product, day.date())
            reason = (
                f"no {product_label(tier.product)} expiry in {tier.dte_min}-{tier.dte_max} DTE listed "
                f"on {day.date()} ({note})"
            )
            gap: dict[str, object] = {"no_listed_expiry": True, "listed_ahead": note}
            return None, JournalEntry(rule, gap, "skipped", "none", reason)
        expiry, am, root = listed.stamps[j], bool(listed.am[j]), listed.root[j]
        t = float(surf.t_years_of_ordinals(expiry.toordinal(), am))
        k = select_strikes(
            surf,
            t,
            tier.strike_method,
            tier.strike_value,
            tier.wing_method,
            tier.wing_value,
            reference_spot=reference_spot,
        )
        if k is None:
            inputs: dict[str, object] = {"expiry": str(expiry.date())}
            why_not = "no strikes fit the selection rule"
            return None, JournalEntry(rule, inputs, "skipped", "none", why_not)
        strikes = k.as_array()
        # The legs' model mids (what the engine's fill starts from, before its slippage).
        g, _ = surf.greeks_iv_of_ordinals(expiry.toordinal(), am, strikes, LEG_IS_CALL)
        mids = g.price
        credit = float(-np.dot(LEG_SIGN, mids))
        max_loss_1 = (max(k.put_width, k.call_width) - credit) * SPX_MULT
        if tier.collateral_multiple is not None:
            # CBOE's collateral covers what the spread can owe at expiry (the widest wing), not
            # that net of the premium, which the index adds to its T-bills.
            owed_1 = max(k.put_width, k.call_width) * SPX_MULT
            qty = index_contracts(equity_usd, owed_1, tier.collateral_multiple)
        else:
            qty = condor_contracts(
                equity_usd, max_loss_1, tier.risk_pct_of_equity, tier.max_contracts
            )
        if action == "reduce":
            qty = math.floor(qty * self.event_rules.reduce_factor)
        inputs = {
            "expiry": str(expiry.date()),
            "root": root,
            "settlement": "AM" if am else "PM",
            "strikes": strikes.tolist(),
            "credit_mid": round(credit, 4),
            "max_loss_per_condor_usd": round(max_loss_1, 2),
            "equity_usd": round(equity_usd, 2),
            "qty": qty,
            "events": names,
        }
        if reference_spot is not None:
            inputs["reference_spot"] = round(reference_spot, 2)
        if qty <= 0 or credit <= 0:
            budget = (
                f"{tier.risk_pct_of_equity:g}% of equity {equity_usd:.0f}"
                if tier.collateral_multiple is None
                else f"equity {equity_usd:.0f} / {tier.collateral_multiple:g} (index collateral)"
            )
            reason = (
                f"size 0: max loss {max_loss_1:.0f} per condor vs {budget}"
                if credit > 0
                else f"credit {credit:.2f} <= 0"
            )
            return None, JournalEntry(rule, inputs, "skipped", "none", reason)
        order = CondorEntry(
            tier.name, expiry, am, root, strikes, qty, f"entry {tier.name}: {k.reason}"
        )
        s0, s1, s2, s3 = (f"{x:g}" for x in strikes)
        reason = (
            f"open {qty} x {root} {s0}/{s1}/{s2}/{s3} exp {expiry.date()} "
            f"{'AM' if am else 'PM'} ({k.reason}); {why}"
        )
        if action == "reduce":
            reason += f"; size x{self.event_rules.reduce_factor:g} for {names}"
        return order, JournalEntry(rule, inputs, "fired", "open", reason)
