"""How closely a replica tracks its real index: correlation, tracking error, CAGR, drawdown, years.

Pure functions on two daily level series (the replica and the real index, any units: only their
returns matter). Conventions, stated in every result:

- The two series are compared on the dates both have (an inner join); a date one of them skips
  simply makes the next return a multi-day return on both sides, over the same interval.
- A *break* is a date whose return into it must not be used (a level break or a suspect print
  the index loader flags, e.g. CLL on 2009-10-16). Both series are chain-linked across it: that
  day's return counts as zero on both sides, so no month or year carries the break.
- Monthly and yearly returns are taken from the chain-linked levels at the last common date of
  each period; the first period is measured from the window's first common date, so a window
  that starts mid-month has a partial first month (flagged ``full`` = False for years).
- Tracking error is the sample standard deviation (ddof=1) of the return difference, replica
  minus index, annualised by sqrt(12) for monthly and sqrt(252) for daily returns.
- CAGR uses calendar time: ``(L_end / L_start) ** (365.25 / days) - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

SESSIONS_PER_YEAR = 252
MONTHS_PER_YEAR = 12
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class YearRow:
    """One calendar year's return of the replica and the index."""

    year: int
    replica_pct: float
    index_pct: float
    full: bool  # the window covers the whole year (first to last common date of that year)
    has_break: bool  # a flagged break falls in this year (chain-linked over)

    @property
    def gap_pp(self) -> float:
        """Replica minus index, percentage points."""
        return self.replica_pct - self.index_pct

    @property
    def signs_agree(self) -> bool:
        """Whether both returns have the same sign (zero counts as positive)."""
        return (self.replica_pct >= 0.0) == (self.index_pct >= 0.0)


@dataclass(frozen=True)
class TrackingMetrics:
    """Tracking figures of one replica against its index over one window.

    Percentages are in percent (``-19.0`` is -19%); gaps are replica minus index, in
    percentage points. A figure that cannot be computed (too few months) is NaN.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    n_days: int  # common dates in the window
    n_months: int  # monthly returns used
    monthly_corr: float
    te_monthly_ann_pct: float
    te_daily_ann_pct: float
    cagr_replica_pct: float
    cagr_index_pct: float
    max_dd_replica_pct: float
    max_dd_index_pct: float
    years: tuple[YearRow, ...]
    breaks_used: tuple[pd.Timestamp, ...] = field(default=())

    @property
    def cagr_gap_pp(self) -> float:
        return self.cagr_replica_pct - self.cagr_index_pct

    @property
    def max_dd_gap_pp(self) -> float:
        return self.max_dd_replica_pct - self.max_dd_index_pct

    @property
    def sign_agree_years(self) -> int:
        return sum(y.signs_agree for y in self.years)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict (NaN becomes None; dates ISO)."""

        def num(x: float) -> float | None:
            return round(float(x), 6) if math.isfinite(x) else None

        return {
            "start": self.start.date().isoformat(),
            "end": self.end.date().isoformat(),
            "n_days": self.n_days,
            "n_months": self.n_months,
            "monthly_corr": num(self.monthly_corr),
            "te_monthly_ann_pct": num(self.te_monthly_ann_pct),
            "te_daily_ann_pct": num(self.te_daily_ann_pct),
            "cagr_replica_pct": num(self.cagr_replica_pct),
            "cagr_index_pct": num(self.cagr_index_pct),
            "cagr_gap_pp": num(self.cagr_gap_pp),
            "max_dd_replica_pct": num(self.max_dd_replica_pct),
            "max_dd_index_pct": num(self.max_dd_index_pct),
            "max_dd_gap_pp": num(self.max_dd_gap_pp),
            "sign_agree_years": self.sign_agree_years,
            "n_years": len(self.years),
            "breaks_used": [d.date().isoformat() for d in self.breaks_used],
            "years": [
                {
                    "year": y.year,
                    "replica_pct": num(y.replica_pct),
                    "index_pct": num(y.index_pct),
                    "gap_pp": num(y.gap_pp),
                    "signs_agree": y.signs_agree,
                    "full": y.full,
                    "has_break": y.has_break,
                }
                for y in self.years
            ],
        }


