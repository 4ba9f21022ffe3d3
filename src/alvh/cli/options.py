"""Parsing and checks shared by every ``alvh`` command: one date parser, data-source rules, output.

Kept free of pandas, numba and pydantic at import time: ``alvh --help`` imports it.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

from alvh.errors import AlvhError, ConfigError

ISO_DATE_HELP = "YYYY-MM-DD, e.g. 2020-03-04"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class NotASessionError(AlvhError):
    """A date given for one session (journal, price) that is not an NYSE trading session."""


def parse_iso_date(text: str, option: str) -> date:
    """Return the date written ``YYYY-MM-DD``; anything else is refused.

    ``date.fromisoformat`` alone would also take ``20200304`` and ``2020-W10-3``, and a
    ``MM/DD/YYYY`` reading would silently swap month and day for some users: only the one
    unambiguous spelling is accepted, on every command.

    Raises
    ------
    ConfigError
        Naming the option, the text given and the expected format.
    """
    s = text.strip()
    if _ISO_DATE.match(s):
        try:
            return date.fromisoformat(s)
        except ValueError as e:  # 2020-02-30
            raise ConfigError(
                option, text, f"a real calendar date as {ISO_DATE_HELP} ({e})"
            ) from None
    raise ConfigError(option, text, f"a date as {ISO_DATE_HELP}")


def require_session(day: date, option: str) -> None:
    """Refuse a date that is not an NYSE session, naming the sessions either side.

    Raises
    ------
    NotASessionError
        When ``day`` is a weekend or an exchange holiday.
    """
    from alvh.calendar.sessions import trading_calendar

    cal = trading_calendar("XNYS")
    if cal.is_session(day):
        return
    before = cal.previous_session(day).date()
    after = cal.next_session(day).date()
    raise NotASessionError(
        f"{option} {day.isoformat()} ({day.strftime('%A')}) is not an NYSE trading session; "
        f"the nearest sessions are {before.isoformat()} ({before.strftime('%a')}) and "
        f"{after.isoformat()} ({after.strftime('%a')})"
    )


def check_data_source(data: str | None, store: Path | None) -> str | None:
    """Return the data source a command runs on, given ``--data`` and ``--store``.

    Naming a store means using it: ``--store DIR`` alone selects ``store``; ``--store DIR`` with
    ``--data synthetic`` is a contradiction and refused (a check script once "passed" on the
    synthetic market that way).
    """
    if data is not None and data not in ("synthetic", "store"):
        raise ConfigError("--data", data, "synthetic or store")
    if store is None:
        return data
    if data == "synthetic":
        raise ConfigError(
            "--data",
            data,
            f"store when --store is given (--store {store} names real data; "
            "drop --store to run on the synthetic market)",
        )
    return "store"


def synthetic_banner(description: str) -> str:
    """The line every run on the synthetic market starts with (rich markup)."""
    return (
        "[bold yellow]SYNTHETIC DATA[/]: "
        f"{description}; not market history (use --data store for real data)"
    )


def is_terminal() -> bool:
    """Whether stdout is a terminal (progress bars and colour) rather than a pipe or file."""
    return sys.stdout.isatty()


def fmt_value(v: object) -> str:
    """Format a value the same way on every command: counts as integers, amounts with 2 decimals.

    ``None`` and NaN print as ``n/a``; floats with thousands separators and 2 decimals, except
    small non-zero ones (|v| < 0.01, e.g. gamma) with 3 significant digits so they do not read
    as 0.00; integers (and integral counts stored as floats are the caller's to convert) as
    integers with separators.
    """
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != v:  # NaN
            return "n/a"
        if v != 0.0 and abs(v) < 0.01:
            return f"{v:.3g}"
        return f"{v:,.2f}"
    return str(v)
