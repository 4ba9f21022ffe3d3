"""``all_finite`` agrees with numpy's ``isfinite(...).all()``."""

from __future__ import annotations

import numpy as np

from alvh.kernel.finite import all_finite


def test_all_finite_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 260):
        x = rng.normal(20.0, 5.0, n)
        assert all_finite(x) is True
        for bad in (np.nan, np.inf, -np.inf):
            if n:
                y = x.copy()
                y[int(rng.integers(0, n))] = bad
                assert all_finite(y) is False
                assert all_finite(y) == bool(np.isfinite(y).all())
