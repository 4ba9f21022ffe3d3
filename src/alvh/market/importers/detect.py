"""Recognise a file's format by its header (never by its name alone) and import it.

``import_file`` reads a CSV, a ``.csv.gz`` or a ``.tar.gz`` of CSVs (members read directly),
detects each one's layout, imports and validates it, and returns one ``FileResult``.
"""

from __future__ import annotations

import gzip
import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.errors import DataFormatError
from alvh.market.importers import cboe, cfe, events, fred
from alvh.market.importers.chains import CHAIN_IMPORTERS, detect_chain_layout, read_chain_table
from alvh.market.importers.common import (
    CsvTable,
    FileResult,
    Piece,
    header_of,
    normalise_symbol,
    read_csv_text,
)
from alvh.market.schema import INDEX_SYMBOLS, TABLES
from alvh.market.validate import drop_documented_non_sessions, validate_result

Importer = Callable[[CsvTable, "str | None"], FileResult]

KNOWN_LAYOUTS = (
    "CFE per-contract VX (Trade Date,Futures,...,Settle,...)",
    "CBOE index history (DATE,OPEN,HIGH,LOW,CLOSE or DATE,<INDEX>)",
    "Yahoo OHLC (Date,Open,High,Low,Close,Adj Close,Volume)",
    "FRED series (DATE,<SERIES> or observation_date,<SERIES>)",
    "events (date,kind[,time_et,scheduled])",
    "option chains: CBOE DataShop (quote_date,expiration,strike,option_type,...), "
    "OptionsDX ([QUOTE_DATE],...,[C_BID],...) or HistoricalOptionData (quotedate,...)",
    "the normalised files of shared/data (see docs/data.md)",
)


# The column sets ``detect`` asks for, by layout: a header that has most of one (two columns or
# more, half or more of the set) but not all is that layout missing columns, and is told which.
_REQUIRED: tuple[tuple[str, frozenset[str]], ...] = (
    ("CFE per-contract VX", frozenset({"trade date", "futures", "settle"})),
    ("VX per-contract panel", frozenset({"trade_date", "contract", "expiry", "settle"})),
    ("VX continuous", frozenset({"date", "vx1", "vx1_contract", "vx1_expiry"})),
    ("Yahoo OHLC", frozenset({"date", "open", "high", "low", "close", "adj close"})),
    ("CBOE index history", frozenset({"date", "open", "high", "low", "close"})),
    ("events", frozenset({"date", "kind"})),
)


def missing_columns(header: tuple[str, ...]) -> tuple[str, list[str]] | None:
    """Return (layout, missing column names) for a header that nearly matches one layout."""
    hs = {c.strip().lower() for c in header}
    best: tuple[int, str, list[str]] | None = None  # fewest missing wins; ties: listed first
    for name, need in _REQUIRED:
        have = len(need & hs)
        if have >= 2 and 2 * have >= len(need) and have < len(need):
            lacking = sorted(need - hs)
            if best is None or len(lacking) < best[0]:
                best = (len(lacking), name, lacking)
    return None if best is None else (best[1], best[2])


def detect(header: tuple[str, ...]) -> tuple[str, Importer] | None:
    """Return (format name, importer) for a header, or None if no layout matches."""
    h = [c.strip().lower() for c in header]
    hs = set(h)
    chain = detect_chain_layout(header)
    if chain is not None:
        return chain, CHAIN_IMPORTERS[chain]
    if {"trade date", "futures", "settle"} <= hs:
        return "cfe_raw", lambda t, s: cfe.import_cfe_raw(t)
    if {"trade_date", "contract", "settle", "suspect_settle"} <= hs:
        return "cfe_contracts", lambda t, s: cfe.import_cfe_long(t)
    if {"trade_date", "contract", "expiry", "settle"} <= hs:
        return "vx_panel", lambda t, s: cfe.import_vx_panel(t)
    if {"contract", "contract_month", "expiry"} <= hs:
        return "vx_expiry_calendar", lambda t, s: cfe.check_expiry_calendar(t)
    if {"date", "vx1", "vx1_contract", "vx1_expiry"} <= hs:
        return "vx_continuous", lambda t, s: cfe.import_vx_continuous(t)
    if {"decision_date", "type"} <= hs:
        return "fomc", lambda t, s: events.import_fomc(t)
    if {"release_date", "reference_month"} <= hs:
        return "cpi", lambda t, s: events.import_cpi(t)
    if {"date", "kind"} <= hs:
        return "events", lambda t, s: events.import_events(t)
    if {"date", "open", "high", "low", "close", "adj close"} <= hs:
        return "yahoo", cboe.import_yahoo
    if {"date", "open", "high", "low", "close"} <= hs:
        return "index_ohlc", cboe.import_index_ohlc
    if h and h[0] in ("date", "observation_date") and len(h) >= 2:
        values = [c for c in header[1:] if c.lower() != "suspect"]
        if values and all(normalise_symbol(c) in INDEX_SYMBOLS for c in values):
            return "index_close", lambda t, s: cboe.import_index_close(t)
        if len(values) == 1:
            return "fred", lambda t, s: fred.import_fred(t)
    return None


