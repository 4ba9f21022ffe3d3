"""The daily loop: clock -> snapshot -> settle -> fill -> mark -> decide -> record.

One pass runs the hedged book and its unhedged twin: both hold the same condors, sized on the
hedged book's own equity by default (matched risk: its condor max loss stays at the tiers' caps
whatever the hedge costs) or on the twin's (``size_condors_on = "unhedged"``, so the condor
book does not depend on how the hedge fares); only the hedged book holds hedge positions (see
``alvh.engine.state`` for the two accounts). Decisions on session D
use ``data.snapshot(D + decision_time)`` and nothing else; orders fill at the next session's
close (or the same close if configured).

A book whose equity falls to zero or below is ruined: it opens nothing more, its positions
are wound up at the marks, and its equity is held at the ruin value from then on (a broker
would have closed the account; the journal names the day).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from alvh.book.account import Account
from alvh.calendar.listings import PRODUCT_LAUNCHES
from alvh.engine._gc import fewer_gc_passes
from alvh.engine.book_view import book_view
from alvh.engine.condor_ops import (
    close_condor,
    closed_row,
    fill_condor,
    leg_quotes,
    mark_condors,
    open_prices,
    settle_condor,
    settle_kept_legs,
)
from alvh.engine.costs import HedgeCosts
from alvh.engine.hedge_ops import fill_hedge, liquidate_hedges, refresh_hedge_marks, settle_hedges
from alvh.engine.hedge_pricing import HedgePricer
from alvh.engine.records import (
    build_result,
    condor_order_row,
    hedge_order_row,
    record_day,
)
from alvh.engine.result import BacktestResult
from alvh.engine.settings import EngineSettings
from alvh.engine.state import SPX_MULT, OpenCondor, Pending, Ruin, RunState
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.market.surface import AtmTermStructure, SpxVolSurface
from alvh.strategy.book_view import NO_VIEW, HedgeOrder
from alvh.strategy.condor import LEG_SIGN
from alvh.strategy.condor_rules import (
    CondorBook,
    CondorEntries,
    CondorEntry,
    CondorExit,
    CondorExits,
)
from alvh.strategy.hedge.adapter import HedgeRule, NoHedge
from alvh.strategy.rules import Decisions, JournalEntry

# Interest on cash: ACT/360, the money-market convention of T-bills and fed funds.
CASH_DAY_BASIS = 360.0
_DAY_NS = 86_400_000_000_000


def _check_vx_in_range(data: MarketData, sessions: pd.DatetimeIndex) -> None:
    """Raise ``NoDataError`` when a hedged run has no VX settlement on any of its sessions.

    Every hedge instrument is a VX future or priced on one (VIX options on the future of their
    expiry, the ETF on the first two), so such a hedge could never trade: its "hedged" book would
    silently equal the unhedged one.
    """
    vx = data.tables["vx_settlements"]
    days = pd.DatetimeIndex(vx["date"]) if len(vx) else pd.DatetimeIndex([])
    inside = (days >= sessions[0]) & (days <= sessions[-1])
    if inside.any():
        return
    held = f"from {days.min().date()} to {days.max().date()}" if len(days) else "none at all"
    launch = PRODUCT_LAUNCHES["vx"]
    raise NoDataError(
        f"the hedge needs VX futures settlements and the data holds none between "
        f"{sessions[0].date()} and {sessions[-1].date()} (it holds {held}; CFE listed VX "
        f"futures from {launch.first_day}). Choose dates the VX data covers, or --hedge none"
    )


class Engine:
    """Run a backtest of the condor tiers with an optional hedge.

    Parameters
    ----------
    settings
        The run's rules.
    data
        The market.
    hedge
        The hedge rule; ``NoHedge()`` when None.
    hedge_costs
        What the hedge instruments cost (``alvh.engine.hedge_factory.hedge_costs``); default
        ``ExecutionConfig()``'s with the hedge config's ``vx_fill_ticks``. The engine's one
        hedge pricer marks, fills and settles with them and the rule reads its prices through
        the book view.
    pricer
        Another hedge pricer (e.g. one that marks a test's made-up contracts); ``hedge_costs``
        is then not used.
    """

    def __init__(
        self,
        settings: EngineSettings,
        data: MarketData,
        hedge: HedgeRule | None = None,
        hedge_costs: HedgeCosts | None = None,
        pricer: HedgePricer | None = None,
    ) -> None:
        self.s = settings
        self.data = data
        self.hedge: HedgeRule = hedge or NoHedge()
        if pricer is None:
            if hedge_costs is None:
                ticks = self.hedge.cfg.instruments.vx_fill_ticks
                hedge_costs = HedgeCosts(vx_fill_ticks=ticks)
            pricer = HedgePricer(hedge_costs)
        self.pricer = pricer
        sessions = data.sessions("SPX")
        # The surface needs the day's VIX: run only where SPX and VIX both have bars.
        if "VIX" in data.symbols:
            vix_days = data.sessions("VIX")
            sessions = sessions[(sessions >= vix_days[0]) & (sessions <= vix_days[-1])]
        self.sessions = sessions[
            (sessions >= pd.Timestamp(settings.start)) & (sessions <= pd.Timestamp(settings.end))
        ]
        if len(self.sessions) < 2:
            raise NoDataError(
                f"fewer than two SPX sessions between {settings.start} and {settings.end} in "
                f"{data.source.description} (it spans {data.first_date().date()}..{data.last_date().date()})"
            )
        # Every rule is called the same way: ``decide(snapshot, view) -> Decisions``.
        self.exits = CondorExits(settings.tiers)
        self.entries = CondorEntries(settings.tiers, settings.events, data, self.sessions)
        if not isinstance(self.hedge, NoHedge):
            _check_vx_in_range(data, self.sessions)
        self.tier_names = tuple(t.name for t in settings.tiers)
        dt = settings.execution.decision_time
        self.decision_offset = pd.Timedelta(hours=dt.hour, minutes=dt.minute)
        # Each session, its decision time and the calendar days since the one before, once
        # (pandas scalar Timestamp arithmetic costs microseconds per session).
        self._days = list(self.sessions)
        self._decision_times = list(self.sessions + self.decision_offset)
        self._gap_days = [0, *(np.diff(self.sessions.asi8) // _DAY_NS).tolist()]

    def run(
        self,
        run_id: str = "",
        config: dict[str, object] | None = None,
        definitions: dict[str, object] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> BacktestResult:
        """Run every session and return the result: ``start_state``, then ``step`` on each."""
        with fewer_gc_passes():
            st = self.start_state()
            n = len(self.sessions)
            for i in range(n):
                self.step(st, i)
                if progress is not None:
                    progress(i + 1, n)
            return build_result(st, self.data, run_id, config or {}, definitions or {})

    def start_state(self) -> RunState:
        """Return the state before the first session (empty books, the capital in cash), with
        the hedge reset for a new run."""
        self.hedge.prepare(self.data)
        return RunState(Account(self.s.initial_capital_usd))

    def step(self, st: RunState, i: int) -> list[JournalEntry]:
        """Run session ``i`` of ``sessions`` on the state at the end of session ``i - 1``.

        The state becomes the state at the end of session ``i``, in place: expiries settled,
        the orders of session ``i - 1`` filled (``next_close``; ``same_close`` fills the day's
        own), the books marked, the day's orders decided (``st.pending``, rows appended to
        ``st.orders``), the daily row and the day's journal appended. The backtest loops over
        it; a live book (``alvh.live.step``) calls it on a state rebuilt from its log.

        Returns
        -------
        list of JournalEntry
            The journal of session ``i`` (also appended to ``st.journal``).
        """
        day = self._days[i]
        snap = self.data.snapshot(self._decision_times[i])
        surf = SpxVolSurface.from_snapshot(snap)
        if self.s.iv_scale != 1.0:
            surf = scale_iv(surf, self.s.iv_scale)
        entries: list[JournalEntry] = []
        st.costs_today_usd = st.hedge_costs_today_usd = st.cash_rate_today_pct = 0.0
        st.cash_days_today = 0
        if i > 0:
            self._accrue(st, st.prev_rate_pct, self._gap_days[i])
        self._settle(st, snap, day, entries)
        same_close = self.s.execution.fill_timing == "same_close"
        if not same_close:
            self._fill(st, snap, surf, day, entries)
        mark_condors(st, surf)
        refresh_hedge_marks(st, self.pricer, snap, entries)
        self._decide(st, snap, surf, day, i, entries)
        if same_close:
            self._fill(st, snap, surf, day, entries)
            mark_condors(st, surf)
            refresh_hedge_marks(st, self.pricer, snap, entries)
        self._check_ruin(st, surf, day, entries)
        record_day(st, snap, surf, day, self.tier_names)
        st.journal.append((day, entries))
        st.prev_rate_pct = self._cash_rate_pct(snap)
        return entries

    # -- cash -----------------------------------------------------------------------------
    def _cash_rate_pct(self, snap: MarketSnapshot) -> float:
        if self.s.cash_rate_series == "none":
            return 0.0
        try:
            return snap.rate_pct(self.s.cash_rate_series)
        except NoDataError:
            return 0.0

    @staticmethod
    def _accrue(st: RunState, rate_pct: float, days: int) -> None:
        """Interest on both accounts' cash; a ruined book's account earns nothing."""
        unhedged = hedged = 0.0
        if "unhedged" not in st.ruin:
            unhedged = st.condors_acct.accrue_interest(rate_pct, days, CASH_DAY_BASIS)
        if "hedged" not in st.ruin:
            hedged = unhedged + st.hedges_acct.accrue_interest(rate_pct, days, CASH_DAY_BASIS)
        st.interest_today = {"unhedged": unhedged, "hedged": hedged}
        # The rate and days both books accrued at today (cash return = rate x days / 360).
        st.cash_rate_today_pct, st.cash_days_today = rate_pct, days

    # -- settlement and fills -------------------------------------------------------------
    def _settle(
        self, st: RunState, snap: MarketSnapshot, day: pd.Timestamp, entries: list[JournalEntry]
    ) -> None:
        # "<= day": an expiry the data has no session for settles on the next one.
        for c in [c for c in st.condors.values() if c.expiry <= day and c.open_date is not None]:
            del st.condors[c.cid]
            _, payoff, entry = settle_condor(st, snap, day, c)
            pnl = (c.credit + payoff) * SPX_MULT * c.qty - c.fees_usd
            st.closed.append(closed_row(c, day, "expiration", pnl))
            entries.append(entry)
        entries.extend(settle_kept_legs(st, snap, day))
        settle_hedges(st, self.pricer, snap, day, entries)

    def _fill(
        self,
        st: RunState,
        snap: MarketSnapshot,
        surf: SpxVolSurface,
        day: pd.Timestamp,
        entries: list[JournalEntry],
    ) -> None:
        fee = self.s.execution.spx_fee_per_contract_usd
        acct = st.condors_acct
        pending, st.pending = st.pending, []
        for p in pending:
            if p.kind == "hedge":
                assert p.hedge is not None
                before_usd = st.costs_today_usd
                sub_tick_long = self.s.execution.costs.sub_tick.long
                fill_hedge(st, self.pricer, snap, day, p.hedge, entries, sub_tick_long)
                # Kept apart so each book's costs can be reported (the twin pays none of these).
                st.hedge_costs_today_usd += st.costs_today_usd - before_usd
                continue
            c = st.condors.get(p.cid)
            if c is None:
                continue
            if p.kind == "close":
                rule = p.reason.split(":")[0]
                close_condor(st, surf, self.s.execution, c, day, p.reason, rule, entries)
                continue
            mids, slip = leg_quotes(
                surf, self.s.execution, c.strikes, c.expiry_ordinal, c.am_settled
            )
            px, shorts_bid = open_prices(self.s.execution.costs, mids, slip)
            credit = float(-np.dot(LEG_SIGN, px))
            if credit <= 0.0 or not shorts_bid:
                del st.condors[p.cid]
                why = (
                    f"credit {credit:.2f} <= 0 at the fill"
                    if shorts_bid
                    else "a short leg would sell below one tick (no bid)"
                )
                entries.append(
                    JournalEntry(
                        f"tier.{c.tier}.fill",
                        {"condor": c.cid, "credit": credit},
                        "skipped",
                        "none",
                        f"no fill: {why}",
                    )
                )
                continue
            st.costs_today_usd += float(np.abs(px - mids).sum()) * SPX_MULT * c.qty
            c.credit, c.open_date = credit, day
            c.fees_usd = fill_condor(acct, c, day, px, +1, fee, p.reason)
            st.costs_today_usd += c.fees_usd

    # -- decisions ------------------------------------------------------------------------
    def _decide(
        self,
        st: RunState,
        snap: MarketSnapshot,
        surf: SpxVolSurface,
        day: pd.Timestamp,
        i: int,
        entries: list[JournalEntry],
    ) -> None:
        """Ask every rule, ``decide(snap, view)``, and book its orders: exits first (a condor
        that leaves frees room for an entry of its tier), then entries, then the hedge."""
        sizer = self.s.size_condors_on
        view = CondorBook(
            day, i, surf, st.live_condors, st.equity_usd(sizer), _open_by_tier(st), st.last_entry
        )
        self._book(st, day, i, self.exits.decide(snap, view), entries)
        if "unhedged" in st.ruin:
            entries.append(_ruin_note(st, "unhedged", "no entries: the condor book"))
        elif sizer == "hedged" and "hedged" in st.ruin:
            entries.append(
                _ruin_note(st, "hedged", "no entries: condors are sized on the hedged book, which")
            )
        else:  # the same book, less the condors the exits are closing
            view = view._replace(open_by_tier=_open_by_tier(st))
            self._book(st, day, i, self.entries.decide(snap, view), entries)
        if "hedged" in st.ruin:
            entries.append(_ruin_note(st, "hedged", "no hedge orders: the hedged book"))
            return
        # NoHedge reads nothing of the book: skip building the view (a tenth of a plain run).
        hv = NO_VIEW if isinstance(self.hedge, NoHedge) else book_view(st, surf, day, self.pricer)
        self._book(st, day, i, self.hedge.decide(snap, hv), entries)

    @staticmethod
    def _book(
        st: RunState,
        day: pd.Timestamp,
        i: int,
        decided: Decisions[CondorExit] | Decisions[CondorEntry] | Decisions[HedgeOrder],
        entries: list[JournalEntry],
    ) -> None:
        """Journal a rule's entries and book its orders to fill at the next fill time."""
        entries.extend(decided.journal)
        for o in decided.orders:
            if isinstance(o, CondorExit):
                st.pending.append(Pending("close", o.cid, reason=o.reason))
                st.orders.append(condor_order_row(day, st.condors[o.cid], "close", o.reason))
            elif isinstance(o, CondorEntry):
                c = _book_entry(st, o, i)
                st.orders.append(condor_order_row(day, c, "open", o.reason))
            else:
                st.pending.append(Pending("hedge", hedge=o, reason=o.reason))
                st.orders.append(hedge_order_row(day, o))

    def _check_ruin(
        self, st: RunState, surf: SpxVolSurface, day: pd.Timestamp, entries: list[JournalEntry]
    ) -> None:
        """Wind up a book whose equity reached zero (see the module docstring)."""
        for book in ("unhedged", "hedged"):
            if book in st.ruin:
                continue
            equity = st.equity_usd(book)
            if equity > 0.0:
                continue
            if book == "unhedged":
                self._close_all_condors(st, surf, day, "ruin: equity <= 0")
                cash = st.condors_acct.cash_usd
                equity = st.condors_acct.equity_usd
            else:
                liquidate_hedges(st, day, "ruin: equity <= 0")
                cash = st.condors_acct.cash_usd + st.hedges_acct.cash_usd
                equity = st.condors_acct.equity_usd + st.hedges_acct.equity_usd
            st.ruin[book] = Ruin(day, equity, cash)
            # The unhedged ruin stops the condors (both books hold them); the hedged one, hedges.
            keep_hedges = book == "unhedged"
            st.pending = [p for p in st.pending if (p.kind == "hedge") == keep_hedges]
            if keep_hedges:  # entries decided today will never fill
                st.condors = {k: c for k, c in st.condors.items() if c.open_date is not None}
            entries.append(
                JournalEntry(
                    f"book.{book}.ruin",
                    {"equity_usd": equity},
                    "fired",
                    "close",
                    f"the {book} book's equity reached {equity:,.0f} USD: positions wound up, "
                    "no further trading",
                )
            )

    def _close_all_condors(
        self, st: RunState, surf: SpxVolSurface, day: pd.Timestamp, reason: str
    ) -> None:
        for c in st.live_condors:
            close_condor(st, surf, self.s.execution, c, day, reason, "ruin")
        mark_condors(st, surf)


