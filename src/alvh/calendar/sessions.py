"""Trading sessions of the exchanges alvh trades on.

Two calendars, both built on ``exchange_calendars`` (XNYS) and both immutable:

``"XNYS"``
    NYSE. SPX is computed from NYSE prices, and Cboe Options (SPX, SPXW and VIX options) keeps the
    same holidays and unscheduled closures, so this calendar also drives option expirations.
``"CFE"`` (alias ``"CBOE"``, kept for compatibility)
    Cboe Futures Exchange, where VX futures trade: NYSE's sessions plus the days CFE settled VX
    while NYSE was closed (``cboe_extra_sessions``, e.g. 2025-01-09).

Building XNYS 1990-2035 with ``exchange_calendars`` costs ~1 s and importing it ~0.5 s, most of
a daily ``alvh signal``'s budget, so the session and close arrays it yields are cached on disk
(``calendar_cache_dir()``), keyed by the installed ``exchange_calendars`` version and the range;
a missing, unreadable or inconsistent file is rebuilt, and writes are atomic.

``KNOWN_DIFFERENCES`` lists the special closures checked against the VX settlement files (see
docs/calendar.md). Lookups (``previous_session``, ``next_session``, ``add_sessions``...) are binary
searches on sorted int64 nanosecond keys: the engine calls them thousands of times per run.
"""

from __future__ import annotations

import bisect
import importlib.metadata
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Final, TypeAlias

import numpy as np
import pandas as pd

from alvh.errors import AlvhError

CALENDAR_START = "1990-01-02"
CALENDAR_END = "2035-12-31"

_NS_PER_DAY: Final = 86_400 * 10**9
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_REGULAR_CLOSE_NS: Final = 16 * 3600 * 10**9  # 16:00 ET after midnight
_EXCHANGE_ALIASES: Final = {"XNYS": "XNYS", "NYSE": "XNYS", "CFE": "CFE", "CBOE": "CFE"}

DayLike: TypeAlias = str | date | datetime | pd.Timestamp | np.datetime64


class CalendarRangeError(AlvhError, ValueError):
    """A day outside the calendar's range (1990-01-02 .. 2035-12-31), or no session beyond it."""


@dataclass(frozen=True)
class SpecialDay:
    """A day on which NYSE and CFE did not both keep their normal schedule.

    Parameters
    ----------
    day
        The calendar day.
    nyse_open
        Whether NYSE (and Cboe Options) held a session.
    cfe_open
        Whether CFE held a session with a VX daily settlement.
    note
        What happened and how it was checked.
    """

    day: date
    nyse_open: bool
    cfe_open: bool
    note: str


# Unscheduled closures and exchange differences since 2001. ``exchange_calendars`` already has every
# NYSE closure listed here; the CFE column was checked against the CFE per-contract VX files
# (2004-2015) and the VX settlement panel (2004-2026): no VX settlement exists on a day marked
# closed, and 2025-01-09 is the only day with a VX settlement and no NYSE session.
KNOWN_DIFFERENCES: Final[tuple[SpecialDay, ...]] = (
    *(
        SpecialDay(
            date(2001, 9, d),
            False,
            False,
            "NYSE closed after the 9/11 attacks (11th-14th); CFE did not exist yet (first VX "
            "session 2004-03-26)",
        )
        for d in (11, 12, 13, 14)
    ),
    SpecialDay(date(2004, 6, 11), False, False, "Reagan day of mourning; no VX settlement"),
    SpecialDay(date(2007, 1, 2), False, False, "Ford day of mourning; no VX settlement"),
    SpecialDay(date(2012, 10, 29), False, False, "Hurricane Sandy; no VX settlement"),
    SpecialDay(date(2012, 10, 30), False, False, "Hurricane Sandy; no VX settlement"),
    SpecialDay(
        date(2018, 12, 5),
        False,
        False,
        "G.H.W. Bush day of mourning; CFE ran only its overnight extended session (OCC memo "
        "44124), no regular session and no VX settlement",
    ),
    SpecialDay(
        date(2025, 1, 9),
        False,
        True,
        "Carter day of mourning: NYSE and the Cboe Options regular session closed; CFE traded "
        "and settled VX (CBOE's VIX history also has a value that day; VIX9D and SPX do not)",
    ),
)


def cboe_extra_sessions() -> list[pd.Timestamp]:
    """Return the days CFE (VX futures) held a session while NYSE was closed."""
    return [pd.Timestamp(s.day) for s in KNOWN_DIFFERENCES if s.cfe_open and not s.nyse_open]