def _as_series(levels: pd.Series, name: str) -> pd.Series:
    s = pd.Series(levels, dtype=float).dropna()
    s.index = pd.DatetimeIndex(s.index).normalize()
    if not s.index.is_monotonic_increasing or s.index.has_duplicates:
        raise ValueError(f"{name} levels must have unique ascending dates")
    if (s <= 0).any():
        raise ValueError(f"{name} levels must be positive")
    return s


def linked_returns(
    replica: pd.Series,
    index: pd.Series,
    *,
    start: date | pd.Timestamp | str | None = None,
    end: date | pd.Timestamp | str | None = None,
    breaks: Iterable[date | pd.Timestamp | str] = (),
) -> pd.DataFrame:
    """Return the two series' daily returns on their common dates in a window, breaks zeroed.

    Returns
    -------
    pandas.DataFrame
        Indexed by common date (the first row is the window's base date with zero returns),
        columns ``replica`` and ``index`` (simple returns from the previous common date) and
        ``is_break`` (the return into this date was flagged and set to zero on both sides).
    """
    a, b = _as_series(replica, "replica"), _as_series(index, "index")
    both = pd.concat({"replica": a, "index": b}, axis=1, join="inner")
    if start is not None:
        both = both[both.index >= pd.Timestamp(start)]
    if end is not None:
        both = both[both.index <= pd.Timestamp(end)]
    out = both.pct_change().fillna(0.0)
    brk = pd.DatetimeIndex([pd.Timestamp(d) for d in breaks]).normalize()
    # A break flagged on a date one series lacks lands on the next common date: the return
    # that spans it is just as suspect.
    is_break = np.zeros(len(out), dtype=bool)
    if len(brk) and len(out) > 1:
        pos = np.searchsorted(out.index.values, brk.values, side="left")
        for p, d in zip(pos, brk, strict=True):
            if 0 < p < len(out) and out.index[p - 1] < d:
                is_break[p] = True
    out.loc[is_break, ["replica", "index"]] = 0.0
    out["is_break"] = is_break
    return out


