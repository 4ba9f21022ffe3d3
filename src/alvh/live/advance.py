"""``alvh book advance`` and ``alvh signal --book``: the engine's step on a book's state.

``advance_book`` steps a paper book session by session through a day, one transaction per
session (the step's fills, orders, journal and state, then the ``sessions`` row), so a kill
leaves the book at the end of the last committed session and the next advance resumes there.
``book_signal`` rebuilds the state at the end of D - 1 from the log, steps D in memory and
returns its orders and journal: it writes nothing. Both leave alone what the step did not open
and step the condors it adopted (``alvh.live.managed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alvh.live.managed import (
    ADOPT_RULE,
    Adoption,
    BookLog,
    inject,
    not_managed_entry,
    split_log,
)
from alvh.live.step import (
    BookStepper,
    SessionOutput,
    StepError,
    fill_event,
    journal_event,
    last_state,
    session_events,
)

if TYPE_CHECKING:
    from alvh.book.positions import Fill
    from alvh.config.run import RunConfig
    from alvh.engine.state import RunState
    from alvh.live.context import MarketFacts
    from alvh.live.signal import Signal
    from alvh.live.store import BookStore
    from alvh.market.data import MarketData

_STATE_KINDS = ("fill", "import")


@dataclass(frozen=True, slots=True)
class AdvanceResult:
    """What an advance did.

    Attributes
    ----------
    first, last
        The first and last session stepped by this call (None when none was: the book was
        already through the day).
    sessions
        Sessions stepped.
    n_events
        Events written.
    through
        The book's last stepped session now.
    not_managed
        Net positions the book records that the step did not open, on ``through``, per
        contract id (or symbol): left alone, journaled each session as ``book.not_managed``.
    """

    first: date | None
    last: date | None
    sessions: int
    n_events: int
    through: date | None
    not_managed: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Stored:
    """What a step reads of the book: the fills in the engine's accounts after its last
    stepped session, the state stored then, the step's fills recorded after it (``book fills
    --paper``) by session, and the split of the log (what the step did not open, adoptions)."""

    fills: list[Fill]
    state: dict[str, Any] | None
    last: date | None
    ahead: dict[date, list[Fill]]
    log: BookLog
    seq: int  # the book's last event when it was read


def _stored(store: BookStore, name: str, before: date | None = None) -> _Stored:
    """Read the book's fills and its last stored state (of a session before ``before``)."""
    with store.engine.connect() as conn:
        seq = store.last_seq(conn, name)
        last = store.last_stepped(conn, name, before)
        fill_events = store.events(conn, name, kinds=_STATE_KINDS)
        adopt_events = store.journal_of_rule(conn, name, ADOPT_RULE)
        state_events = [] if last is None else store.events(conn, name, kinds=("journal",), on=last)
    log = split_log(fill_events, adopt_events)
    fills = log.engine_fills(last)
    return _Stored(fills, last_state(state_events), last, log.ahead(last), log, seq)


def _step(
    stepper: BookStepper, st: RunState, j: int, got: _Stored, pending: list[Adoption]
) -> SessionOutput:
    """Step session ``j``, first adding the condors adopted before it (taken off ``pending``)."""
    day = stepper.engine.sessions[j].date()
    while pending and pending[0].day < day:
        a = pending.pop(0)
        inject(st, a, got.log.legs[a.cid])
    return stepper.step(st, j)


def restore_book(
    store: BookStore, name: str, stepper: BookStepper, before: date | None = None
) -> tuple[RunState, int]:
    """Return the book's engine state after its last stepped session (before ``before``)."""
    got = _stored(store, name, before)
    return stepper.restore(got.fills, got.state)