def day_ns(day: DayLike) -> int:
    """Return midnight of the calendar day of ``day`` as int64 nanoseconds since 1970-01-01.

    Times of day are dropped; a tz-aware timestamp keeps its own wall-clock date.

    Raises
    ------
    ValueError
        When ``day`` cannot be read as a date.
    """
    if isinstance(day, pd.Timestamp):
        if day.tzinfo is not None:
            day = day.tz_localize(None)
        v = int(day.value)
        return v - v % _NS_PER_DAY
    if isinstance(day, datetime):
        return (day.date().toordinal() - _EPOCH_ORDINAL) * _NS_PER_DAY
    if isinstance(day, date):
        return (day.toordinal() - _EPOCH_ORDINAL) * _NS_PER_DAY
    if isinstance(day, np.datetime64):
        return int(day.astype("datetime64[D]").astype(np.int64)) * _NS_PER_DAY
    try:
        ts = pd.Timestamp(day)
    except (ValueError, TypeError) as e:
        raise ValueError(f"not a date: {day!r} (expected e.g. '2024-03-15')") from e
    if ts is pd.NaT:
        raise ValueError(f"not a date: {day!r} (expected e.g. '2024-03-15')")
    return day_ns(ts)


_CACHE_FORMAT: Final = 1  # bump when the cached arrays' meaning changes


def calendar_cache_dir() -> Path:
    """Return the folder of the calendar cache: ``$ALVH_CACHE/calendar`` or the user cache dir.

    The user cache dir is ``$XDG_CACHE_HOME/alvh`` (``~/.cache/alvh``) on Linux,
    ``~/Library/Caches/alvh`` on macOS and ``%LOCALAPPDATA%/alvh/Cache`` on Windows.
    """
    env = os.environ.get("ALVH_CACHE")
    if env:
        return Path(env).expanduser() / "calendar"
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "alvh" / "Cache"
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches" / "alvh"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "alvh"
    return base / "calendar"


def build_xnys_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Build XNYS's sessions and closes from ``exchange_calendars`` (no cache).

    Returns
    -------
    tuple of np.ndarray
        Sessions (midnight) and scheduled closes (naive US/Eastern wall clock), int64
        nanoseconds since 1970-01-01, ``CALENDAR_START .. CALENDAR_END``.
    """
    import exchange_calendars as xcals  # ~0.5 s to import: only when the cache misses

    xc = xcals.get_calendar("XNYS", start=CALENDAR_START, end=CALENDAR_END)
    sess = np.asarray(xc.sessions.tz_localize(None).asi8, dtype=np.int64)
    closes = xc.closes.dt.tz_convert("America/New_York").dt.tz_localize(None).to_numpy()
    return sess, closes.astype("datetime64[ns]").astype(np.int64)


def _consistent(sess: np.ndarray, closes: np.ndarray) -> bool:
    """Whether cached arrays look like a calendar of the range (a truncated or stale file fails)."""
    if sess.dtype != np.int64 or closes.dtype != np.int64 or sess.shape != closes.shape:
        return False
    if sess.ndim != 1 or len(sess) < 250:
        return False
    offset = closes - sess
    return bool(
        sess[0] >= day_ns(CALENDAR_START)
        and sess[-1] <= day_ns(CALENDAR_END)
        and (np.diff(sess) > 0).all()
        and (sess % _NS_PER_DAY == 0).all()
        and ((offset > 0) & (offset < _NS_PER_DAY)).all()
    )


def xnys_arrays(cache_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return XNYS's sessions and closes (``build_xnys_arrays``), read from the cache if valid.

    Parameters
    ----------
    cache_dir
        The cache folder (None: ``calendar_cache_dir()``). The file is named by the installed
        ``exchange_calendars`` version, the range and the cache format, so an upgrade of
        ``exchange_calendars`` builds a new one. A file that cannot be read or fails the
        consistency check is rebuilt and replaced; a folder that cannot be written only costs
        the build.
    """
    folder = calendar_cache_dir() if cache_dir is None else cache_dir
    version = importlib.metadata.version("exchange_calendars")
    path = folder / f"xnys-{version}-{CALENDAR_START}-{CALENDAR_END}-f{_CACHE_FORMAT}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            sess, closes = z["sessions_ns"], z["closes_ns"]
        if _consistent(sess, closes):
            return sess, closes
    except Exception:  # why: any unreadable cache file is rebuilt, never trusted
        pass
    sess, closes = build_xnys_arrays()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".xnys-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, sessions_ns=sess, closes_ns=closes)
            os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # why: a read-only home must not stop a run; it only loses the cache
    return sess, closes


