"""Rate series: FRED downloads (``DATE,DFF`` / ``observation_date,DFF``, '.' = missing) and the
shared normalised files (``date,DFF_pct``, ``date,irx_close_pct``)."""

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
    parse_dates,
    parse_floats,
)
from alvh.market.schema import IRX_CLOSE_TIME, RATE_SERIES, at_time, dff_known_at


def rate_series_name(column: str) -> str:
    """Return the canonical series of a value column (``DFF_pct`` -> ``DFF``)."""
    return re.sub(r"(_CLOSE)?(_PCT)?$", "", column.strip().upper())


def rates_piece(series: str, dates: np.ndarray, values: np.ndarray, lines: np.ndarray) -> Piece:
    """Build a ``rates`` piece with the publication-time convention of ``series``."""
    d = pd.Series(dates)
    known = dff_known_at(d) if series == "DFF" else at_time(d, IRX_CLOSE_TIME)
    frame = pd.DataFrame(
        {"series": series, "date": d, "value_pct": values, "known_at": known.to_numpy()}
    )
    return Piece("rates", conform_piece("rates", frame), lines, RANK_PRIMARY)


def import_fred(t: CsvTable) -> FileResult:
    """Import a two-column rate series; rows with a missing value ('.') are dropped."""
    date_col, value_col = t.header[0], t.header[1]
    series = rate_series_name(value_col)
    if series not in RATE_SERIES:
        raise DataFormatError(
            t.path, t.header_line, value_col, value_col, f"a rate series ({', '.join(RATE_SERIES)})"
        )
    res = FileResult(t.path, "fred")
    values = parse_floats(t, value_col)
    missing = np.isnan(values)
    res.drop(f"{series}: missing value ('.' or empty)", int(missing.sum()))
    t = t.take(~missing)
    dates = parse_dates(t, date_col)
    res.pieces.append(rates_piece(series, dates, values[~missing], t.lines))
    return res