def advance_book(
    store: BookStore,
    name: str,
    cfg: RunConfig,
    capital_usd: float,
    data: MarketData,
    through: date,
    facts: MarketFacts,
    *,
    progress: Callable[[SessionOutput], None] | None = None,
    write_progress: Callable[[int], None] | None = None,
) -> AdvanceResult:
    """Step a paper book through ``through``, one transaction per session.

    Idempotent: the sessions already stepped are skipped (an advance killed at S resumes at
    S). Each transaction first checks, with the book row locked, that no other process stepped
    the book meanwhile.

    Raises
    ------
    StepError
        If ``through`` is not a session of the engine, the book holds a recorded fill in a lot
        the step holds, paper fills recorded ahead that are not the step's, or its stored state
        does not fit its fills or the engine's calendar.
    """
    stepper = BookStepper(cfg, capital_usd, data, through)
    end = stepper.index_of(through)
    got = _stored(store, name)
    if got.state is None and got.ahead:  # fills, never stepped: refused, naming them
        stepper.restore([f for fs in got.ahead.values() for f in fs], None)
    st, i = stepper.restore(got.fills, got.state)
    pending = got.log.pending(got.last)
    first = last = None
    n_events = 0
    seen = got.seq  # adoptions after it were not read: a session that meets one stops
    timing = stepper.settings.execution.fill_timing
    unsynced = False  # sessions committed without a sync since the last synced commit
    try:
        for j in range(i + 1, end + 1):
            out = _step(stepper, st, j, got, pending)
            events = session_events(out, timing, recorded=got.ahead.pop(out.day, None))
            left = got.log.not_managed(out.day)
            if left:  # before the state, which stays the session's last event
                events.insert(-1, (out.day, "journal", journal_event(not_managed_entry(left))))
            # Synced to disk at the last session only: its fsync syncs the WAL, so every session
            # this call wrote with it (an OS crash before it may undo the unsynced ones, whole).
            with store.begin(durable=j == end) as conn:
                store.lock_book(conn, name)
                done = store.last_stepped(conn, name)
                expected = None if j == 0 else stepper.engine.sessions[j - 1].date()
                if done != expected:
                    raise StepError(
                        f"book {name!r} was stepped through {done} by another command while this "
                        f"one stepped {out.day}; run the advance again"
                    )
                if store.journal_of_rule(conn, name, ADOPT_RULE, after_seq=seen):
                    raise StepError(
                        f"book {name!r} had a condor adopted by another command while this one "
                        f"stepped {out.day}; run the advance again (it takes the condor over)"
                    )
                _, wrote = store.append(
                    conn, name, events, input_hash=None, progress=write_progress
                )
                store.mark_stepped(conn, name, out.day, facts.data_id)
            unsynced = j != end
            seen = max(seen, wrote or 0)
            n_events += len(events)
            first = first or out.day
            last = out.day
            if progress is not None:
                progress(out)
    finally:
        if unsynced:  # stopped before its last session: make what it wrote durable
            store.sync()
    through_now = last or (None if i < 0 else stepper.engine.sessions[i].date())
    n = 0 if first is None else end - i
    left = {} if through_now is None else got.log.not_managed(through_now)
    return AdvanceResult(first, last, n, n_events, through_now, left)


@dataclass(frozen=True)
class BookSignal:
    """The orders a book's step decides at D's close and D's journal (nothing written).

    Attributes
    ----------
    output
        The step's output for D.
    from_session
        The session whose stored state the step started from (None: the book's start).
    stepped
        Sessions stepped in memory (1 when the book was advanced through D - 1).
    held
        The book's net positions after D's fills and settlements, per contract id (orders
        decided at D are not in it).
    not_managed
        Net positions the book records that the step did not open (imported, recorded from a
        broker's fills, symbols the strategy does not trade) on D, per contract id (or
        symbol): reported, left alone, not in ``held``.
    """

    output: SessionOutput
    from_session: date | None
    stepped: int
    held: dict[str, float]
    not_managed: dict[str, float] = field(default_factory=dict)


def book_signal(
    store: BookStore,
    name: str,
    cfg: RunConfig,
    capital_usd: float,
    data: MarketData,
    day: date,
) -> BookSignal:
    """Return the step's output for session ``day`` from the book's state before it.

    The state is the book's last stored one before ``day`` (normally D - 1's, after
    ``alvh book advance --through D-1``); sessions between it and D are stepped in memory
    first. Nothing is written.
    """
    stepper = BookStepper(cfg, capital_usd, data, day)
    end = stepper.index_of(day)
    got = _stored(store, name, day)
    # What the step did not open is left out of its state and reported (issue 20: "positions
    # the strategy does not recognise are reported and left alone"); a book never stepped is
    # stepped from the config's start in memory, as an empty paper book.
    st, i = stepper.restore(got.fills, got.state)
    pending = got.log.pending(got.last)
    out = None
    timing = stepper.settings.execution.fill_timing
    for j in range(i + 1, end + 1):
        out = _step(stepper, st, j, got, pending)
        if out.day in got.ahead:  # paper fills recorded ahead must be the step's (or refused)
            session_events(out, timing, recorded=got.ahead[out.day])
    assert out is not None  # i < end: the state is of a session before ``day``
    held: dict[str, float] = {}
    for acct in (st.condors_acct, st.hedges_acct):
        for _, _, p in acct.lots():
            held[p.contract.id] = held.get(p.contract.id, 0.0) + p.qty
    held = {k: q for k, q in held.items() if q != 0}
    return BookSignal(out, got.last, end - i, held, got.log.not_managed(day))


