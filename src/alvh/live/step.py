"""The backtest's session step on a live book: restore the state from the log, step, store.

One code path: ``BookStepper.step`` calls ``alvh.engine.loop.Engine.step``, the very function
the backtest's loop calls each session, on a ``RunState`` rebuilt from the book's log by
``alvh.engine.state_json.restore_state`` (the book's tagged fills, folded, plus the JSON the
previous session stored). What the step returns for a session, and what a book stores of it:

- ``fill`` events: the fills the step booked (the previous session's orders at this session's
  fill time and cost model, expiry settlements, ruin), each with its tag: condor tier and
  ``condor-<id>``; hedge report layer, ``layer<N>`` and the allocations bought;
- ``order`` events: the orders decided at the session's close, the rows of the backtest's
  ``orders.csv`` (``model_price`` and ``limit_price`` priced as ``alvh.orders`` does);
- ``journal`` events: the session's journal entries (``inputs_json`` as the run's journal
  database writes it), then one entry ``engine.state`` holding ``state_payload``;
- the ``sessions`` row of the session, status ``paper``.

The unhedged twin: a book has one account, the hedged one (condor legs + hedge overlay). The
engine keeps them as two accounts (``RunState.condors_acct`` is the condor legs with the whole
capital, which *is* the twin; ``hedges_acct`` the overlay); the book's fills split the same
way (SPX options are the condors'), and the twin's interest and ruin are in the stored JSON,
so a book carries its twin and ``size_condors_on = "unhedged"`` steps exactly as in a backtest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from alvh.live.errors import BookError

if TYPE_CHECKING:
    import pandas as pd

    from alvh.book.positions import Fill
    from alvh.config.run import RunConfig
    from alvh.engine.journal import JournalEntry
    from alvh.engine.loop import Engine
    from alvh.engine.state import RunState
    from alvh.live.store import Event
    from alvh.market.data import MarketData

STATE_RULE = "engine.state"  # the journal entry that holds the engine's state of a session
PAPER = "paper"  # the sessions row's status of a session the step ran on


class StepError(BookError):
    """The book cannot be stepped: its log and the engine's calendar or data disagree."""


@dataclass(frozen=True)
class SessionOutput:
    """What one session's step did.

    Attributes
    ----------
    day
        The session.
    index
        Its index in the engine's sessions (the config's start is 0).
    fills
        The fills booked at that session, condor account first, each in booking order.
    order_rows
        The orders decided at its close, the engine's ``ORDER_COLUMNS`` tuples.
    prices
        Their ``PRICE_COLUMNS`` (``model_price``, ``quote_mid``, ``limit_price``,
        ``price_source``), one tuple per row (``alvh.orders``).
    journal
        Its journal entries, in the engine's order.
    state
        ``state_payload`` at its end.
    row
        Its row of the backtest's ``daily.csv`` (equity, cash, greeks, P&L of both books).
    """

    day: date
    index: int
    fills: tuple[Fill, ...]
    order_rows: tuple[tuple[object, ...], ...]
    prices: tuple[tuple[float, float, float, str], ...]
    journal: tuple[JournalEntry, ...]
    state: dict[str, Any]
    row: dict[str, float]

    @cached_property
    def orders(self) -> pd.DataFrame:
        """The orders as the backtest's ``orders.csv`` rows (``ORDER_COLUMNS`` + prices).

        Built on first use: an advance writes the rows as events and never needs the frame.
        """
        import numpy as np
        import pandas as pd

        from alvh.engine.result import ORDER_COLUMNS
        from alvh.orders import PRICE_COLUMNS

        if not self.order_rows:
            frame = pd.DataFrame(columns=[*ORDER_COLUMNS, *PRICE_COLUMNS])
        else:
            frame = pd.DataFrame(list(self.order_rows), columns=list(ORDER_COLUMNS))
            for k, col in enumerate(PRICE_COLUMNS):
                kind = object if col == "price_source" else np.float64
                frame[col] = np.array([p[k] for p in self.prices], dtype=kind)
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def order_payloads(self, fill_timing: str) -> list[dict[str, Any]]:
        """Return the ``order`` event payloads of the session's orders, in order.

        The values are the ones the ``orders`` frame holds: a numeric column mixing ints and
        floats is all floats there (pandas' column type), so it is here, and rows of any other
        shape are read from the frame itself.
        """
        from alvh.engine.result import ORDER_COLUMNS
        from alvh.orders import PRICE_COLUMNS

        cols = [*ORDER_COLUMNS, *PRICE_COLUMNS]
        rows = [(*r, *p) for r, p in zip(self.order_rows, self.prices, strict=True)]
        plain = _as_frame_values(rows, cols)
        if plain is None:
            frame = self.orders
            plain = list(frame.itertuples(index=False, name=None))  # to_dict costs 4x as much
            cols = list(frame.columns)
        return [order_event(dict(zip(cols, r, strict=True)), fill_timing) for r in plain]