@lru_cache(maxsize=1)
def _xnys() -> tuple[np.ndarray, np.ndarray]:
    return xnys_arrays()


@dataclass(frozen=True)
class TradingCalendar:
    """Sessions of one exchange between 1990-01-02 and 2035-12-31.

    Parameters
    ----------
    exchange
        ``"XNYS"`` (NYSE, also Cboe Options) or ``"CFE"`` (Cboe Futures; ``"CBOE"`` is accepted as
        an alias and stored as ``"CFE"``). CFE uses NYSE's sessions plus ``cboe_extra_sessions``.

    Notes
    -----
    Days are midnight ``pd.Timestamp`` values (naive); close times are naive US/Eastern wall clock,
    the convention of ``alvh.market.schema``. Days outside the range raise ``CalendarRangeError``.
    """

    exchange: str = "XNYS"
    _sessions_ns: np.ndarray = field(init=False, repr=False, compare=False)
    _closes_ns: np.ndarray = field(init=False, repr=False, compare=False)
    # A tuple of Python ints: bisect on it is ~5x faster than np.searchsorted for one scalar.
    _keys: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        canonical = _EXCHANGE_ALIASES.get(str(self.exchange).upper())
        if canonical is None:
            raise ValueError(f"unknown exchange {self.exchange!r}; expected 'XNYS' or 'CFE'")
        object.__setattr__(self, "exchange", canonical)
        sess, closes_ns = _xnys()
        if canonical == "CFE":
            extra = np.array([day_ns(d) for d in cboe_extra_sessions()], dtype=np.int64)
            # No CFE hours are modelled: a CFE-only session gets the regular 16:00 ET close.
            sess = np.concatenate([sess, extra])
            closes_ns = np.concatenate([closes_ns, extra + _REGULAR_CLOSE_NS])
            order = np.argsort(sess, kind="stable")
            sess, closes_ns = sess[order], closes_ns[order]
        sess = np.ascontiguousarray(sess, dtype=np.int64)
        closes_ns = np.ascontiguousarray(closes_ns, dtype=np.int64)
        sess.flags.writeable = False
        closes_ns.flags.writeable = False
        object.__setattr__(self, "_sessions_ns", sess)
        object.__setattr__(self, "_closes_ns", closes_ns)
        object.__setattr__(self, "_keys", tuple(sess.tolist()))

    # -- whole-calendar views ------------------------------------------------------------------
    @property
    def sessions(self) -> pd.DatetimeIndex:
        """All sessions, midnight timestamps."""
        return pd.DatetimeIndex(self._sessions_ns.view("datetime64[ns]"))

    @property
    def sessions_ns(self) -> np.ndarray:
        """All sessions as a read-only sorted int64 array of nanoseconds (for vectorised code)."""
        return self._sessions_ns

    @property
    def first_session(self) -> pd.Timestamp:
        """The first session of the calendar."""
        return pd.Timestamp(self._keys[0])

    @property
    def last_session(self) -> pd.Timestamp:
        """The last session of the calendar."""
        return pd.Timestamp(self._keys[-1])

    @property
    def early_closes(self) -> pd.DatetimeIndex:
        """Sessions that close before 16:00 ET (13:00 ET since 1993; 14:00 ET in 1990-92)."""
        close_offset = self._closes_ns - self._sessions_ns
        return self.sessions[close_offset < _REGULAR_CLOSE_NS]

    def sessions_in_range(self, start: DayLike, end: DayLike) -> pd.DatetimeIndex:
        """Return sessions with ``start <= session <= end``."""
        a = bisect.bisect_left(self._keys, day_ns(start))
        b = bisect.bisect_right(self._keys, day_ns(end))
        return pd.DatetimeIndex(self._sessions_ns[a:b].view("datetime64[ns]"))

    def sessions_per_year(self) -> pd.Series:
        """Return the number of sessions in each calendar year (index: year)."""
        s = self.sessions
        return pd.Series(1, index=s).groupby(s.year).sum().rename("sessions")

    # -- scalar lookups (hot path) -------------------------------------------------------------
    def _key(self, day: DayLike) -> int:
        v = day_ns(day)
        if not self._keys[0] - 7 * _NS_PER_DAY <= v <= self._keys[-1] + 7 * _NS_PER_DAY:
            raise CalendarRangeError(
                f"{pd.Timestamp(v).date()} is outside the {self.exchange} calendar "
                f"({CALENDAR_START} .. {CALENDAR_END})"
            )
        return v

    def is_session(self, day: DayLike) -> bool:
        """Return whether ``day`` is a trading session."""
        v = self._key(day)
        i = bisect.bisect_left(self._keys, v)
        return i < len(self._keys) and self._keys[i] == v

    def previous_session(self, day: DayLike, inclusive: bool = True) -> pd.Timestamp:
        """Return the last session on or before ``day`` (strictly before if not inclusive)."""
        v = self._key(day)
        i = (bisect.bisect_right if inclusive else bisect.bisect_left)(self._keys, v)
        if i == 0:
            raise CalendarRangeError(f"no session before {pd.Timestamp(v).date()} in the calendar")
        return pd.Timestamp(self._keys[i - 1])

    def next_session(self, day: DayLike, inclusive: bool = False) -> pd.Timestamp:
        """Return the first session after ``day`` (on or after if inclusive)."""
        v = self._key(day)
        i = (bisect.bisect_left if inclusive else bisect.bisect_right)(self._keys, v)
        if i >= len(self._keys):
            raise CalendarRangeError(f"no session after {pd.Timestamp(v).date()} in the calendar")
        return pd.Timestamp(self._keys[i])

    def add_sessions(self, day: DayLike, n: int) -> pd.Timestamp:
        """Return the ``n``-th session after (n > 0) or before (n < 0) ``day``.

        Counting starts at ``day`` whether or not it is a session: one session after a Saturday
        is the Monday, one before it the Friday. ``n == 0`` returns ``day`` when it is a session,
        else the next session.
        """
        v = self._key(day)
        if n > 0:
            j = bisect.bisect_right(self._keys, v) + n - 1
        elif n < 0:
            j = bisect.bisect_left(self._keys, v) + n
        else:
            j = bisect.bisect_left(self._keys, v)
        if not 0 <= j < len(self._keys):
            raise CalendarRangeError(
                f"{n} sessions from {pd.Timestamp(v).date()} is outside the calendar"
            )
        return pd.Timestamp(self._keys[j])

    def sessions_between(self, start: DayLike, end: DayLike) -> int:
        """Return the number of sessions s with ``start < s <= end`` (negative if end < start)."""
        a = bisect.bisect_right(self._keys, self._key(start))
        b = bisect.bisect_right(self._keys, self._key(end))
        return b - a

    def close_time(self, day: DayLike) -> pd.Timestamp:
        """Return the scheduled NYSE cash close of session ``day`` (naive US/Eastern).

        16:00 ET normally, 13:00 ET on early-close days (14:00 ET in 1990-1992). SPX options trade
        until 16:15 ET on a regular day; the close that fixes SPX (and so PM settlement) is this one.

        Raises
        ------
        ValueError
            When ``day`` is not a session.
        """
        v = self._key(day)
        i = bisect.bisect_left(self._keys, v)
        if i >= len(self._keys) or self._keys[i] != v:
            raise ValueError(f"{pd.Timestamp(v).date()} is not a {self.exchange} session")
        return pd.Timestamp(int(self._closes_ns[i]))

    # -- vectorised lookups --------------------------------------------------------------------
    def is_session_array(self, days: np.ndarray) -> np.ndarray:
        """Return a boolean array: whether each of ``days`` (datetime64, any unit) is a session."""
        v = np.asarray(days).astype("datetime64[D]").astype("datetime64[ns]").astype(np.int64)
        i = np.searchsorted(self._sessions_ns, v)
        ok = i < len(self._sessions_ns)
        out = np.zeros(v.shape, dtype=bool)
        out[ok] = self._sessions_ns[i[ok]] == v[ok]
        return out

    def previous_sessions(self, days: np.ndarray, inclusive: bool = True) -> np.ndarray:
        """Return ``previous_session`` of each of ``days`` as ``datetime64[ns]`` (vectorised)."""
        v = np.asarray(days).astype("datetime64[D]").astype("datetime64[ns]").astype(np.int64)
        i = np.searchsorted(self._sessions_ns, v, side="right" if inclusive else "left")
        if (i == 0).any():
            raise CalendarRangeError("a day precedes the first session of the calendar")
        return self._sessions_ns[i - 1].view("datetime64[ns]")


@lru_cache(maxsize=4)
def trading_calendar(exchange: str = "XNYS") -> TradingCalendar:
    """Return the (immutable, cached) calendar of ``exchange`` (``"XNYS"`` or ``"CFE"``)."""
    return TradingCalendar(exchange)
