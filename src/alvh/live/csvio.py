"""Positions and fills files to checked rows; every bad value names file, line, field, value.

Positions file (``alvh book import``), one position a line, header first:

=============  ===============================================================================
column         meaning
=============  ===============================================================================
symbol         OCC option symbol, VX future or ticker (see ``alvh.live.symbols``); or instead
root, expiry,  the explicit option columns: ``SPX``/``SPXW``/``VIX``, ``YYYY-MM-DD``, ``C``/``P``,
right, strike  strike in points
quantity       signed whole contracts (shares for the ETF), non-zero (alias ``qty``)
avg_price      average price per unit as quoted (alias ``average_price``), >= 0
opened         date the position was opened, ``YYYY-MM-DD`` (alias ``open_date``)
tier, group    optional tags: condor tier (or hedge layer) and lot (condor id or tranche)
=============  ===============================================================================

Fills file (``alvh book fills``): ``date``, the symbol columns, ``quantity``, ``price``, and
optionally ``fees_usd`` (default 0), ``effect`` (``open`` or ``close``; default: ``close`` when
the book holds the contract, else ``open``), ``tier``, ``group``, ``reason``. Lines must be in
date order.

Nothing here touches a database: a file is read and checked whole before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from alvh.book.contracts import Contract
from alvh.errors import DataFormatError
from alvh.live.symbols import Foreign, SymbolError, parse_symbol

Effect = Literal["open", "close", "auto"]

_ALIASES = {
    "qty": "quantity",
    "average_price": "avg_price",
    "open_date": "opened",
    "fees": "fees_usd",
    "layer": "tier",
    "tranche": "group",
}
_EXPLICIT = ("root", "expiry", "right", "strike")


@dataclass(frozen=True, slots=True)
class Row:
    """One checked line of a positions or fills file.

    Parameters
    ----------
    line
        1-based line number in the file (the header is line 1).
    symbol
        The symbol as written (or built from the explicit columns).
    contract
        The contract, or ``Foreign`` for one the strategy does not trade.
    qty
        Signed whole contracts.
    price
        Average price (positions) or fill price, per unit as quoted.
    day
        Opened date (positions) or fill date.
    fees_usd
        Fees of the fill (0 for positions).
    tier, group
        Tags (may be empty).
    effect
        ``open``, ``close`` or ``auto`` (fills only).
    reason
        Free text.
    """

    line: int
    symbol: str
    contract: Contract | Foreign
    qty: int
    price: float
    day: date
    fees_usd: float = 0.0
    tier: str = ""
    group: str = ""
    effect: Effect = "auto"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A whole checked file: its rows, its content hash and its path."""

    path: Path
    sha256: str
    rows: tuple[Row, ...]


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(
            path, None, None, None, f"a readable UTF-8 CSV file ({exc})"
        ) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise DataFormatError(path, 1, None, None, "a header line")
    cols = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(cols):
            raise DataFormatError(
                path, line_no, None, ",".join(values), f"{len(cols)} fields like the header"
            )
        yield line_no, {c: v.strip() for c, v in zip(cols, values, strict=True)}


def _need(path: Path, line: int, rec: Mapping[str, str], name: str) -> str:
    v = rec.get(name)
    if v is None or v == "":
        raise DataFormatError(path, line, name, v, f"a value in column '{name}'")
    return v


def _date(path: Path, line: int, rec: Mapping[str, str], name: str) -> date:
    v = _need(path, line, rec, name)
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise DataFormatError(path, line, name, v, "a date YYYY-MM-DD") from None


def _int_qty(path: Path, line: int, rec: Mapping[str, str]) -> int:
    v = _need(path, line, rec, "quantity")
    try:
        x = float(v)
    except ValueError:
        raise DataFormatError(path, line, "quantity", v, "a signed whole number") from None
    if not math.isfinite(x) or x != int(x):
        raise DataFormatError(path, line, "quantity", v, "a whole number of contracts")
    if x == 0:
        raise DataFormatError(path, line, "quantity", v, "a non-zero quantity (+ long, - short)")
    return int(x)


def _price(path: Path, line: int, rec: Mapping[str, str], name: str, default: str | None) -> float:
    v = rec.get(name) or default
    if v is None:
        raise DataFormatError(path, line, name, None, f"a value in column '{name}'")
    try:
        x = float(v)
    except ValueError:
        raise DataFormatError(path, line, name, v, "a number") from None
    if not (math.isfinite(x) and x >= 0):
        raise DataFormatError(path, line, name, v, "a finite number >= 0")
    return x


