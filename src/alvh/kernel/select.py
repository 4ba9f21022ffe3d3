"""Nearest-score search over a masked grid, compiled (strike selection scans ~1,000 strikes).

``nearest_masked`` is ``argmin(where(mask, |score - target|, inf))`` in one pass: the same
index numpy picks (the first smallest gap; the first NaN gap if there is one, since numpy's
argmin treats NaN as the smallest), without the four temporaries.
"""

from __future__ import annotations

import math

import numpy as np

from alvh._typing import Float64Array
from alvh.kernel._numba import HAVE_NUMBA, jit


@jit()
def _nearest_masked_loop(score, target, mask):
    best = math.inf
    j = 0
    any_masked = False
    for i in range(score.shape[0]):
        gap = math.inf
        if mask[i]:
            any_masked = True
            gap = abs(score[i] - target)
        if gap != gap:  # NaN: numpy's argmin returns the first one
            return i
        if gap < best:
            best = gap
            j = i
    return j if any_masked else -1


def nearest_masked(score: Float64Array, target: float, mask: np.ndarray) -> int:
    """Return the index of the score closest to ``target`` among ``mask`` (-1 if none).

    Ties go to the first index; a NaN score under the mask wins, as in
    ``np.argmin(np.where(mask, np.abs(score - target), np.inf))``.

    Parameters
    ----------
    score
        A 1-D array of scores.
    target
        The score wanted.
    mask
        Which entries may be picked, aligned with ``score``.
    """
    if not HAVE_NUMBA:
        if not mask.any():
            return -1
        return int(np.argmin(np.where(mask, np.abs(score - target), np.inf)))
    return int(_nearest_masked_loop(score, float(target), mask))