class BookStepper:
    """The engine of a book's config at the book's capital on a market, steppable by session.

    Parameters
    ----------
    cfg
        The book's accepted config.
    capital_usd
        The book's capital (the engine's initial cash).
    data
        The market (through the last session to step at least).
    through
        The last session the engine may step (the config's ``[data] end`` is replaced by it).
    """

    def __init__(self, cfg: RunConfig, capital_usd: float, data: MarketData, through: date):
        from alvh.backtest import hedge_for
        from alvh.config.load import config_with_overrides
        from alvh.engine.from_config import engine_settings
        from alvh.engine.loop import Engine

        if cfg.data.source == "synthetic" and through > cfg.data.end:
            raise StepError(
                f"{through} is after the config's end {cfg.data.end}: a book on the synthetic "
                "market steps through its config's period only (the seeded series depends on "
                "the period it is generated over, so it cannot be extended)"
            )
        # The config's end moves to ``through`` (a day later when that is its start: the
        # config wants end > start); the engine reads nothing after the session it steps.
        end = max(through, cfg.data.start + timedelta(days=1))
        over = {"capital.initial_usd": capital_usd, "data.end": end}
        self.cfg = config_with_overrides(cfg, **over)
        self.settings = engine_settings(self.cfg)
        self.data = data
        self.hedge = hedge_for(self.cfg)
        self.engine: Engine = Engine(self.settings, data, self.hedge)
        self._index = {d.date(): i for i, d in enumerate(self.engine.sessions)}

    def index_of(self, day: date) -> int:
        """Return the engine's index of session ``day``.

        Raises
        ------
        StepError
            If ``day`` is not one of the engine's sessions.
        """
        i = self._index.get(day)
        if i is None:
            s = self.engine.sessions
            raise StepError(
                f"{day} is not a session of this book's engine ({s[0].date()}..{s[-1].date()}, "
                "sessions with both an SPX and a VIX close)"
            )
        return i

    def restore(self, fills: list[Fill], saved: dict[str, Any] | None) -> tuple[RunState, int]:
        """Return the state after the last stepped session and that session's index.

        Without a stored state (a book never stepped): the empty state before the first
        session, index -1. ``fills`` are the engine's (``alvh.live.managed.BookLog``): with
        no state there are none, so fills here are refused.
        """
        from alvh.engine.state_json import StateError, restore_state

        if saved is None:
            if fills:
                raise StepError(
                    f"the book holds {len(fills)} paper fills but was never stepped: a paper "
                    "book starts empty at its config's start"
                )
            return self.engine.start_state(), -1
        try:
            return restore_state(self.engine, fills, saved), int(saved["session_index"])
        except StateError as e:
            raise StepError(str(e)) from None

    def step(self, st: RunState, i: int) -> SessionOutput:
        """Run session ``i`` on ``st`` (changed in place); return what it did."""
        from alvh.engine.state_json import state_payload
        from alvh.orders import price_order_rows

        n_c, n_h, n_o = len(st.condors_acct.fills), len(st.hedges_acct.fills), len(st.orders)
        # The settlement style of condors held before today's journal (their exits' prices).
        settled = {(c.root, str(c.expiry.date())): c.am_settled for c in st.condors.values()}
        entries = self.engine.step(st, i)
        day = self.engine.sessions[i]
        fills = (*st.condors_acct.fills[n_c:], *st.hedges_acct.fills[n_h:])
        rows = tuple(tuple(r) for r in st.orders[n_o:])
        prices: tuple[tuple[float, float, float, str], ...] = ()
        if rows:  # most sessions decide nothing: nothing to price
            model, quote, limit, source = price_order_rows(
                rows, [(day, entries)], self.settings, self.data, self.engine.pricer, settled
            )
            prices = tuple(zip(model.tolist(), quote.tolist(), limit.tolist(), source, strict=True))
        row = st.rows[-1]
        # The backtest keeps its whole history in the state; a stepper needs none of it.
        st.journal.clear()
        st.orders.clear()
        st.rows.clear()
        st.layer_rows.clear()
        st.closed.clear()
        return SessionOutput(
            day.date(),
            i,
            fills,
            rows,
            prices,
            tuple(entries),
            state_payload(self.engine, st, i),
            row,
        )


