"""Today's signal: the orders the backtest decides at D's close, and D's journal, by replay.

One code path: the signal for session D **is** the backtest. ``signal_for`` runs
``alvh.backtest.run`` (the engine, its rules, its hedge, its pricing of orders) on the config
from its start through D and returns the rows of ``orders`` decided at D's close and the
journal entries of D. Nothing is computed beside the engine, so the signal cannot disagree
with a backtest of the same config over a longer period (the truncation rule of
ARCHITECTURE.md; tests/live/test_signal.py and tests/realdata/test_signal_realdata.py check it
session by session against one long run).

The price of this is time: a replay costs a backtest from the config's start to D. A book's
signal (``alvh signal --book``, ``alvh.live.advance.book_signal``) steps one session from the
book's stored state instead.

The replayed book is a **paper book started empty at the config's start** with the config's
capital.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from alvh.errors import NoDataError

if TYPE_CHECKING:
    import pandas as pd

    from alvh.config.run import RunConfig
    from alvh.engine.result import BacktestResult
    from alvh.market.data import MarketData
    from alvh.strategy.rules import JournalEntry


class SignalDateError(NoDataError):
    """The signal's date cannot be served: not a session, before the start, past the data."""


@dataclass(frozen=True)
class Signal:
    """The orders decided at ``day``'s close and the journal of ``day``, by a replay.

    Attributes
    ----------
    day
        The session D whose close the orders were decided at.
    start
        The replay's first session (the config's start, or the first session after it).
    sessions
        Sessions replayed, ``start`` through ``day``.
    config_name, hedge
        The config's name and hedge preset.
    data, data_id
        What market data the replay ran on.
    run_id
        The replay's run id (hash of the config with end = D, the data id, the code).
    orders
        ``BacktestResult.orders`` rows dated D (``ORDER_COLUMNS`` plus ``model_price`` and
        ``limit_price``), in the engine's order.
    journal
        The journal entries of D, in the engine's order.
    held
        The paper replay's net positions after D's fills and settlements, per contract id
        (condor legs and hedge contracts; orders decided at D are not in it).
    synthetic
        Whether the data is the seeded synthetic market.
    book_state
        For a book's signal (``alvh.live.advance.book_signal``): the session whose stored
        state the step started from (``start`` is then that session and ``sessions`` the
        sessions stepped in memory); None for a replay.
    not_managed
        For a book never stepped that records positions (imported or by hand): its net
        positions per contract id, which the step does not take over; reported, left alone.
    """

    day: date
    start: date
    sessions: int
    config_name: str
    hedge: str
    data: str
    data_id: str
    run_id: str
    orders: pd.DataFrame
    journal: tuple[JournalEntry, ...]
    held: dict[str, float] = field(default_factory=dict)
    synthetic: bool = False
    book_state: date | None = None
    not_managed: dict[str, float] = field(default_factory=dict)


def engine_sessions(data: MarketData) -> pd.DatetimeIndex:
    """Return the sessions the engine runs on: SPX sessions inside the VIX series' span."""
    sessions = data.sessions("SPX")
    if "VIX" in data.symbols:
        vix = data.sessions("VIX")
        sessions = sessions[(sessions >= vix[0]) & (sessions <= vix[-1])]
    return sessions


def check_day(data: MarketData, cfg: RunConfig, day: date) -> pd.DatetimeIndex:
    """Refuse a day the replay cannot serve; return the replay's sessions, start through ``day``.

    Raises
    ------
    SignalDateError
        When ``day`` is before the config's start, after the data's last session with both an
        SPX and a VIX close, not an exchange session, a session the data has no bar for, or the
        replay's first session (the engine needs two).
    """
    import pandas as pd

    start = cfg.data.start
    if day < start:
        raise SignalDateError(
            f"--date {day} is before the config's start {start}: the replay starts there "
            "(set [data] start, or --start, on or before it)"
        )
    sessions = engine_sessions(data)
    last = sessions[-1].date() if len(sessions) else None
    if last is None or day > last:
        raise SignalDateError(
            f"the market data's last session with both an SPX and a VIX close is {last} "
            f"({data.source.description}), before --date {day}; import the newer files first "
            "('alvh data import')"
        )
    d = pd.Timestamp(day)
    if d not in sessions:
        from alvh.calendar.sessions import trading_calendar

        cal = trading_calendar("XNYS")
        if not cal.is_session(day):
            before, after = cal.previous_session(day).date(), cal.next_session(day).date()
            raise SignalDateError(
                f"--date {day} ({day:%A}) is not an NYSE trading session; the nearest sessions "
                f"are {before} ({before:%a}) and {after} ({after:%a})"
            )
        raise SignalDateError(
            f"--date {day} is an NYSE session but the market data has no SPX and VIX close for "
            f"it ({data.source.description}); the signal needs both"
        )
    run = sessions[(sessions >= pd.Timestamp(start)) & (sessions <= d)]
    if len(run) < 2:
        raise SignalDateError(
            f"--date {day} is the first session of a replay starting {start}: the engine needs "
            "two sessions; choose a later date or an earlier start"
        )
    return run