def scale_iv(surf: SpxVolSurface, iv_scale: float) -> SpxVolSurface:
    """Return the surface with its ATM implied vols multiplied by ``iv_scale``.

    The ATM total variance nodes scale by ``iv_scale**2``; SSVI carries the smile with them
    (its skew term depends on the ATM variance, so wing vols move by nearly, not exactly, the
    same factor). A band for the model's out-of-sample error (``AssumptionsConfig.iv_scale``).
    """
    atm = AtmTermStructure(surf.atm.t_nodes, surf.atm.w_nodes * iv_scale * iv_scale)
    return dataclasses.replace(surf, atm=atm)


def _open_by_tier(st: RunState) -> Counter[str]:
    """Return the condors each tier holds or has ordered, not counting those being closed."""
    closing = {p.cid for p in st.pending if p.kind == "close"}
    return Counter(c.tier for c in st.condors.values() if c.cid not in closing)


def _book_entry(st: RunState, o: CondorEntry, i: int) -> OpenCondor:
    """Book an entry order: a condor that is live once it fills at the next fill time."""
    c = OpenCondor(st.next_cid, o.tier, o.expiry, o.am_settled, o.strikes, o.qty, root=o.root)
    st.condors[c.cid] = c
    st.next_cid += 1
    st.last_entry[o.tier] = i
    st.pending.append(Pending("open", c.cid, reason=o.reason))
    return c


def _ruin_note(st: RunState, book: str, what: str) -> JournalEntry:
    """The journal line of a session after ``book`` was ruined."""
    r = st.ruin[book]
    reason = f"{what} was ruined on {r.day.date()}"
    return JournalEntry(f"book.{book}.ruin", {"equity_usd": r.equity_usd}, "fired", "none", reason)
