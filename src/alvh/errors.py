"""Typed errors a user can cause.

Every error here is meant to be shown to a user as one clear message (the CLI prints ``str(err)``
and no traceback unless ``--debug``). Each says what was wrong, where, and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


class AlvhError(Exception):
    """Base class of every error a user can cause; its message is the whole story."""


@dataclass(eq=False)
class DataFormatError(AlvhError):
    """A data file that cannot be read as what it claims to be.

    Parameters
    ----------
    path
        The file.
    line
        1-based line number in the file (the header is line 1), or None when not line-specific.
    field
        The column or field name, or None.
    value
        The offending value as read (a string), or None.
    expected
        What was expected instead, in words.
    """

    path: str | Path
    line: int | None
    field: str | None
    value: object
    expected: str

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f", line {self.line}"
        if self.field is not None:
            where += f", column '{self.field}'"
        got = "" if self.value is None else f": got {self.value!r}"
        return f"{where}{got}; expected {self.expected}"


@dataclass(eq=False)
class ConfigError(AlvhError):
    """A configuration value or key that is not allowed.

    Parameters
    ----------
    key_path
        Dotted path of the key, e.g. ``hedge.triggers.iv_shift.threshold``.
    value
        The value given (None for a missing key).
    expected
        What is allowed instead.
    source
        The file the value came from, if any.
    """

    key_path: str
    value: object
    expected: str
    source: str | Path | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source is not None else ""
        return f"{where}'{self.key_path}' = {_show(self.value)}; expected {self.expected}"


def _show(value: object, limit: int = 80) -> str:
    """A value as the user wrote it in TOML: dates ISO, tables as ``{key = value, ...}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_show(v, limit)}" for k, v in value.items()) + "}"
        return text if len(text) <= limit else text[: limit - 4] + " ...}"
    return repr(value)


class NoDataError(AlvhError):
    """Data asked for that the market data does not hold (a date, a series, a contract)."""


class StoreError(AlvhError):
    """The local market data store cannot do what was asked (corrupt, locked, missing)."""


class NetworkError(AlvhError):
    """A download was asked for and the network is not reachable (fail fast, say so)."""


class PricingError(AlvhError):
    """A price or implied vol that cannot be computed from the inputs given."""