def _symbol(
    path: Path, line: int, rec: Mapping[str, str], on: date, etf_symbol: str
) -> tuple[str, Contract | Foreign]:
    if rec.get("symbol"):
        text = rec["symbol"]
        field = "symbol"
    elif all(rec.get(c) for c in _EXPLICIT):
        try:
            strike = float(rec["strike"])
        except ValueError:
            raise DataFormatError(path, line, "strike", rec["strike"], "a number") from None
        text = f"{rec['root'].upper()} {rec['expiry']} {rec['right'].upper()} {strike:g}"
        field = "root/expiry/right/strike"
        _date(path, line, rec, "expiry")
    else:
        raise DataFormatError(
            path, line, "symbol", None, "a 'symbol' or the columns root, expiry, right, strike"
        )
    try:
        return text, parse_symbol(text, on=on, etf_symbol=etf_symbol)
    except (SymbolError, ValueError) as exc:
        raise DataFormatError(path, line, field, text, str(exc)) from None


def _duplicates(path: Path, rows: list[tuple[int, tuple[object, ...]]]) -> None:
    seen: dict[tuple[object, ...], int] = {}
    for line, key in rows:
        first = seen.setdefault(key, line)
        if first != line:
            raise DataFormatError(
                path, line, None, None, f"no duplicate of line {first} (same values twice)"
            )


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file's bytes (the idempotency key of an applied input)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_positions(path: str | Path, *, etf_symbol: str = "VXX") -> ParsedFile:
    """Read and check a positions file (columns in the module docstring).

    Raises
    ------
    alvh.errors.DataFormatError
        For an unreadable file, a missing or bad value, an unknown or malformed symbol, a zero or
        fractional quantity, or a position listed twice (same contract and tags).
    """
    p = Path(path)
    rows: list[Row] = []
    keys: list[tuple[int, tuple[object, ...]]] = []
    for line, rec in _records(p):
        opened = _date(p, line, rec, "opened")
        symbol, contract = _symbol(p, line, rec, opened, etf_symbol)
        row = Row(
            line=line,
            symbol=symbol,
            contract=contract,
            qty=_int_qty(p, line, rec),
            price=_price(p, line, rec, "avg_price", None),
            day=opened,
            tier=rec.get("tier", ""),
            group=rec.get("group", ""),
        )
        rows.append(row)
        # A position is one (contract, tier, group) lot: listing it twice is a broker-export
        # accident (or two accounts merged), never two positions.
        keys.append((line, (contract.id, row.tier, row.group)))
    if not rows:
        raise DataFormatError(p, None, None, None, "at least one position line after the header")
    _duplicates(p, keys)
    return ParsedFile(p, file_sha256(p), tuple(rows))


def read_fills(path: str | Path, *, etf_symbol: str = "VXX") -> ParsedFile:
    """Read and check a fills file (columns in the module docstring).

    Raises
    ------
    alvh.errors.DataFormatError
        For an unreadable file, a missing or bad value, an unknown or malformed symbol, a zero or
        fractional quantity, an ``effect`` other than open/close, dates out of order, or the
        same line twice.
    """
    p = Path(path)
    rows: list[Row] = []
    keys: list[tuple[int, tuple[object, ...]]] = []
    last_day: date | None = None
    for line, rec in _records(p):
        day = _date(p, line, rec, "date")
        if last_day is not None and day < last_day:
            raise DataFormatError(
                p, line, "date", rec["date"], f"dates in order (on or after {last_day})"
            )
        last_day = day
        symbol, contract = _symbol(p, line, rec, day, etf_symbol)
        effect = (rec.get("effect") or "auto").lower()
        if effect not in ("open", "close", "auto"):
            raise DataFormatError(p, line, "effect", rec.get("effect"), "'open' or 'close'")
        row = Row(
            line=line,
            symbol=symbol,
            contract=contract,
            qty=_int_qty(p, line, rec),
            price=_price(p, line, rec, "price", None),
            day=day,
            fees_usd=_price(p, line, rec, "fees_usd", "0"),
            tier=rec.get("tier", ""),
            group=rec.get("group", ""),
            effect=effect,  # type: ignore[arg-type]
            reason=rec.get("reason", ""),
        )
        rows.append(row)
        # Two identical lines are almost always a double export; a real second fill at the same
        # price differs at least in its reason or fees, or is written as one line of the sum.
        keys.append((line, tuple(sorted(rec.items()))))
    if not rows:
        raise DataFormatError(p, None, None, None, "at least one fill line after the header")
    _duplicates(p, keys)
    return ParsedFile(p, file_sha256(p), tuple(rows))
