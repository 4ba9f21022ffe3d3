"""Option chain importers: CBOE DataShop, OptionsDX and HistoricalOptionData layouts.

Each importer turns one parsed CSV (``CsvTable``, source lines kept) into an ``option_chains``
``Piece`` (see ``alvh.market.schema.OPTION_CHAINS``) whose ``quality`` column holds the
validation flags of ``alvh.market.chain_quality`` (flagged rows are kept, never dropped).
A value that cannot be a quote (not a number, a negative price, a malformed date, an expiry
before the quote date) raises ``DataFormatError`` naming file, line, column and value.

Layouts (detected by header, see ``detect_chain_layout``)
--------------------------------------------------------
- CBOE DataShop, long (one row per option): ``quote_date, expiration, strike, option_type``
  and either the 15:45 quotes ``bid_1545, ask_1545, underlying_bid_1545, underlying_ask_1545``
  (preferred) or the end-of-day ones ``bid_eod, ask_eod, underlying_bid_eod,
  underlying_ask_eod``; optional ``root``, ``bid_size_*``/``ask_size_*``, ``trade_volume``,
  ``open_interest``, ``active_underlying_price_*``. Without ``root`` (the reduced layout) the
  root is taken from ``--symbol``, else from the file name (``spxw``/``spx``), else standard
  third-Friday expirations are ``SPX`` and the others ``SPXW``; a note says which.
- OptionsDX end of day, wide (one row per strike, both rights): ``[QUOTE_DATE]``,
  ``[UNDERLYING_LAST]``, ``[EXPIRE_DATE]``, ``[STRIKE]``, ``[C_BID]``, ``[C_ASK]``, ``[P_BID]``,
  ``[P_ASK]``; optional ``[C_VOLUME]``, ``[P_VOLUME]``, ``[C_SIZE]``/``[P_SIZE]``
  (``"bid_size x ask_size"``). Column names are matched without case and surrounding spaces.
  The root is not in the file: third-Friday expirations are ``SPX`` (AM-settled), others
  ``SPXW``.
- HistoricalOptionData: ``underlying, underlying_last, type, expiration, quotedate, strike, bid,
  ask``; optional ``volume``, ``openinterest``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from alvh.calendar.expiries import spx_monthly_expiry, third_friday
from alvh.errors import DataFormatError
from alvh.market.chain_quality import quality_flags
from alvh.market.importers.common import (
    RANK_PRIMARY,
    CsvTable,
    FileResult,
    Piece,
    header_of,
    parse_dates,
    parse_floats,
    read_csv_text,
)
from alvh.market.schema import CHAIN_TIME, OPTION_CHAINS, at_time

ChainImporter = Callable[[CsvTable, "str | None"], FileResult]

DATASHOP_KEYS: Final = ("quote_date", "expiration", "strike", "option_type")
OPTIONSDX_KEYS: Final = (
    "[QUOTE_DATE]",
    "[UNDERLYING_LAST]",
    "[EXPIRE_DATE]",
    "[STRIKE]",
    "[C_BID]",
    "[C_ASK]",
    "[P_BID]",
    "[P_ASK]",
)
HOD_KEYS: Final = (
    "underlying",
    "underlying_last",
    "type",
    "expiration",
    "quotedate",
    "strike",
    "bid",
    "ask",
)
CHAIN_ROOTS: Final = ("SPX", "SPXW")


def read_chain_table(text: str, path: str) -> CsvTable:
    """Parse a chain file's text like ``common.read_csv_text``, with pandas' C parser.

    Chain files run to millions of lines; the C parser reads them about ten times faster than
    the line-by-line reader. Blank lines are kept while parsing so that row ``i`` is on line
    ``header_line + 1 + i``, then dropped. A file the C parser refuses (a row with the wrong
    number of fields) goes through ``read_csv_text``, whose error names the line.
    """
    header, hline = header_of(text)
    if not header:
        raise DataFormatError(path, None, None, None, "a CSV file with a header line")
    raw_lines = text.splitlines()[hline:]
    if '"' in text:
        return read_csv_text(text, path)  # quoted fields: the line reader handles them
    # Every non-blank line must have the header's number of fields (the C parser would pad a
    # short row silently); otherwise the line reader names the first bad line.
    want = len(header) - 1
    if any(line.count(",") != want and line.strip() for line in raw_lines):
        return read_csv_text(text, path)
    body = "\n".join(raw_lines)
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
            usecols=range(len(header)),
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, pd.errors.EmptyDataError):
        return read_csv_text(text, path)
    if frame.shape[1] != len(header):
        return read_csv_text(text, path)
    blank = (frame == "").all(axis=1).to_numpy()
    lines = hline + 1 + np.flatnonzero(~blank).astype(np.int64)
    kept = frame[~blank]
    # Leading blanks went with skipinitialspace; strip the rest only where a blank precedes
    # a separator or a line end (rare, and stripping every cell costs seconds).
    trailing = re.search(r"[ \t](,|$)", body, re.MULTILINE) is not None
    cols = {
        h: (kept[j].str.strip() if trailing else kept[j]).to_numpy(dtype=object)
        for j, h in enumerate(header)
    }
    return CsvTable(path, header, hline, cols, lines)


def _require(t: CsvTable, columns: tuple[str, ...], layout: str) -> None:
    """Raise naming the first missing column (only that one, and the layout it belongs to)."""
    for col in columns:
        if not t.has(col):
            raise DataFormatError(t.path, t.header_line, col, None, f"a '{col}' column ({layout})")


def _fail_at(t: CsvTable, mask: np.ndarray, col: str, expected: str) -> None:
    if np.any(mask):
        i = int(np.flatnonzero(mask)[0])
        raise DataFormatError(t.path, int(t.lines[i]), t.real_name(col), t.col(col)[i], expected)


def _prices(t: CsvTable, col: str) -> np.ndarray:
    """A bid or ask column: a number >= 0 on every row (a negative quote is refused)."""
    v = parse_floats(t, col, missing=frozenset())
    _fail_at(t, v < 0.0, col, "a price >= 0")
    return v


def _optional(t: CsvTable, col: str) -> np.ndarray | None:
    """An optional count column (volume, size, open interest); blanks are NaN."""
    if not t.has(col):
        return None
    v = parse_floats(t, col)
    _fail_at(t, v < 0.0, col, "a count >= 0")
    return v


def _chain_dates(t: CsvTable, quote_col: str, expiry_col: str) -> tuple[np.ndarray, np.ndarray]:
    q = _first_ten(t, quote_col)
    e = _first_ten(t, expiry_col)
    _fail_at(t, e < q, expiry_col, "an expiration on or after the quote date")
    return q, e


def _first_ten(t: CsvTable, col: str) -> np.ndarray:
    # OptionsDX writes " 2020-05-28"; DataShop sometimes "2020-05-28 00:00:00": keep the date.
    name = t.real_name(col)
    short = np.array([str(v)[:10] for v in t.cols[name]], dtype=object)
    t2 = CsvTable(t.path, t.header, t.header_line, {**t.cols, name: short}, t.lines)
    return parse_dates(t2, col)


def _is_standard_monthly(d: pd.Timestamp) -> bool:
    """Whether ``d`` is the month's standard (AM) SPX expiration: its third Friday, or the
    session before when that Friday is a holiday (only then is the calendar consulted)."""
    tf = third_friday(d.year, d.month)
    if d.date() == tf:
        return True
    if d.date() == tf - pd.Timedelta(days=1).to_pytimedelta():
        return d.date() == spx_monthly_expiry(d.year, d.month)
    return False


def _third_friday_root(expiry: np.ndarray) -> np.ndarray:
    days = pd.DatetimeIndex(expiry)
    uniq = {d: ("SPX" if _is_standard_monthly(d) else "SPXW") for d in days.unique()}
    return np.array([uniq[d] for d in days], dtype=object)


def _root_from_name(path: str) -> str | None:
    tokens = [tok for tok in re.split(r"[^a-z0-9]+", Path(path).name.lower()) if tok]
    for tok in tokens:
        if tok in ("spxw", "spx"):
            return tok.upper()
    return None


def chain_piece(
    t: CsvTable,
    lines: np.ndarray,
    columns: dict[str, object],
    sizes: tuple[np.ndarray, np.ndarray] | None,
) -> Piece:
    """Return the canonical ``option_chains`` piece of ``columns``, its rows flagged.

    ``columns`` holds quote_date, root, expiry, strike, right, bid, ask, underlying and
    optionally volume, open_interest (arrays of one length, or scalars); ``sizes`` the bid and
    ask sizes where the layout has them (used by the ``stale`` flag).

    Raises
    ------
    DataFormatError
        If two rows have the same contract (quote date, root, expiry, right, strike).
    """
    frame = pd.DataFrame(columns)
    frame["known_at"] = at_time(pd.DatetimeIndex(frame["quote_date"]), CHAIN_TIME).to_numpy()
    frame["_line"] = lines
    key = list(OPTION_CHAINS.key)
    dup = frame.duplicated(key, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        row = frame.iloc[i]
        raise DataFormatError(
            t.path,
            int(lines[i]),
            None,
            f"{row['root']} {pd.Timestamp(row['expiry']).date()} {row['strike']:g} {row['right']}",
            "one row per contract (quote date, root, expiration, strike, type); this one "
            "repeats an earlier line",
        )
    frame["quality"] = quality_flags(
        frame, None if sizes is None else sizes[0], None if sizes is None else sizes[1]
    )
    out = OPTION_CHAINS.conform(frame.drop(columns="_line"))
    # conform sorts by key: carry the source lines along in the same order.
    order = frame.sort_values(key, kind="mergesort")["_line"].to_numpy(np.int64)
    return Piece("option_chains", out, order, RANK_PRIMARY)


def import_datashop(t: CsvTable, symbol: str | None = None) -> FileResult:
    """Import a CBOE DataShop option summary (full or reduced 15:45 layout)."""
    layout = "CBOE DataShop layout"
    _require(t, DATASHOP_KEYS, layout)
    stamp = "1545" if t.has("bid_1545") else "eod"
    bid_col, ask_col = f"bid_{stamp}", f"ask_{stamp}"
    ub, ua = f"underlying_bid_{stamp}", f"underlying_ask_{stamp}"
    _require(t, (bid_col, ask_col, ub, ua), layout)
    res = FileResult(t.path, "cboe_datashop")
    kind = np.array([str(v).strip().upper() for v in t.col("option_type")], dtype=object)
    kind = np.where(kind == "CALL", "C", np.where(kind == "PUT", "P", kind))
    _fail_at(t, ~np.isin(kind, ("C", "P")), "option_type", "'C' or 'P'")
    q, e = _chain_dates(t, "quote_date", "expiration")
    u_bid, u_ask = parse_floats(t, ub), parse_floats(t, ua)
    under = np.where((u_bid > 0.0) & (u_ask >= u_bid), 0.5 * (u_bid + u_ask), np.nan)
    for col in (f"active_underlying_price_{stamp}", f"implied_underlying_price_{stamp}"):
        if t.has(col):
            alt = parse_floats(t, col)
            under = np.where(~(under > 0.0) & (alt > 0.0), alt, under)
    strike = parse_floats(t, "strike", missing=frozenset())
    bid, ask = _prices(t, bid_col), _prices(t, ask_col)
    if t.has("root"):
        root: object = np.array([str(v).strip().upper() for v in t.col("root")], dtype=object)
    else:
        given = symbol.strip().upper().lstrip("^") if symbol else None
        named = _root_from_name(t.path)
        if given in CHAIN_ROOTS:
            root, how = given, f"--symbol {given}"
        elif named is not None:
            root, how = named, "the file name"
        else:
            root, how = _third_friday_root(e), "the expiration (third Friday SPX, else SPXW)"
        res.notes.append(f"no root column: root taken from {how}")
    sizes = None
    if t.has(f"bid_size_{stamp}") and t.has(f"ask_size_{stamp}"):
        bs, asz = _optional(t, f"bid_size_{stamp}"), _optional(t, f"ask_size_{stamp}")
        assert bs is not None and asz is not None
        sizes = (bs, asz)
    missing = ~(under > 0.0)
    if missing.any():
        # DataShop leaves index bid/ask at 0 without a Cboe index licence: read the level off
        # put-call parity at the nearest expiry instead, and say so.
        family = (
            np.array([str(v).strip().upper() for v in t.col("underlying_symbol")], dtype=object)
            if t.has("underlying_symbol")
            else np.broadcast_to(np.asarray(root, dtype=object), q.shape)
        )
        under = _underlying_from_parity(family, q, e, strike, kind, bid, ask, under)
        _fail_at(t, ~(under > 0.0), ub, "an underlying price > 0 (or quotes to infer it)")
        res.notes.append(
            f"{int(missing.sum()):,} rows without an underlying bid/ask: underlying taken "
            "from put-call parity at the nearest expiry (strike where C - P is smallest)"
        )
    res.pieces.append(
        chain_piece(
            t,
            t.lines,
            {
                "quote_date": q,
                "root": root,
                "expiry": e,
                "strike": strike,
                "right": kind,
                "bid": bid,
                "ask": ask,
                "underlying": under,
                "volume": _optional(t, "trade_volume"),
                "open_interest": _optional(t, "open_interest"),
            },
            sizes,
        )
    )
    res.notes.append(f"quotes: {bid_col}/{ask_col}")
    return res


def _underlying_from_parity(
    family: np.ndarray,
    q: np.ndarray,
    e: np.ndarray,
    strike: np.ndarray,
    kind: np.ndarray,
    bid: np.ndarray,
    ask: np.ndarray,
    under: np.ndarray,
) -> np.ndarray:
    """Fill missing underlying levels per underlying (``family``: the underlying symbol, else
    the root) and quote date: ``K + C_mid - P_mid`` at the strike of the nearest expiry
    (>= 3 two-sided strikes on both rights) where ``|C - P|`` is smallest. Over a few days to
    expiry the discount and carry are below a tick of the level."""
    f = pd.DataFrame(
        {"u": family, "q": q, "e": e, "k": strike, "r": kind, "mid": (bid + ask) / 2.0}
    )
    f = f[(bid > 0.0) & (ask >= bid)]
    out = under.copy()
    for (name, day), g in f.groupby(["u", "q"], sort=True):
        wide = g.pivot_table(index=["e", "k"], columns="r", values="mid", aggfunc="first")
        if not {"C", "P"} <= set(wide.columns):
            continue
        wide = wide.dropna(subset=["C", "P"])
        counts = wide.groupby(level="e").size()
        usable = counts[counts >= 3].index
        if not len(usable):
            continue
        near = wide.loc[usable.min()]
        diff = (near["C"] - near["P"]).to_numpy()
        i = int(np.argmin(np.abs(diff)))
        level = float(near.index[i]) + float(diff[i])
        hole = (family == name) & (q == day) & ~(out > 0.0)
        out[hole] = level
    return out


def _split_size(t: CsvTable, col: str) -> tuple[np.ndarray, np.ndarray]:
    """OptionsDX ``[C_SIZE]`` is ``"bid_size x ask_size"`` (e.g. ``12 x 14``); blank = NaN."""
    raw = pd.Series(t.col(col), dtype=object).str.strip()
    parts = raw.str.lower().str.split("x", n=1, expand=True).reindex(columns=[0, 1])
    bid = pd.to_numeric(parts[0].str.strip(), errors="coerce").to_numpy(np.float64)
    ask = pd.to_numeric(parts[1].str.strip(), errors="coerce").to_numpy(np.float64)
    bad = (raw != "").to_numpy() & (np.isnan(bid) | np.isnan(ask))
    _fail_at(t, bad, col, "sizes like '12 x 14'")
    return bid, ask


def import_optionsdx(t: CsvTable, symbol: str | None = None) -> FileResult:
    """Import an OptionsDX end-of-day file: each line gives a call row and a put row."""
    _require(t, OPTIONSDX_KEYS, "OptionsDX layout")
    res = FileResult(t.path, "optionsdx")
    q, e = _chain_dates(t, "[QUOTE_DATE]", "[EXPIRE_DATE]")
    strike = parse_floats(t, "[STRIKE]", missing=frozenset())
    under = parse_floats(t, "[UNDERLYING_LAST]", missing=frozenset())
    _fail_at(t, ~(under > 0.0), "[UNDERLYING_LAST]", "an underlying price > 0")
    root = _third_friday_root(e)
    res.notes.append("root from the expiration (third Friday SPX, else SPXW)")
    n = len(t)
    cols: dict[str, list[np.ndarray]] = {}
    sizes: list[tuple[np.ndarray, np.ndarray]] = []
    for right in ("C", "P"):
        vol = _optional(t, f"[{right}_VOLUME]")
        size_col = f"[{right}_SIZE]"
        sizes.append(_split_size(t, size_col) if t.has(size_col) else (np.full(n, np.nan),) * 2)
        side = {
            "quote_date": q,
            "root": root,
            "expiry": e,
            "strike": strike,
            "right": np.full(n, right, dtype=object),
            "bid": _prices(t, f"[{right}_BID]"),
            "ask": _prices(t, f"[{right}_ASK]"),
            "underlying": under,
            "volume": np.full(n, np.nan) if vol is None else vol,
        }
        for k, v in side.items():
            cols.setdefault(k, []).append(np.asarray(v))
    has_sizes = t.has("[C_SIZE]") and t.has("[P_SIZE]")
    res.pieces.append(
        chain_piece(
            t,
            np.concatenate([t.lines, t.lines]),
            {k: np.concatenate(v) for k, v in cols.items()},
            (
                np.concatenate([sizes[0][0], sizes[1][0]]),
                np.concatenate([sizes[0][1], sizes[1][1]]),
            )
            if has_sizes
            else None,
        )
    )
    return res


def import_hod(t: CsvTable, symbol: str | None = None) -> FileResult:
    """Import a HistoricalOptionData-style file (one row per option, ``type`` call/put)."""
    _require(t, HOD_KEYS, "HistoricalOptionData layout")
    res = FileResult(t.path, "hod")
    kind = np.array([str(v).strip().lower() for v in t.col("type")], dtype=object)
    _fail_at(t, ~np.isin(kind, ("call", "put")), "type", "'call' or 'put'")
    q, e = _chain_dates(t, "quotedate", "expiration")
    under = parse_floats(t, "underlying_last", missing=frozenset())
    _fail_at(t, ~(under > 0.0), "underlying_last", "an underlying price > 0")
    res.pieces.append(
        chain_piece(
            t,
            t.lines,
            {
                "quote_date": q,
                "root": np.array([str(v).strip().upper() for v in t.col("underlying")], object),
                "expiry": e,
                "strike": parse_floats(t, "strike", missing=frozenset()),
                "right": np.where(kind == "call", "C", "P").astype(object),
                "bid": _prices(t, "bid"),
                "ask": _prices(t, "ask"),
                "underlying": under,
                "volume": _optional(t, "volume"),
                "open_interest": _optional(t, "openinterest"),
            },
            None,
        )
    )
    return res


CHAIN_IMPORTERS: Final[dict[str, ChainImporter]] = {
    "optionsdx": import_optionsdx,
    "cboe_datashop": import_datashop,
    "hod": import_hod,
}
"""Chain importers by layout name."""


def detect_chain_layout(header: tuple[str, ...]) -> str | None:
    """Return the chain layout a header belongs to (a key of ``CHAIN_IMPORTERS``), or None.

    Detection is by a few distinctive columns so that a file missing another required column
    is still recognised and its importer names the missing column.
    """
    h = {c.strip().lower() for c in header}
    if any(c.startswith("[") and c.endswith("]") for c in h) and (
        {"[c_bid]", "[p_bid]", "[strike]", "[quote_date]", "[expire_date]"} & h
    ):
        return "optionsdx"
    if ("option_type" in h and ({"quote_date", "expiration", "strike"} & h)) or {
        "quote_date",
        "expiration",
        "strike",
    } <= h:
        return "cboe_datashop"
    if "optionroot" in h or "quotedate" in h or {"underlying_last", "type", "strike"} <= h:
        return "hod"
    return None