def replay_config(cfg: RunConfig, day: date) -> RunConfig:
    """Return the config with ``[data] end`` = ``day`` (the replay's last session)."""
    from alvh.config.load import config_with_overrides

    return config_with_overrides(cfg, **{"data.end": day})


def held_positions(result: BacktestResult) -> dict[str, float]:
    """Return the hedged book's net open quantity per contract id after the run's last session.

    A fold over ``trades`` (condor legs, which both books hold, and hedge contracts), expiry
    settlements included.
    """
    t = result.trades
    if not len(t):
        return {}
    signed = t["qty"].where(t["side"] == "buy", -t["qty"])
    net = signed.groupby(t["contract"].to_numpy(), sort=True).sum()
    return {str(k): float(v) for k, v in net.items() if abs(v) > 1e-9}


def signal_for(cfg: RunConfig, data: MarketData, day: date) -> Signal:
    """Replay the backtest from the config's start through ``day``; return D's orders and journal.

    Parameters
    ----------
    cfg
        The run config; its ``[data] end`` is replaced by ``day``.
    data
        The market: the store's data through ``day`` (more is harmless: the engine reads it
        only through ``data.snapshot(D + decision_time)``).
    day
        The session D.

    Raises
    ------
    SignalDateError
        See ``check_day``.
    """
    import pandas as pd

    from alvh.backtest import run

    sessions = check_day(data, cfg, day)
    result = run(replay_config(cfg, day), data)
    d = pd.Timestamp(day)
    last_day, entries = result.journal[-1]
    # The replay ends at D by construction; a different last day would be an engine change.
    assert pd.Timestamp(last_day) == d, (last_day, d)
    dates = pd.to_datetime(result.orders["date"])
    orders = result.orders[dates == d].reset_index(drop=True)
    orders["date"] = pd.to_datetime(orders["date"])  # datetime64 even when no order was decided
    src = result.source
    return Signal(
        day=day,
        start=sessions[0].date(),
        sessions=len(sessions),
        config_name=cfg.name,
        hedge=cfg.hedge.preset,
        data=src.description,
        data_id=src.data_id,
        run_id=result.run_id,
        orders=orders,
        journal=tuple(entries),
        held=held_positions(result),
        synthetic=src.kind == "synthetic",
    )


def default_day(cfg: RunConfig, store: Path | None) -> date:
    """Return the default session D: the store's last with an SPX and a VIX close.

    On the synthetic market (``[data] source = "synthetic"``), the config's end.
    """
    if cfg.data.source == "synthetic":
        return cfg.data.end
    from alvh.live.context import market_facts

    facts = market_facts(store)
    if facts.data_id is None:
        if cfg.data.source == "store":
            raise NoDataError(
                f"the store at {store or 'the default location'} holds no SPX data; run "
                "'alvh data import' first, or use --data synthetic"
            )
        return cfg.data.end
    return facts.last_priced_session or facts.last_session


def load_for_signal(cfg: RunConfig, store: Path | None, day: date) -> MarketData:
    """Return the market a signal for ``day`` replays on.

    The store: its data from a year before the config's start (the indicators' history)
    through ``day``, so nothing after D is even loaded. The synthetic market is generated over
    the config's whole period (it is not the same series when generated over a shorter one),
    as ``alvh backtest`` would, and read only up to D by the engine.
    """
    from alvh.market.load import load_market

    d = cfg.data
    path = store or (Path(d.store_path) if d.store_path else None)
    history = d.start.replace(year=d.start.year - 1)
    if d.source == "synthetic":
        end = max(d.end, day)
        return load_market(path, source="synthetic", seed=d.seed, start=history, end=end)
    return load_market(path, source=d.source, seed=d.seed, start=history, end=day)
