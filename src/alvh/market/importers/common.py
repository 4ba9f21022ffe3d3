"""Shared pieces of every importer: a line-tracking CSV reader, typed column parsers, results.

Importers turn one source file into ``Piece`` objects: a canonical table fragment (see
``alvh.market.schema``) plus, row by row, the line of the source file it came from, so that
validation can name the exact line of a bad value.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.errors import DataFormatError
from alvh.market.schema import INDEX_SYMBOLS, TABLES

# Merge ranks: when two imports hold the same key, the higher rank wins (then the later import).
# Cleaned per-contract CFE rows beat raw exchange files, which beat derived panels and
# continuous (VX1..VX8) series; dedicated index files beat multi-index close-only tables.
RANK_PRIMARY = 30
RANK_RAW = 20
RANK_DERIVED = 10
RANK_CONTINUOUS = 5


@dataclass
class Piece:
    """One canonical-table fragment read from one source file.

    Attributes
    ----------
    table
        Canonical table name (``index_bars``, ``vx_settlements``, ...).
    frame
        Rows in the table's columns (``known_at`` included), in source order.
    lines
        1-based source line of each row (same length as ``frame``).
    rank
        Merge rank (see ``RANK_*``): higher wins on equal keys.
    """

    table: str
    frame: pd.DataFrame
    lines: np.ndarray
    rank: int


@dataclass
class FileResult:
    """What one source file (or archive) gave: pieces, dropped rows by reason, notes."""

    path: str
    fmt: str
    pieces: list[Piece] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def drop(self, reason: str, n: int) -> None:
        """Count ``n`` rows dropped for ``reason`` (no-op when n == 0)."""
        if n:
            self.dropped[reason] += int(n)


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as string columns with the source line of every row."""

    path: str
    header: tuple[str, ...]
    header_line: int
    cols: dict[str, np.ndarray]  # original header name -> object array of str
    lines: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.lines)

    def col(self, name: str) -> np.ndarray:
        """Return a column by case-insensitive name."""
        return self.cols[self.real_name(name)]

    def real_name(self, name: str) -> str:
        """Return the header's spelling of a column (case-insensitive match)."""
        for h in self.header:
            if h.lower() == name.lower():
                return h
        raise DataFormatError(self.path, self.header_line, name, None, f"a column {name!r}")

    def has(self, name: str) -> bool:
        return any(h.lower() == name.lower() for h in self.header)

    def take(self, mask: np.ndarray) -> CsvTable:
        """Return the rows where ``mask`` is true."""
        return CsvTable(
            self.path,
            self.header,
            self.header_line,
            {k: v[mask] for k, v in self.cols.items()},
            self.lines[mask],
        )


def header_of(text: str) -> tuple[tuple[str, ...], int]:
    """Return the header fields and its 1-based line: the first non-blank line with a comma.

    CFE files since 2013 start with a one-line disclaimer without commas; it is skipped.
    """
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if line and "," in line:
            fields = next(csv.reader([line]))
            while fields and not fields[-1].strip():
                fields.pop()
            return tuple(f.strip() for f in fields), i
    return (), 0


def read_csv_text(text: str, path: str) -> CsvTable:
    """Parse CSV ``text`` into string columns, tracking source lines.

    Blank lines are skipped, trailing empty fields (a trailing comma) are ignored, and a row
    with a different number of fields than the header raises ``DataFormatError``.
    """
    header, hline = header_of(text)
    if not header:
        raise DataFormatError(path, None, None, None, "a CSV file with a header line")
    n = len(header)
    if len(set(h.lower() for h in header)) != n:
        raise DataFormatError(path, hline, None, ",".join(header), "unique column names")
    all_lines = text.splitlines()[hline:]
    rows: list[list[str]] = []
    line_nos: list[int] = []
    for off, fields in enumerate(csv.reader(all_lines)):
        lineno = hline + 1 + off
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if len(fields) != n:
            while len(fields) > n and not fields[-1].strip():
                fields.pop()
            if len(fields) != n:
                raise DataFormatError(
                    path,
                    lineno,
                    None,
                    all_lines[off],
                    f"{n} comma-separated fields like the header",
                )
        rows.append(fields)
        line_nos.append(lineno)
    arr = np.array(rows, dtype=object).reshape(len(rows), n)
    cols = {h: np.char.strip(arr[:, j].astype(str)).astype(object) for j, h in enumerate(header)}
    return CsvTable(path, header, hline, cols, np.asarray(line_nos, dtype=np.int64))


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d")


