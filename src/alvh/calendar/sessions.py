"""Trading sessions of the exchanges alvh trades on (NYSE for SPX cash, CBOE for options/VX).

Built on ``exchange_calendars`` (XNYS). CBOE follows the NYSE holiday schedule for SPX and VIX
products, with known differences (see ``cboe_extra_sessions``); the calendar object is immutable
and passed explicitly (no global "current calendar").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import exchange_calendars as xcals
import numpy as np
import pandas as pd

CALENDAR_START = "1990-01-02"
CALENDAR_END = "2030-12-31"


@lru_cache(maxsize=4)
def _xcal(name: str) -> xcals.ExchangeCalendar:
    return xcals.get_calendar(name, start=CALENDAR_START, end=CALENDAR_END)


@dataclass(frozen=True)
class TradingCalendar:
    """Sessions of one exchange between 1990 and 2030.

    Parameters
    ----------
    exchange
        ``"XNYS"`` (NYSE) or ``"CBOE"``. CBOE uses NYSE's sessions plus ``cboe_extra_sessions``
        (days CFE traded while NYSE was closed, e.g. 2025-01-09).
    """

    exchange: str = "XNYS"
    _sessions_ns: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sess = _xcal("XNYS").sessions
        if self.exchange == "CBOE":
            sess = sess.union(pd.DatetimeIndex(cboe_extra_sessions()))
        elif self.exchange != "XNYS":
            raise ValueError(f"unknown exchange {self.exchange!r}; expected 'XNYS' or 'CBOE'")
        object.__setattr__(self, "_sessions_ns", sess.tz_localize(None).asi8.copy())

    @property
    def sessions(self) -> pd.DatetimeIndex:
        """All sessions, midnight timestamps, 1990-2030."""
        return pd.DatetimeIndex(self._sessions_ns.view("datetime64[ns]"))

    def sessions_in_range(self, start: str | date, end: str | date) -> pd.DatetimeIndex:
        """Return sessions with ``start <= session <= end``."""
        s = self.sessions
        return s[(s >= pd.Timestamp(start)) & (s <= pd.Timestamp(end))]

    def is_session(self, day: str | date | pd.Timestamp) -> bool:
        """Return whether ``day`` is a trading session."""
        v = pd.Timestamp(day).normalize().value
        i = int(np.searchsorted(self._sessions_ns, v))
        return i < len(self._sessions_ns) and int(self._sessions_ns[i]) == v

    def previous_session(
        self, day: str | date | pd.Timestamp, inclusive: bool = True
    ) -> pd.Timestamp:
        """Return the last session on or before ``day`` (strictly before if not inclusive)."""
        v = pd.Timestamp(day).normalize().value
        i = int(np.searchsorted(self._sessions_ns, v, side="right" if inclusive else "left"))
        if i == 0:
            raise ValueError(f"no session before {day} in the calendar")
        return pd.Timestamp(int(self._sessions_ns[i - 1]))

    def next_session(self, day: str | date | pd.Timestamp, inclusive: bool = False) -> pd.Timestamp:
        """Return the first session after ``day`` (on or after if inclusive)."""
        v = pd.Timestamp(day).normalize().value
        i = int(np.searchsorted(self._sessions_ns, v, side="left" if inclusive else "right"))
        if i >= len(self._sessions_ns):
            raise ValueError(f"no session after {day} in the calendar")
        return pd.Timestamp(int(self._sessions_ns[i]))

    def add_sessions(self, day: str | date | pd.Timestamp, n: int) -> pd.Timestamp:
        """Return the session ``n`` sessions after (n > 0) or before (n < 0) session ``day``."""
        v = pd.Timestamp(day).normalize().value
        i = int(np.searchsorted(self._sessions_ns, v))
        j = i + n
        if not 0 <= j < len(self._sessions_ns):
            raise ValueError(f"{n} sessions from {day} is outside the calendar")
        return pd.Timestamp(int(self._sessions_ns[j]))

    def sessions_between(self, start: pd.Timestamp, end: pd.Timestamp) -> int:
        """Return the number of sessions s with ``start < s <= end``."""
        a = int(np.searchsorted(self._sessions_ns, pd.Timestamp(start).value, side="right"))
        b = int(np.searchsorted(self._sessions_ns, pd.Timestamp(end).value, side="right"))
        return b - a


def cboe_extra_sessions() -> list[pd.Timestamp]:
    """Days CBOE/CFE traded while NYSE was closed (national day of mourning, 2025-01-09)."""
    return [pd.Timestamp("2025-01-09")]


@lru_cache(maxsize=2)
def trading_calendar(exchange: str = "XNYS") -> TradingCalendar:
    """Return the (immutable, cached) calendar of ``exchange``."""
    return TradingCalendar(exchange)
