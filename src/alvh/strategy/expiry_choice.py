"""Which listed SPX expiry a condor tier opens on, for every session at once.

An expiry is a candidate on day D only if it was listed on D (``alvh.calendar.listings``) and
lies in the tier's DTE window; ``alvh.strategy.condor.choose_expiry_index`` picks among them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alvh.strategy.condor import choose_expiry_index

_DAY_NS = 86_400_000_000_000


class ListedExpiries:
    """Expiries of one product as sorted arrays (searched by date, never filtered).

    Each expiry carries the first day it was listed (``alvh.calendar.listings``): a choice on
    day D only considers expiries listed on D. It carries its root (``SPX``/``SPXW``) and
    settlement too, which the condor opened on it keeps to its settlement: with
    ``product = "any"`` the frame mixes both (one row per expiry day, ``spx_expiries``).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        f = frame.sort_values("expiry").reset_index(drop=True)
        dates = pd.DatetimeIndex(f["expiry"])
        self.ns = dates.asi8
        self.stamps: list[pd.Timestamp] = list(dates)
        self.am = (f["settlement"] == "AM").to_numpy()
        self.root: list[str] = f["product"].astype(str).tolist()
        if f["expiry"].duplicated().any():  # choose_all's neighbour search needs one per day
            raise ValueError("expiry frame has two rows on one day; use product 'any'")
        self.listed_ns = pd.DatetimeIndex(f["listed_from"]).asi8

    def choose(
        self, day: pd.Timestamp, dte_min: int, dte_max: int, dte_target: int | None
    ) -> int | None:
        """Return the index of the listed expiry ``choose_expiry`` picks after ``day`` (or None)."""
        day_ns = day.normalize().value
        lo = int(np.searchsorted(self.ns, day_ns, side="right"))
        hi = int(np.searchsorted(self.ns, day_ns + dte_max * _DAY_NS, side="right"))
        cand = np.flatnonzero(self.listed_ns[lo:hi] <= day_ns)
        dte = (self.ns[lo:hi][cand] - day_ns) // _DAY_NS
        j = choose_expiry_index(dte, dte_min, dte_max, dte_target)
        return None if j is None else lo + int(cand[j])

    def choose_all(
        self, days: pd.DatetimeIndex, dte_min: int, dte_max: int, dte_target: int | None
    ) -> list[int | None]:
        """``choose`` for every day at once (the two expiries around the target are the only
        candidates: the nearest in-window one on either side wins, ties to the earlier).

        The shortcut holds when both neighbours of the target were listed that day; on the
        other days (an unlisted neighbour might hide a listed one further out) ``choose`` runs.
        """
        n = self.ns.shape[0]
        target = (dte_min + dte_max) / 2 if dte_target is None else dte_target
        if n == 0 or not dte_min <= target <= dte_max:  # no expiries, or no shortcut
            return [self.choose(d, dte_min, dte_max, dte_target) for d in days]
        day_ns = days.normalize().asi8
        # First expiry at or after day + target (in whole days: expiries and days are midnights).
        first = max(math.ceil(target), 1)  # expiries after the day only (choose: side="right")
        right = np.searchsorted(self.ns, day_ns + first * _DAY_NS, side="left")
        left = right - 1
        r_idx, l_idx = np.minimum(right, n - 1), np.maximum(left, 0)
        dte_r = (self.ns[r_idx] - day_ns) // _DAY_NS
        dte_l = (self.ns[l_idx] - day_ns) // _DAY_NS
        in_r = (right < n) & (dte_r >= dte_min) & (dte_r <= dte_max) & (dte_r > 0)
        in_l = (left >= 0) & (dte_l >= dte_min) & (dte_l <= dte_max) & (dte_l > 0)
        listed_r = self.listed_ns[r_idx] <= day_ns
        listed_l = self.listed_ns[l_idx] <= day_ns
        ok_r, ok_l = in_r & listed_r, in_l & listed_l
        take_l = ok_l & (~ok_r | (np.abs(dte_l - target) <= np.abs(dte_r - target)))
        pick = np.where(take_l, left, np.where(ok_r, right, -1)).tolist()
        # An in-window neighbour not yet listed: a listed expiry further from the target may
        # still fit. Those days (most of them with weeklies) walk outward from the target to
        # the nearest listed in-window expiry on each side, then apply the same rule. Right
        # of the target DTE only grows (>= target >= dte_min), left of it only shrinks (<
        # target <= dte_max), so each walk checks just the bound it moves towards. Calling
        # ``choose`` on each such day cost ~60 us a day, most of choose_all's time.
        slow = np.flatnonzero((in_r & ~listed_r) | (in_l & ~listed_l)).tolist()
        ns, listed_ns = self.ns.tolist(), self.listed_ns.tolist()
        for k in slow:
            d = int(day_ns[k])
            hi_ns = d + dte_max * _DAY_NS  # the window's ends, as in ``choose``
            lo_ns = d + max(dte_min, 1) * _DAY_NS
            r = int(right[k])
            while r < n and ns[r] <= hi_ns and listed_ns[r] > d:
                r += 1
            lf = int(left[k])
            while lf >= 0 and ns[lf] >= lo_ns and listed_ns[lf] > d:
                lf -= 1
            r_ok = r < n and ns[r] <= hi_ns
            l_ok = lf >= 0 and ns[lf] >= lo_ns
            if l_ok and (
                not r_ok
                or abs((ns[lf] - d) // _DAY_NS - target) <= abs((ns[r] - d) // _DAY_NS - target)
            ):
                pick[k] = lf
            else:
                pick[k] = r if r_ok else -1
        return [None if j is None or j < 0 else j for j in pick]