def _as_frame_values(
    rows: list[tuple[object, ...]], cols: list[str]
) -> list[tuple[object, ...]] | None:
    """Return the rows with each column's values as a pandas frame of them holds them, or None.

    A column of Python ints stays ints, ints mixed with floats become floats (one float64
    column), strings and timestamps stay; any other mix (None, bools, numpy scalars) returns
    None, and the caller reads the frame.
    """
    import pandas as pd

    columns: list[list[object]] = []
    for k in range(len(cols)):
        values = [r[k] for r in rows]
        types = {type(v) for v in values}
        if types <= {str} or types <= {pd.Timestamp} or types <= {int} or types <= {float}:
            columns.append(values)
        elif types == {int, float}:
            columns.append([float(v) for v in values])  # type: ignore[arg-type]
        else:
            return None
    return list(zip(*columns, strict=True))


# -- the book's events ---------------------------------------------------------------------------
def fill_event(f: Fill, n: int) -> dict[str, Any]:
    """Return the ``fill`` event payload of an engine fill (``source`` ``paper``, line ``n``)."""
    from alvh.engine.state_json import tag_payload
    from alvh.live.fold import fill_payload

    return fill_payload(
        contract=f.contract,
        qty=f.qty,
        price=f.price,
        day=f.date,
        fees_usd=f.fees_usd,
        tier=f.tier,
        group=f.group,
        reason=f.reason,
        source=PAPER,
        line=n,
        tag=tag_payload(f.tag) if f.tag else None,
    )


def order_event(row: dict[str, Any], fill_timing: str) -> dict[str, Any]:
    """Return the ``order`` event payload of an ``orders`` row (its fields, JSON-ready)."""
    from alvh.engine.state_json import fnum

    out: dict[str, Any] = {"fill_timing": fill_timing}
    for k, v in row.items():
        if k == "date":
            out[k] = str(v.date())
        elif isinstance(v, float):
            out[k] = fnum(v)
        elif hasattr(v, "item"):  # numpy scalars
            out[k] = fnum(v.item()) if isinstance(v.item(), float) else v.item()
        else:
            out[k] = v
    return out


def journal_event(e: JournalEntry) -> dict[str, Any]:
    """Return the ``journal`` event payload of an entry (inputs as the run's journal writes)."""
    from alvh.engine.journal import _json

    return {
        "rule": e.rule,
        "outcome": e.outcome,
        "action": e.action,
        "reason": e.reason,
        "inputs_json": _json(e.inputs),
    }


def session_events(
    out: SessionOutput, fill_timing: str, recorded: list[Fill] | None = None
) -> list[tuple[date, str, dict[str, Any]]]:
    """Return the events a book appends for one stepped session, in order.

    ``recorded``: the session's fills ``alvh book fills --paper`` recorded already; they must
    be the step's (they are not written again).

    Raises
    ------
    StepError
        If the recorded fills are not the ones the step booked.
    """
    mine = [fill_event(f, n) for n, f in enumerate(out.fills, 1)]
    events: list[tuple[date, str, dict[str, Any]]] = []
    if recorded is None:
        events += [(out.day, "fill", p) for p in mine]
    else:
        theirs = [fill_event(f, n) for n, f in enumerate(recorded, 1)]
        if theirs != mine:
            raise StepError(
                f"the book holds {len(theirs)} fills dated {out.day} that are not the "
                f"{len(mine)} the step books on that session (paper fills of other orders, or "
                "fills recorded by hand): the engine cannot step a book whose fills are not "
                "its own"
            )
    events += [(out.day, "order", p) for p in out.order_payloads(fill_timing)]
    events += [(out.day, "journal", journal_event(e)) for e in out.journal]
    events.append((out.day, "journal", {"rule": STATE_RULE, "state": out.state}))
    return events


def last_state(events: list[Event], before: date | None = None) -> dict[str, Any] | None:
    """Return the last stored engine state (of a session before ``before`` when given)."""
    for e in reversed(events):
        if e.kind != "journal" or e.payload.get("rule") != STATE_RULE:
            continue
        if before is None or e.session_date < before:
            state: dict[str, Any] = e.payload["state"]
            return state
    return None