def parse_dates(t: CsvTable, name: str) -> np.ndarray:
    """Return column ``name`` as ``datetime64[ns]`` (ISO, m/d/yyyy, m/d/yy or yyyymmdd, mixed).

    Raises
    ------
    DataFormatError
        At the first value that is no date in any accepted format.
    """
    raw = pd.Series(t.col(name), dtype=object)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    todo = np.ones(len(raw), dtype=bool)
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
        ok = parsed.notna().to_numpy()
        idx = np.flatnonzero(todo)[ok]
        out.iloc[idx] = parsed.to_numpy()[ok]
        todo[idx] = False
    if todo.any():
        i = int(np.flatnonzero(todo)[0])
        raise DataFormatError(
            t.path,
            int(t.lines[i]),
            t.real_name(name),
            raw.iloc[i],
            "a date like 2008-11-20 or 11/20/2008",
        )
    return out.to_numpy("datetime64[ns]")


def parse_floats(
    t: CsvTable, name: str, *, missing: frozenset[str] = frozenset({"", ".", "NaN", "nan", "NA"})
) -> np.ndarray:
    """Return column ``name`` as float64; ``missing`` tokens become NaN.

    Raises
    ------
    DataFormatError
        At the first value that is neither a number nor a missing token.
    """
    raw = t.col(name)
    s = pd.Series(raw, dtype=object)
    is_missing = s.isin(missing).to_numpy()
    vals = pd.to_numeric(s.where(~is_missing, None), errors="coerce").to_numpy(np.float64)
    bad = np.isnan(vals) & ~is_missing
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(t.path, int(t.lines[i]), t.real_name(name), raw[i], "a number")
    return vals


def parse_bools(t: CsvTable, name: str) -> np.ndarray:
    """Return a True/False column (also 1/0, yes/no, empty = False)."""
    raw = t.col(name)
    low = pd.Series(raw, dtype=object).str.lower()
    truthy = low.isin(["true", "1", "yes", "y", "t"]).to_numpy()
    falsy = low.isin(["false", "0", "no", "n", "f", ""]).to_numpy()
    bad = ~(truthy | falsy)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(t.path, int(t.lines[i]), t.real_name(name), raw[i], "True or False")
    return truthy


_SYMBOL_ALIASES = {
    "GSPC": "SPX",
    "SPX": "SPX",
    "SP500": "SPX",
    "VXV": "VIX3M",
    "VXST": "VIX9D",
    "VXMT": "VIX6M",
}


def symbol_from_name(path: str) -> str | None:
    """Guess an index symbol from a file name (``VIX_History.csv``, ``^GSPC.csv``, ...)."""
    stem = Path(path).name.upper()
    tokens = [tok for tok in re.split(r"[^A-Z0-9]+", stem) if tok]
    for tok in tokens:
        if tok in _SYMBOL_ALIASES:
            return _SYMBOL_ALIASES[tok]
        if tok in INDEX_SYMBOLS or tok in ("IRX", "DFF"):
            return tok
    return None


def normalise_symbol(sym: str) -> str:
    """Map a user- or file-given symbol to a canonical one (``^GSPC`` -> ``SPX``)."""
    s = sym.strip().upper().lstrip("^")
    return _SYMBOL_ALIASES.get(s, s)


def conform_piece(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the table's columns and dtypes, keeping source row order."""
    spec = TABLES[table]
    out = pd.DataFrame(index=range(len(frame)))
    for c in spec.columns:
        if c.name in frame.columns:
            out[c.name] = pd.Series(np.asarray(frame[c.name])).astype(np.dtype(c.dtype))
        else:
            out[c.name] = pd.Series(np.nan, index=out.index).astype(np.dtype(c.dtype))
    return out