def decode_bytes(data: bytes, path: str) -> str:
    """Return a file's text: gunzipped when gzip, UTF-8 (BOM dropped) else Latin-1."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except OSError as e:
            raise DataFormatError(path, None, None, None, f"a readable gzip file ({e})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def import_text(text: str, path: str, symbol: str | None = None) -> FileResult:
    """Detect, import and validate one CSV given as text; ``path`` is used in messages."""
    if not text.strip():
        raise DataFormatError(
            path, None, None, None, "a CSV file with a header and rows; it is empty"
        )
    header, line = header_of(text)
    if not text.strip():
        raise DataFormatError(path, None, None, None, "a CSV file with a header (it is empty)")
    found = detect(header)
    near = missing_columns(header) if found is None else None
    if near is not None:
        raise DataFormatError(
            path,
            line or None,
            None,
            ",".join(header),
            f"a {near[0]} header; it lacks the column(s) {', '.join(near[1])}",
        )
    if found is None:
        raise DataFormatError(
            path,
            line or None,
            None,
            ",".join(header) or None,
            "a header of a known layout: " + "; ".join(KNOWN_LAYOUTS),
        )
    fmt, importer = found
    # Chain files are large: they are parsed by pandas' C parser (same table, same lines).
    reader = read_chain_table if fmt in CHAIN_IMPORTERS else read_csv_text
    res = importer(reader(text, path), symbol)
    res.fmt = fmt
    drop_documented_non_sessions(res)
    validate_result(res)
    return res


def _combine(path: str, results: list[FileResult]) -> FileResult:
    """Merge the results of an archive's members; a key repeated across members keeps the last."""
    out = FileResult(path, "archive")
    fmts = sorted({r.fmt for r in results})
    out.fmt = "archive(" + ",".join(fmts) + ")"
    groups: dict[tuple[str, int], list[Piece]] = {}
    for r in results:
        out.dropped.update(r.dropped)
        for p in r.pieces:
            groups.setdefault((p.table, p.rank), []).append(p)
    notes: set[str] = set()
    for r in results:
        notes.update(n for n in r.notes if "divided by 10" not in n)
    out.notes.extend(sorted(notes))
    for (table, rank), ps in sorted(groups.items()):
        frame = pd.concat([p.frame for p in ps], ignore_index=True)
        lines = np.concatenate([p.lines for p in ps])
        key = list(TABLES[table].key)
        if table == "vx_settlements":
            key = ["date", "contract"]
        dup = frame.duplicated(key, keep="last").to_numpy()
        if dup.any():
            out.notes.append(f"{int(dup.sum())} {table} rows repeated across members (last kept)")
        out.pieces.append(Piece(table, frame[~dup].reset_index(drop=True), lines[~dup], rank))
    return out


def import_file(path: str | Path, symbol: str | None = None) -> FileResult:
    """Import one file: a CSV, a gzipped CSV, or a tar archive of CSVs.

    Parameters
    ----------
    path
        The file.
    symbol
        Index symbol for files whose layout does not name it (Yahoo, CBOE OHLC), overriding
        the guess from the file name.

    Raises
    ------
    DataFormatError
        If the file (or an archive member) has an unknown layout or a bad value.
    """
    p = Path(path)
    name = p.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        results = []
        try:
            with tarfile.open(p, "r:*") as tar:
                members = sorted(
                    (m for m in tar.getmembers() if m.isfile() and m.name.lower().endswith(".csv")),
                    key=lambda m: m.name,
                )
                for m in members:
                    fh = tar.extractfile(m)
                    assert fh is not None  # regular members always have a file object
                    label = f"{p}:{m.name}"
                    results.append(import_text(decode_bytes(fh.read(), label), label, symbol))
        except tarfile.TarError as e:
            raise DataFormatError(
                str(p), None, None, None, f"a readable tar archive ({e})"
            ) from None
        if not results:
            raise DataFormatError(str(p), None, None, None, "an archive holding .csv files")
        return _combine(str(p), results)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DataFormatError(str(p), None, None, None, f"a readable file ({e.strerror})") from None
    return import_text(decode_bytes(data, str(p)), str(p), symbol)