def _period_returns(levels: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Return per-period simple returns from chain-linked levels, first period from the base."""
    ends = levels.groupby(levels.index.to_period(freq)).tail(1)
    base = levels.iloc[[0]]
    stacked = pd.concat([base, ends])
    rets = stacked.pct_change().iloc[1:]
    rets.index = ends.index.to_period(freq)
    # The base date is the first row of the first period: if it is the only row, that period
    # has no return (it would be 0/0 noise); drop it.
    first_period = levels.index[0].to_period(freq)
    if (levels.index.to_period(freq) == first_period).sum() == 1:
        rets = rets.iloc[1:]
    return rets


def _max_drawdown_pct(level: pd.Series) -> float:
    peak = level.cummax()
    return float((level / peak - 1.0).min() * 100.0)


def _cagr_pct(level: pd.Series) -> float:
    days = (level.index[-1] - level.index[0]).days
    if days <= 0:
        return math.nan
    return float(((level.iloc[-1] / level.iloc[0]) ** (DAYS_PER_YEAR / days) - 1.0) * 100.0)


def _te_pct(diff: pd.Series, per_year: int) -> float:
    if len(diff) < 2:
        return math.nan
    return float(diff.std(ddof=1) * math.sqrt(per_year) * 100.0)


def tracking_metrics(
    replica: pd.Series,
    index: pd.Series,
    *,
    start: date | pd.Timestamp | str | None = None,
    end: date | pd.Timestamp | str | None = None,
    breaks: Iterable[date | pd.Timestamp | str] = (),
) -> TrackingMetrics:
    """Return how closely ``replica`` tracks ``index`` over ``[start, end]`` (inclusive).

    Parameters
    ----------
    replica, index
        Daily levels indexed by date (positive; NaN rows are dropped).
    start, end
        The window (defaults: the first and last common date).
    breaks
        Dates whose return into them is not used (chain-linked over on both sides).

    Raises
    ------
    ValueError
        When the window holds fewer than two common dates.
    """
    rets = linked_returns(replica, index, start=start, end=end, breaks=breaks)
    if len(rets) < 2:
        raise ValueError(
            f"fewer than two common dates between replica and index in the window "
            f"{start or 'first'}..{end or 'last'}"
        )
    levels = (1.0 + rets[["replica", "index"]]).cumprod()
    monthly = _period_returns(levels, "M")
    yearly = _period_returns(levels, "Y")
    daily = rets.iloc[1:]
    corr = float(monthly["replica"].corr(monthly["index"])) if len(monthly) >= 3 else math.nan
    years_idx = levels.index.year
    first_y, last_y = levels.index[0].year, levels.index[-1].year
    brk_years = set(rets.index[rets["is_break"]].year)
    rows = []
    for per, r in yearly.iterrows():
        y = int(per.year)
        in_year = levels.index[years_idx == y]
        # Full when the window spans the year from its first to its last trading days: the
        # base date sits in the previous year, or the window ends at the data's year end.
        full = (y > first_y or in_year[0].dayofyear <= 7) and (
            y < last_y or (in_year[-1].month == 12 and in_year[-1].day >= 24)
        )
        rows.append(
            YearRow(
                year=y,
                replica_pct=float(r["replica"] * 100.0),
                index_pct=float(r["index"] * 100.0),
                full=bool(full),
                has_break=y in brk_years,
            )
        )
    return TrackingMetrics(
        start=levels.index[0],
        end=levels.index[-1],
        n_days=len(levels),
        n_months=len(monthly),
        monthly_corr=corr,
        te_monthly_ann_pct=_te_pct(monthly["replica"] - monthly["index"], MONTHS_PER_YEAR),
        te_daily_ann_pct=_te_pct(daily["replica"] - daily["index"], SESSIONS_PER_YEAR),
        cagr_replica_pct=_cagr_pct(levels["replica"]),
        cagr_index_pct=_cagr_pct(levels["index"]),
        max_dd_replica_pct=_max_drawdown_pct(levels["replica"]),
        max_dd_index_pct=_max_drawdown_pct(levels["index"]),
        years=tuple(rows),
        breaks_used=tuple(rets.index[rets["is_break"]]),
    )


def split_windows(
    replica: pd.Series,
    index: pd.Series,
    split: date | pd.Timestamp | str | None,
    *,
    breaks: Iterable[date | pd.Timestamp | str] = (),
) -> dict[str, TrackingMetrics]:
    """Return metrics for ``whole``, ``in_sample`` (to ``split``) and ``out_of_sample`` (after).

    The out-of-sample window starts at the split date itself as its base level, so its first
    return is the one into the first session after the split. A part with fewer than two
    common dates is left out.
    """
    brk = list(breaks)
    out = {"whole": tracking_metrics(replica, index, breaks=brk)}
    if split is None:
        return out
    cut = pd.Timestamp(split)
    common = _as_series(replica, "replica").index.intersection(_as_series(index, "index").index)
    # The out-of-sample base is the last common date on or before the split, so a split on a
    # holiday loses no return.
    base = common[common <= cut]
    parts: dict[str, dict[str, pd.Timestamp]] = {"in_sample": {"end": cut}}
    if len(base):
        parts["out_of_sample"] = {"start": base[-1]}
    for name, kw in parts.items():
        try:
            out[name] = tracking_metrics(replica, index, breaks=brk, **kw)
        except ValueError:
            continue
    return out
