"""Macro events (FOMC, CPI, PPI) placed on a sessions calendar.

The SPEC's macro trigger asks "is an FOMC, CPI or PPI release within N sessions ahead?". This
module answers it for an events table in the canonical ``events`` shape (``kind``, ``date``; see
``alvh.market.schema``). Point in time: build the ``EventCalendar`` from the events a snapshot
shows at ``as_of`` (rows with ``known_at <= as_of``), never from the whole table.

Counting convention: an event on day ``d`` sits on session ``s(d)`` = the first session on or after
``d`` (a release on a closed day is traded on the next session). Its distance from ``as_of`` is the
number of sessions ``k`` with ``as_of < session <= s(d)``. ``k == 0`` means the event is on
``as_of`` itself: at ``as_of``'s close it is already known, so it is not "ahead" unless asked.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alvh.calendar.sessions import DayLike, TradingCalendar, day_ns, trading_calendar


@dataclass(frozen=True)
class MacroEvent:
    """One event as seen from ``as_of``: its kind, day and distance in sessions."""

    kind: str
    day: pd.Timestamp
    sessions_ahead: int


@dataclass(frozen=True)
class EventCalendar:
    """Events sorted by day, with each event's session key, for repeated lookups.

    Parameters
    ----------
    kinds
        Event kinds (``"FOMC"``, ``"CPI"``, ``"PPI"``), one per event, sorted with ``days``.
    days
        Event days as int64 nanoseconds (midnight), sorted.
    cal
        The sessions calendar (NYSE by default).
    """

    kinds: tuple[str, ...]
    days: tuple[int, ...]
    cal: TradingCalendar = field(default_factory=trading_calendar)

    @classmethod
    def from_frame(cls, events: pd.DataFrame, cal: TradingCalendar | None = None) -> EventCalendar:
        """Build from a table with columns ``kind`` and ``date`` (extra columns are ignored)."""
        missing = {"kind", "date"} - set(events.columns)
        if missing:
            raise ValueError(f"events table lacks column(s) {sorted(missing)}; has {list(events)}")
        keys = [day_ns(d) for d in events["date"]]
        order = sorted(range(len(keys)), key=lambda i: (keys[i], str(events["kind"].iloc[i])))
        return cls(
            kinds=tuple(str(events["kind"].iloc[i]).upper() for i in order),
            days=tuple(keys[i] for i in order),
            cal=cal or trading_calendar(),
        )

    def _ahead(self, as_of_ns: int, event_ns: int) -> int:
        event_session = self.cal.next_session(pd.Timestamp(event_ns), inclusive=True)
        return self.cal.sessions_between(pd.Timestamp(as_of_ns), event_session)

    def upcoming(
        self,
        as_of: DayLike,
        n_sessions: int,
        kinds: Iterable[str] | None = None,
        include_today: bool = False,
    ) -> list[MacroEvent]:
        """Return events at most ``n_sessions`` sessions ahead of ``as_of``, nearest first.

        Parameters
        ----------
        as_of
            The decision day (its close).
        n_sessions
            Horizon in sessions (the SPEC default is 2).
        kinds
            Restrict to these kinds; all kinds when None.
        include_today
            Also return events on ``as_of`` itself (``sessions_ahead == 0``).
        """
        v = day_ns(as_of)
        wanted = None if kinds is None else {k.upper() for k in kinds}
        lo = bisect.bisect_left(self.days, v if include_today else v + 1)
        out: list[MacroEvent] = []
        for i in range(lo, len(self.days)):
            k = self._ahead(v, self.days[i])
            if k > n_sessions:
                break
            if wanted is None or self.kinds[i] in wanted:
                out.append(MacroEvent(self.kinds[i], pd.Timestamp(self.days[i]), k))
        return out

    def has_event_within(
        self, as_of: DayLike, n_sessions: int, kinds: Iterable[str] | None = None
    ) -> bool:
        """Return whether an event lies 1..``n_sessions`` sessions ahead of ``as_of``."""
        return bool(self.upcoming(as_of, n_sessions, kinds))

    def next_event(self, as_of: DayLike, kinds: Iterable[str] | None = None) -> MacroEvent | None:
        """Return the first event strictly after ``as_of`` (of ``kinds``), or None."""
        v = day_ns(as_of)
        wanted = None if kinds is None else {k.upper() for k in kinds}
        for i in range(bisect.bisect_right(self.days, v), len(self.days)):
            if wanted is None or self.kinds[i] in wanted:
                return MacroEvent(
                    self.kinds[i], pd.Timestamp(self.days[i]), self._ahead(v, self.days[i])
                )
        return None

    def sessions_until_next(self, as_of: DayLike, kinds: Iterable[str] | None = None) -> int | None:
        """Return how many sessions ahead the next event is (None when there is none)."""
        ev = self.next_event(as_of, kinds)
        return None if ev is None else ev.sessions_ahead

    def event_days(self, kinds: Iterable[str] | None = None) -> np.ndarray:
        """Return the event days (``datetime64[D]``) of ``kinds`` (all when None), sorted."""
        wanted = None if kinds is None else {k.upper() for k in kinds}
        keep = [
            d for d, k in zip(self.days, self.kinds, strict=True) if wanted is None or k in wanted
        ]
        return np.array(keep, dtype=np.int64).astype("datetime64[ns]").astype("datetime64[D]")
