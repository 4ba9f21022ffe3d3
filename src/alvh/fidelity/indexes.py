"""CBOE strategy benchmark index histories (``date,close`` files) as clean daily series.

The files are Cboe's published levels, described in shared/data/SOURCES.md section 7. They
carry anomalies that Cboe published; ``load_index_table`` keeps every row with a flag saying
what is wrong with it, ``load_index`` returns the series a comparison should use:

- rows on dates that are not NYSE sessions (e.g. CLL on 2018-11-22, 2018-12-25, 2019-12-25)
  are dropped (``holiday``);
- PUT's seven sparse anchor rows before 2007-01-03 are dropped (``sparse_anchor``): no daily
  return can be computed across them;
- CLL's level break on 2009-10-16 (592.60 -> 475.17, -19.8% on a calm day when BXM fell 0.15%)
  is chain-linked: every level before 2009-10-16 is scaled by 475.17 / 592.60, so the return
  of that day is zero and every other daily return is unchanged (``level_break``);
- runs of unchanged closes (CLL 2019-01-03..10, expiration Fridays repeating Thursday) are kept
  but flagged ``stale``: the comparison metrics work on monthly returns, which they barely move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from alvh.calendar.sessions import trading_calendar
from alvh.errors import DataFormatError, NoDataError

INDEX_FILES: Final[dict[str, str]] = {
    "PUT": "calibration/cboe_put_daily.csv",
    "PPUT": "calibration/cboe_pput_daily.csv",
    "BXM": "calibration/cboe_bxm_daily.csv",
    "CLL": "calibration/cboe_cll_daily.csv",
}
"""The real index histories held in the shared data folder, by ticker."""

PUT_DAILY_START: Final = pd.Timestamp("2007-01-03")
CLL_LEVEL_BREAK: Final = pd.Timestamp("2009-10-16")


def _read(path: Path) -> pd.DataFrame:
    """Read a ``date,close`` file, with a typed error naming the first bad line."""
    if not path.is_file():
        raise NoDataError(f"index file not found: {path}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(raw.columns) != ["date", "close"]:
        raise DataFormatError(path, 1, None, ",".join(raw.columns), "the header 'date,close'")
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    closes = pd.to_numeric(raw["close"], errors="coerce")
    for field, bad in (("date", dates.isna()), ("close", closes.isna() | (closes <= 0))):
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            expected = "an ISO date YYYY-MM-DD" if field == "date" else "a positive number"
            raise DataFormatError(path, i + 2, field, raw[field].iloc[i], expected)
    if not dates.is_monotonic_increasing or dates.duplicated().any():
        i = int(np.flatnonzero((dates.diff() <= pd.Timedelta(0)).to_numpy())[0])
        raise DataFormatError(path, i + 2, "date", raw["date"].iloc[i], "dates strictly increasing")
    return pd.DataFrame(
        {"close": closes.to_numpy(float)}, index=pd.DatetimeIndex(dates, name="date")
    )


def load_index_table(name: str, shared_data_dir: Path | str) -> pd.DataFrame:
    """Return every row of index ``name`` with a ``flag`` column ('' when clean).

    Flags: ``holiday``, ``sparse_anchor``, ``level_break`` (the first row after a break),
    ``stale`` (close equal to the previous row's).

    Raises
    ------
    NoDataError
        Unknown index or missing file.
    DataFormatError
        A malformed row (file, line, field, value, expected).
    """
    key = name.upper()
    if key not in INDEX_FILES:
        raise NoDataError(f"no index file for {name!r}; known: {', '.join(INDEX_FILES)}")
    table = _read(Path(shared_data_dir) / INDEX_FILES[key])
    flag = pd.Series("", index=table.index, dtype=object)
    stale = table["close"].diff().eq(0.0)
    flag[stale] = "stale"
    cal = trading_calendar()
    sessions = cal.is_session_array(table.index.to_numpy("datetime64[ns]"))
    flag[~sessions] = "holiday"
    if key == "PUT":
        flag[table.index < PUT_DAILY_START] = "sparse_anchor"
    if key == "CLL" and CLL_LEVEL_BREAK in table.index:
        flag[CLL_LEVEL_BREAK] = "level_break"
    table["flag"] = flag
    return table


def load_index(name: str, shared_data_dir: Path | str) -> pd.Series:
    """Return index ``name``'s daily closes, cleaned as the module docstring says.

    Parameters
    ----------
    name
        One of ``INDEX_FILES`` (PUT, PPUT, BXM, CLL), case-insensitive.
    shared_data_dir
        The shared data folder (``$ALVH_SHARED_DATA``).

    Returns
    -------
    pandas.Series
        Closes on NYSE sessions, named after the index, chain-linked across CLL's break.
    """
    table = load_index_table(name, shared_data_dir)
    keep = ~table["flag"].isin(["holiday", "sparse_anchor"])
    close = table.loc[keep, "close"].copy()
    if name.upper() == "CLL" and CLL_LEVEL_BREAK in close.index:
        i = close.index.get_loc(CLL_LEVEL_BREAK)
        assert isinstance(i, int)
        if i > 0:
            scale = close.iloc[i] / close.iloc[i - 1]
            close.iloc[:i] = close.iloc[:i] * scale
    close.name = name.upper()
    return close
