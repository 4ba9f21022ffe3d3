"""The VX curve of every day of one ``MarketData``, built once: ``VxCurveIndex``.

The hedge reads the latest known VX curve every session (its marks, quotes and triggers), as
maps from contract code and from expiry to settle plus the two front monthlies. Building those
maps from the snapshot's rows each session costs more than the rest of a quiet session, so the
index builds every day's maps in one pass over the table when first asked and a snapshot looks
its day up by how many rows it knows.

Point in time: the index is keyed by ``k``, the count of rows known (the table sorted by
``known_at, date, expiry`` as ``MarketData`` sorts it); ``k`` comes only from
``MarketSnapshot``'s cutoff, and the curve of ``k`` reads rows ``< k`` only. When a day's rows
are known in part (never with real data: a day settles at one time), the known rows of it are
the curve, built on the spot.

Dates are int64 nanoseconds (midnights): comparing and subtracting ints gives the answers of
``pd.Timestamp`` arithmetic (``(a - b).days == (a_ns - b_ns) // DAY_NS``) without building a
Timestamp a day.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from alvh.calendar.expiries import parse_vx_contract

__all__ = ["DAY_NS", "NO_CURVE", "VxCurveDay", "VxCurveIndex"]

DAY_NS = 86_400_000_000_000


class VxCurveDay(NamedTuple):
    """One day's VX curve as the hedge reads it (rows with a missing or non-positive settle
    dropped).

    Attributes
    ----------
    curve_ns
        Midnight of the settlement date, None when no settlement is known.
    by_code
        Contract code -> (expiry ns, settle). Shared by every snapshot of that day: read only.
    by_expiry
        Expiry ns -> settle (an expiry's first row when two share it), in expiry order; read
        only.
    fronts
        Settles of VX1, VX2: the first two monthly contracts expiring after the curve date
        (fewer when the curve lists fewer).
    """

    curve_ns: int | None
    by_code: dict[str, tuple[int, float]]
    by_expiry: dict[int, float]
    fronts: tuple[float, ...]


NO_CURVE = VxCurveDay(None, {}, {}, ())


class VxCurveIndex:
    """Every day's :class:`VxCurveDay` of a VX settlements table, by count of rows known.

    Parameters
    ----------
    vx
        The ``vx_settlements`` rows sorted by ``known_at, date, expiry`` (``MarketData``'s
        order: the snapshot's cutoff counts rows of it).
    """

    __slots__ = ("_cols", "_curve", "_start")

    def __init__(self, vx: pd.DataFrame) -> None:
        n = len(vx)
        rows = np.arange(n)
        day = vx["date"].to_numpy("datetime64[ns]").view("int64")
        exp = vx["expiry"].to_numpy("datetime64[ns]").view("int64")
        px = vx["settle"].to_numpy(np.float64)
        codes = vx["contract"].to_numpy(object)
        # A day's curve is one block of rows: where the block of each row starts.
        new_day = np.r_[True, day[1:] != day[:-1]] if n else np.zeros(0, bool)
        self._start = np.maximum.accumulate(np.where(new_day, rows, 0)) if n else rows
        self._cols = (day, codes, exp, px)  # for a day known in part
        # Each complete day's curve, at the row that completes it (None at the others).
        self._curve: list[VxCurveDay | None] = [None] * n
        if n:
            self._build(day, codes, exp, px, np.flatnonzero(new_day).tolist())

    def curve(self, k: int) -> VxCurveDay:
        """Return the latest curve of the first ``k`` rows (:data:`NO_CURVE` when ``k == 0``)."""
        if k == 0:
            return NO_CURVE
        hit = self._curve[k - 1]
        return hit if hit is not None else self._curve_of(int(self._start[k - 1]), k)

    def _build(
        self, day: np.ndarray, codes: np.ndarray, exp: np.ndarray, px: np.ndarray, starts: list[int]
    ) -> None:
        """Build the curve of every day: :meth:`_curve_of`'s maps, from whole-column lists."""
        n = len(day)
        inverse, uniq = pd.factorize(codes)
        monthly = np.array([_is_monthly(str(c)) for c in uniq], bool)[inverse]
        # The first row at or after each row that is a front candidate (a monthly expiring
        # after its curve date), n when none: VX1 and VX2 without a scan.
        candidate = np.where(monthly & (exp > day - day % DAY_NS), np.arange(n), n)
        front = [*np.minimum.accumulate(candidate[::-1])[::-1].tolist(), n]
        # Bad (missing, <= 0) settles before each row: a day without any needs no filter.
        bad = np.r_[0, np.cumsum(~((px > 0.0) & (px < np.inf)))].tolist()
        day_l: list[int] = day.tolist()
        code_l: list[str] = codes.tolist()
        exp_l: list[int] = exp.tolist()
        px_l: list[float] = px.tolist()
        pair_l = list(zip(exp_l, px_l, strict=True))
        for s, k in zip(starts, [*starts[1:], n], strict=True):
            curve_ns = day_l[s] - day_l[s] % DAY_NS
            if bad[k] != bad[s]:  # a missing or bad settle: the general path
                self._curve[k - 1] = self._curve_of(s, k)
                continue
            by_code = dict(zip(code_l[s:k], pair_l[s:k], strict=True))
            by_exp = dict(zip(exp_l[s:k], px_l[s:k], strict=True))
            if len(by_exp) != k - s:
                by_exp = _first_by_expiry(exp_l[s:k], px_l[s:k])
            j = front[s]
            fronts: tuple[float, ...] = ()
            if j < k:
                j2 = front[j + 1]
                fronts = (px_l[j], px_l[j2]) if j2 < k else (px_l[j],)
            self._curve[k - 1] = VxCurveDay(curve_ns, by_code, by_exp, fronts)

    def _curve_of(self, s: int, k: int) -> VxCurveDay:
        """Return the curve of rows ``s`` to ``k`` of one day (the plain way, row by row)."""
        day, codes, exp, px = self._cols
        day_ns = int(day[s])
        curve_ns = day_ns - day_ns % DAY_NS
        code_l: list[str] = codes[s:k].tolist()
        exp_l: list[int] = exp[s:k].tolist()
        px_l: list[float] = px[s:k].tolist()
        keep = [i for i, p in enumerate(px_l) if 0.0 < p < math.inf]
        if len(keep) != len(px_l):  # drop missing or bad settles (not in (0, inf))
            code_l = [code_l[i] for i in keep]
            exp_l = [exp_l[i] for i in keep]
            px_l = [px_l[i] for i in keep]
        by_code = dict(zip(code_l, zip(exp_l, px_l, strict=True), strict=True))
        by_exp = dict(zip(exp_l, px_l, strict=True))
        if len(by_exp) != len(exp_l):
            by_exp = _first_by_expiry(exp_l, px_l)
        # Rows are sorted by expiry: VX1, VX2 are the first two monthlies after the curve date.
        fronts: list[float] = []
        for code, e_ns, p in zip(code_l, exp_l, px_l, strict=True):
            if e_ns > curve_ns and _is_monthly(code):
                fronts.append(p)
                if len(fronts) == 2:
                    break
        return VxCurveDay(curve_ns, by_code, by_exp, tuple(fronts))


def _first_by_expiry(exp_l: list[int], px_l: list[float]) -> dict[int, float]:
    """Return expiry -> settle keeping an expiry's first row, not its last (two rows)."""
    by_exp: dict[int, float] = {}
    for e_ns, px in zip(exp_l, px_l, strict=True):
        by_exp.setdefault(e_ns, px)
    return by_exp


@lru_cache(maxsize=4096)
def _is_monthly(code: str) -> bool:
    """Return whether ``code`` is a monthly VX contract (``VX/H24``), not a weekly."""
    try:
        parse_vx_contract(code)
    except ValueError:
        return False
    return True