def signal_of_book(
    sig: BookSignal, cfg: RunConfig, data: MarketData, start: date | None = None
) -> Signal:
    """Return a book's step output as the ``Signal`` ``alvh signal`` prints."""
    from alvh import __version__
    from alvh._fingerprint import code_fingerprint
    from alvh.config.load import run_id
    from alvh.live.signal import Signal, replay_config

    out = sig.output
    src = data.source
    rid = run_id(
        replay_config(cfg, out.day), src.data_id, f"{__version__}+code.{code_fingerprint()}"
    )
    return Signal(
        day=out.day,
        start=start or sig.from_session or cfg.data.start,
        sessions=sig.stepped,
        config_name=cfg.name,
        hedge=cfg.hedge.preset,
        data=src.description,
        data_id=src.data_id,
        run_id=rid,
        orders=out.orders,
        journal=out.journal,
        held=sig.held,
        synthetic=src.kind == "synthetic",
        book_state=sig.from_session or cfg.data.start,
        not_managed=sig.not_managed,
    )


def paper_fills(
    store: BookStore,
    name: str,
    cfg: RunConfig,
    capital_usd: float,
    data: MarketData,
    day: date | None,
    facts: MarketFacts,
) -> tuple[date, int, bool]:
    """Record the fills the step books at ``day`` (default: the session after the book's last
    stepped one) as ``fill`` events: the previous session's orders filled as the backtest
    fills them, and the day's expiry settlements. Return the day, the fills written and
    whether that day's paper fills were recorded before (then nothing is written).

    ``alvh book advance`` through that day then checks that its step books exactly these and
    does not record them again. Idempotent: a day whose paper fills are recorded writes
    nothing the second time.

    Raises
    ------
    StepError
        If the book was not stepped through the session before ``day``.
    """
    got = _stored(store, name)
    if got.last is None:
        raise StepError(
            f"book {name!r} was never stepped: it has no pending orders to fill (run 'alvh "
            "book advance' through a session first)"
        )
    last_day = data.last_date().date()
    if cfg.data.source == "synthetic":
        last_day = min(last_day, cfg.data.end)
    probe = BookStepper(cfg, capital_usd, data, last_day)
    nxt = probe.index_of(got.last) + 1
    if nxt >= len(probe.engine.sessions):
        raise StepError(f"the market data holds no session after {got.last} to fill on")
    when = day or probe.engine.sessions[nxt].date()
    if when != probe.engine.sessions[nxt].date():
        raise StepError(
            f"--date {when}: the book was stepped through {got.last}, so its pending orders "
            f"fill on the next session, {probe.engine.sessions[nxt].date()}"
        )
    if when in got.ahead:
        return when, 0, True
    stepper = BookStepper(cfg, capital_usd, data, when)
    st, i = stepper.restore(got.fills, got.state)
    out = _step(stepper, st, i + 1, got, got.log.pending(got.last))
    events = [(when, "fill", fill_event(f, n)) for n, f in enumerate(out.fills, 1)]
    with store.begin() as conn:
        store.lock_book(conn, name)
        if store.last_stepped(conn, name) != got.last:
            raise StepError(f"book {name!r} was stepped by another command meanwhile; run again")
        store.append(conn, name, events, input_hash=None)
        store.touch_sessions(conn, name, [when], facts.data_id, "fills")
    return when, len(events), False


def load_book_market(cfg: RunConfig, store_path: Path | None, day: date) -> MarketData:
    """Return the market a book's step reads through ``day`` (``load_for_signal``'s window)."""
    from alvh.live.signal import load_for_signal

    return load_for_signal(cfg, store_path, day)
