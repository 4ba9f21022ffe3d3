"""The compiled nearest-score search picks the index numpy's argmin picks."""

from __future__ import annotations

import numpy as np
import pytest

from alvh.kernel import select


def _numpy_pick(score: np.ndarray, target: float, mask: np.ndarray) -> int:
    if not mask.any():
        return -1
    return int(np.argmin(np.where(mask, np.abs(score - target), np.inf)))


def test_by_hand_first_of_ties_and_masked_out_entries_ignored() -> None:
    score = np.array([0.10, 0.20, 0.14, 0.18, 0.16])
    mask = np.array([True, False, True, True, True])
    assert select.nearest_masked(score, 0.16, mask) == 4
    # 0.14 and 0.18 are equally far from 0.16 once 0.16 is masked out: the first wins.
    assert select.nearest_masked(score, 0.16, mask & (score != 0.16)) == 2
    assert select.nearest_masked(score, 0.20, mask) == 3  # 0.20 itself is masked out
    assert select.nearest_masked(score, 0.16, np.zeros(5, dtype=bool)) == -1


@pytest.mark.parametrize("use_numba", [True, False])
def test_equals_numpy_argmin_with_ties_nans_and_infinities(monkeypatch, use_numba: bool) -> None:  # type: ignore[no-untyped-def]
    if not use_numba:
        monkeypatch.setattr(select, "HAVE_NUMBA", False)
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        score = rng.choice([0.05, 0.1, 0.16, 0.2, 0.3], n) + rng.choice([0.0, 1e-3], n)
        score[rng.random(n) < 0.05] = np.nan
        score[rng.random(n) < 0.05] = np.inf
        mask = rng.random(n) < 0.6
        target = float(rng.choice([0.16, 0.05, 0.2]))
        assert select.nearest_masked(score, target, mask) == _numpy_pick(score, target, mask)
