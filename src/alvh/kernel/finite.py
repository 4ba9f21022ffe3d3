"""``all_finite``: whether an array holds no NaN or infinity, compiled.

``np.isfinite(x).all()`` builds a boolean temporary and goes through numpy's Python-level
reduction wrapper; the hedge asks this of its close histories every session.
"""

from __future__ import annotations

import numpy as np

from alvh.kernel._numba import jit


@jit()
def all_finite(x: np.ndarray) -> bool:  # pragma: no cover - numba
    """Return ``bool(np.all(np.isfinite(x)))`` for a 1-d array (empty: True).

    Parameters
    ----------
    x
        1-d float array.
    """
    for v in x:  # noqa: SIM110 - a loop numba compiles, stopping at the first bad value
        if not np.isfinite(v):
            return False
    return True
