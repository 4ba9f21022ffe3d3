"""Macro events: a simple ``date,kind[,time_et,scheduled]`` CSV and the shared FOMC / CPI files.

FOMC decisions are announced at 14:00 ET and CPI / PPI released at 08:30 ET; these times are
used when the file gives none.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from alvh.errors import DataFormatError
from alvh.market.importers.common import (
    RANK_PRIMARY,
    CsvTable,
    FileResult,
    Piece,
    conform_piece,
    parse_bools,
    parse_dates,
)
from alvh.market.schema import EVENT_KINDS, event_known_at

DEFAULT_TIME_ET = {"FOMC": "14:00", "CPI": "08:30", "PPI": "08:30"}
_HHMM = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def events_piece(
    kinds: np.ndarray,
    dates: np.ndarray,
    times: np.ndarray,
    scheduled: np.ndarray,
    lines: np.ndarray,
) -> Piece:
    """Build an ``events`` piece; ``known_at`` per the schema (scheduled: a year ahead)."""
    d = pd.Series(dates)
    tm = pd.Series(times, dtype=object)
    sch = pd.Series(scheduled, dtype=bool)
    frame = pd.DataFrame(
        {
            "kind": kinds,
            "date": d,
            "time_et": tm,
            "scheduled": sch,
            "known_at": event_known_at(d, tm, sch).to_numpy(),
        }
    )
    return Piece("events", conform_piece("events", frame), lines, RANK_PRIMARY)


def import_events(t: CsvTable) -> FileResult:
    """Import ``date,kind[,time_et,scheduled]`` (kind FOMC, CPI or PPI)."""
    kinds = np.array([str(k).upper() for k in t.col("kind")], dtype=object)
    bad = ~np.isin(kinds, EVENT_KINDS)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(
            t.path, int(t.lines[i]), "kind", t.col("kind")[i], f"one of {', '.join(EVENT_KINDS)}"
        )
    dates = parse_dates(t, "date")
    if t.has("time_et"):
        times = t.col("time_et").copy()
        empty = times == ""
        times[empty] = [DEFAULT_TIME_ET[k] for k in kinds[empty]]
        for i, v in enumerate(times):
            if not _HHMM.match(v):
                raise DataFormatError(t.path, int(t.lines[i]), "time_et", v, "a time like 14:00")
        times = np.array([v.zfill(5) for v in times], dtype=object)
    else:
        times = np.array([DEFAULT_TIME_ET[k] for k in kinds], dtype=object)
    scheduled = parse_bools(t, "scheduled") if t.has("scheduled") else np.ones(len(t), bool)
    res = FileResult(t.path, "events")
    res.pieces.append(events_piece(kinds, dates, times, scheduled, t.lines))
    return res


def import_fomc(t: CsvTable) -> FileResult:
    """Import the shared FOMC decision dates (``decision_date,...,type``), 14:00 ET."""
    dates = parse_dates(t, "decision_date")
    typ = pd.Series(t.col("type"), dtype=object).str.lower()
    bad = ~typ.isin(["scheduled", "unscheduled"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(
            t.path, int(t.lines[i]), "type", t.col("type")[i], "scheduled or unscheduled"
        )
    n = len(t)
    res = FileResult(t.path, "fomc")
    res.pieces.append(
        events_piece(
            np.full(n, "FOMC", dtype=object),
            dates,
            np.full(n, DEFAULT_TIME_ET["FOMC"], dtype=object),
            (typ == "scheduled").to_numpy(),
            t.lines,
        )
    )
    return res


def import_cpi(t: CsvTable) -> FileResult:
    """Import the shared CPI release dates (``release_date,reference_month,...``), 08:30 ET."""
    dates = parse_dates(t, "release_date")
    n = len(t)
    res = FileResult(t.path, "cpi")
    res.pieces.append(
        events_piece(
            np.full(n, "CPI", dtype=object),
            dates,
            np.full(n, DEFAULT_TIME_ET["CPI"], dtype=object),
            np.ones(n, bool),
            t.lines,
        )
    )
    return res
