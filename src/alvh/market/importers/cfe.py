"""VIX futures: CFE per-contract files (raw exchange layouts), and the shared normalised VX files
(per-contract long file, settle panel, continuous VX1..VX8).

Raw CFE layout (2004 onwards): ``Trade Date,Futures,Open,High,Low,Close,Settle,Change,
Total Volume,EFP,Open Interest``; dates m/d/yyyy, mm/dd/yyyy or ISO, sometimes a trailing comma,
since 2013 a one-line disclaimer above the header. Before 2007-03-26 CFE quoted VX at 10x the
VIX: those prices are divided by 10. The last row of an expired contract has OHLC 0 and its
Settle is the final settlement value (the SOQ).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.calendar.expiries import parse_vx_contract, vx_contract_code, vx_expiry
from alvh.errors import DataFormatError
from alvh.market.importers.common import (
    RANK_CONTINUOUS,
    RANK_DERIVED,
    RANK_PRIMARY,
    RANK_RAW,
    CsvTable,
    FileResult,
    Piece,
    conform_piece,
    parse_bools,
    parse_dates,
    parse_floats,
)
from alvh.market.schema import FINAL_SETTLEMENT_TIME, VX_SETTLE_TIME, at_time

RESCALE_BEFORE = np.datetime64("2007-03-26", "ns")  # CFE quoted VX at 10x VIX before this day
# A settle more than this relative move away from both neighbours of the same contract is a
# typo-like spike (e.g. 1.00 on 2008-04-21); no genuine daily VX settle move reached it in
# 2004-2015 once such rows are removed.
SPIKE_REL_MOVE = 0.40
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_LABEL = re.compile(r"^\s*([FGHJKMNQUVXZ])?\s*\(\s*([A-Za-z]{3})\s*(\d{2}|\d{4})\s*\)\s*$")
_FILE_CODE = re.compile(r"CFE_([FGHJKMNQUVXZ])(\d{2})_VX", re.IGNORECASE)
_FILE_DATE = re.compile(r"VX_(\d{4})-(\d{2})-(\d{2})", re.IGNORECASE)


_EXPIRIES: dict[tuple[int, int], np.datetime64] = {}  # vx_expiry is pure: memoise it


def expiry_of(year: int, month: int) -> np.datetime64:
    """Return ``vx_expiry(year, month)`` as ``datetime64[ns]`` (memoised)."""
    key = (year, month)
    if key not in _EXPIRIES:
        _EXPIRIES[key] = np.datetime64(vx_expiry(year, month), "ns")
    return _EXPIRIES[key]


def month_of_label(label: str) -> tuple[int, int] | None:
    """Return (year, month) of a CFE ``Futures`` label like ``F (Jan 08)`` or ``(Mar 2020)``."""
    m = _LABEL.match(label)
    if not m or m.group(2).upper() not in _MONTHS:
        return None
    month = _MONTHS.index(m.group(2).upper()) + 1
    yy = m.group(3)
    year = int(yy) if len(yy) == 4 else 2000 + int(yy)
    if m.group(1) and vx_contract_code(year, month)[2] != m.group(1):
        return None
    return year, month


def month_of_file(path: str) -> tuple[tuple[int, int] | None, bool]:
    """Return ((year, month) or None, is_weekly) from ``CFE_F08_VX.csv`` or ``VX_2020-03-18.csv``."""
    name = Path(path).name
    m = _FILE_CODE.search(name)
    if m:
        return parse_vx_contract(f"VX{m.group(1).upper()}{m.group(2)}"), False
    m = _FILE_DATE.search(name)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return (y, mo), vx_expiry(y, mo) != date(y, mo, d)
    return None, False


def _vx_frame(
    dates: np.ndarray,
    contracts: np.ndarray,
    expiries: np.ndarray,
    settle: np.ndarray,
    volume: np.ndarray | None,
    oi: np.ndarray | None,
) -> pd.DataFrame:
    d = pd.Series(dates)
    frame = pd.DataFrame(
        {
            "date": d,
            "contract": contracts,
            "expiry": expiries,
            "settle": settle,
            "volume": np.nan if volume is None else volume,
            "open_interest": np.nan if oi is None else oi,
            "known_at": at_time(d, VX_SETTLE_TIME).to_numpy(),
        }
    )
    return conform_piece("vx_settlements", frame)


def _final_piece(expiries: np.ndarray, values: np.ndarray, lines: np.ndarray, rank: int) -> Piece:
    e = pd.Series(expiries)
    frame = pd.DataFrame(
        {
            "product": "VX",
            "expiry": e,
            "value": values,
            "known_at": at_time(e, FINAL_SETTLEMENT_TIME).to_numpy(),
        }
    )
    return Piece("final_settlements", conform_piece("final_settlements", frame), lines, rank)


def _spikes(contracts: np.ndarray, settle: np.ndarray, protect: np.ndarray) -> np.ndarray:
    """Return rows whose settle jumps > SPIKE_REL_MOVE from every neighbour of its contract."""
    out = np.zeros(len(settle), dtype=bool)
    for c in pd.unique(contracts):
        idx = np.flatnonzero(contracts == c)
        s = settle[idx]
        if len(s) < 2:
            continue
        jump = np.abs(np.diff(s)) / np.minimum(s[:-1], s[1:]) > SPIKE_REL_MOVE
        prev_j = np.r_[True, jump]
        next_j = np.r_[jump, True]
        out[idx] = prev_j & next_j & ~protect[idx]
    return out


def import_cfe_raw(t: CsvTable) -> FileResult:
    """Import one raw CFE per-contract VX file (any of the exchange's layouts)."""
    res = FileResult(t.path, "cfe_raw")
    file_month, weekly = month_of_file(t.path)
    if weekly:
        res.drop("weekly VX contract (not modelled)", len(t))
        return res
    labels = t.col("Futures")
    months: list[tuple[int, int]] = []
    cache: dict[str, tuple[int, int] | None] = {}
    for i, lab in enumerate(labels):
        if lab not in cache:
            cache[lab] = month_of_label(lab) or file_month
        ym = cache[lab]
        if ym is None:
            raise DataFormatError(
                t.path,
                int(t.lines[i]),
                "Futures",
                lab,
                "a contract label like 'F (Jan 08)' (or a file name like CFE_F08_VX.csv)",
            )
        months.append(ym)
    dates = parse_dates(t, "Trade Date")
    settle = parse_floats(t, "Settle")
    ohlc = np.column_stack([parse_floats(t, k) for k in ("Open", "High", "Low", "Close")])
    volume = parse_floats(t, "Total Volume")
    oi = parse_floats(t, "Open Interest")
    uniq = {ym: (vx_contract_code(*ym), expiry_of(*ym)) for ym in set(months)}
    contracts = np.array([uniq[ym][0] for ym in months], dtype=object)
    expiries = np.array([uniq[ym][1] for ym in months], dtype="datetime64[ns]")

    old = dates < RESCALE_BEFORE
    if old.any():
        settle = np.where(old, settle / 10.0, settle)
        res.notes.append(f"{int(old.sum())} rows before 2007-03-26 divided by 10 (10x quotes)")
    placeholder = ~(settle > 0)
    res.drop("settle <= 0 (pre-listing placeholder)", int(placeholder.sum()))
    keep = ~placeholder
    is_final = (dates == expiries) & np.all(np.nan_to_num(ohlc) == 0.0, axis=1)
    # A lone settle on a day with no trades and no open interest, followed by a placeholder
    # row, is a listing artefact (e.g. VXN09 23.87 on 2008-07-21 between zero rows).
    same_next = np.r_[contracts[1:] == contracts[:-1], False]
    next_placeholder = same_next & np.r_[placeholder[1:], False]
    lone = keep & (volume == 0) & (oi == 0) & next_placeholder & ~is_final
    res.drop("lone settle without trades next to a placeholder row", int(lone.sum()))
    keep &= ~lone
    spikes = np.zeros(len(t), dtype=bool)
    spikes[keep] = _spikes(contracts[keep], settle[keep], is_final[keep])
    res.drop("isolated settle spike > 40% from both neighbours", int(spikes.sum()))
    keep &= ~spikes

    frame = _vx_frame(
        dates[keep], contracts[keep], expiries[keep], settle[keep], volume[keep], oi[keep]
    )
    res.pieces.append(Piece("vx_settlements", frame, t.lines[keep], RANK_RAW))
    fin = keep & is_final
    if fin.any():
        res.pieces.append(_final_piece(expiries[fin], settle[fin], t.lines[fin], RANK_RAW))
    return res


def import_cfe_long(t: CsvTable) -> FileResult:
    """Import the shared per-contract long file (``trade_date,contract,...,suspect_settle``).

    Prices there are already in VIX points; ``suspect_settle`` rows are dropped; rows flagged
    ``is_final_settlement_row`` also give the SOQ (``final_settlements``).
    """
    res = FileResult(t.path, "cfe_contracts")
    bad = parse_bools(t, "suspect_settle")
    res.drop("flagged suspect_settle in the source", int(bad.sum()))
    t = t.take(~bad)
    dates = parse_dates(t, "trade_date")
    expiries = parse_dates(t, "expiry")
    settle = parse_floats(t, "settle")
    contracts = t.col("contract")
    res.pieces.append(
        Piece(
            "vx_settlements",
            _vx_frame(
                dates,
                contracts,
                expiries,
                settle,
                parse_floats(t, "volume"),
                parse_floats(t, "open_interest"),
            ),
            t.lines,
            RANK_PRIMARY,
        )
    )
    fin = parse_bools(t, "is_final_settlement_row")
    if fin.any():
        res.pieces.append(_final_piece(expiries[fin], settle[fin], t.lines[fin], RANK_PRIMARY))
    return res


def import_vx_panel(t: CsvTable) -> FileResult:
    """Import the shared settle panel (``trade_date,contract,...,expiry,...,settle``)."""
    res = FileResult(t.path, "vx_panel")
    settle = parse_floats(t, "settle")
    vol = parse_floats(t, "volume") if t.has("volume") else None
    oi = parse_floats(t, "open_interest") if t.has("open_interest") else None
    frame = _vx_frame(
        parse_dates(t, "trade_date"), t.col("contract"), parse_dates(t, "expiry"), settle, vol, oi
    )
    res.pieces.append(Piece("vx_settlements", frame, t.lines, RANK_DERIVED))
    return res


def import_vx_continuous(t: CsvTable) -> FileResult:
    """Import continuous ``date,VX1..VXn,VXn_contract,VXn_expiry`` files as per-contract rows.

    They duplicate the settle panel and rank below it; empty cells are skipped.
    """
    res = FileResult(t.path, "vx_continuous")
    skipped = [h for h in t.header if h.upper() in ("VIX_CLOSE", "SPX_CLOSE")]
    if skipped:
        res.notes.append(f"columns not imported (dedicated files hold them): {', '.join(skipped)}")
    dates = parse_dates(t, "date")
    nth = sorted(
        (int(h[2:]) for h in t.header if re.fullmatch(r"VX\d+", h, re.IGNORECASE)),
    )
    parts_d, parts_c, parts_e, parts_s, parts_l = [], [], [], [], []
    for n in nth:
        s = parse_floats(t, f"VX{n}")
        c = t.col(f"VX{n}_contract")
        has = ~np.isnan(s) & (c != "")
        res.drop(f"VX{n}: empty cell", int((~has).sum()))
        sub = t.take(has)
        parts_d.append(dates[has])
        parts_c.append(c[has])
        parts_e.append(parse_dates(sub, f"VX{n}_expiry"))
        parts_s.append(s[has])
        parts_l.append(t.lines[has])
    lines = np.concatenate(parts_l) if parts_l else np.zeros(0, np.int64)
    frame = _vx_frame(
        np.concatenate(parts_d) if parts_d else np.zeros(0, "datetime64[ns]"),
        np.concatenate(parts_c) if parts_c else np.zeros(0, object),
        np.concatenate(parts_e) if parts_e else np.zeros(0, "datetime64[ns]"),
        np.concatenate(parts_s) if parts_s else np.zeros(0),
        None,
        None,
    )
    # Rows come column by column: order them by date so validation sees a time series.
    order = np.argsort(frame["date"].to_numpy(), kind="stable")
    res.pieces.append(
        Piece(
            "vx_settlements",
            frame.iloc[order].reset_index(drop=True),
            lines[order],
            RANK_CONTINUOUS,
        )
    )
    return res


def check_expiry_calendar(t: CsvTable) -> FileResult:
    """Check a VX expiry calendar (``contract,contract_month,expiry``) against the CFE rule.

    It holds no prices, so nothing is stored; a date that disagrees with ``vx_expiry`` is an
    error (the calendar or the rule would be wrong, and both feed the backtest).
    """
    res = FileResult(t.path, "vx_expiry_calendar")
    expiries = parse_dates(t, "expiry")
    for i, code in enumerate(t.col("contract")):
        try:
            y, m = parse_vx_contract(code)
        except ValueError:
            raise DataFormatError(
                t.path, int(t.lines[i]), "contract", code, "a monthly VX code like VXF08"
            ) from None
        want = expiry_of(y, m)
        if expiries[i] != want:
            raise DataFormatError(
                t.path,
                int(t.lines[i]),
                "expiry",
                str(pd.Timestamp(expiries[i]).date()),
                f"{pd.Timestamp(want).date()}, the CFE rule's final settlement date of {code}",
            )
    res.notes.append(f"expiry calendar: {len(t)} contracts agree with the CFE rule; nothing stored")
    return res
