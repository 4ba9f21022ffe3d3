"""Per-group sums of leg values: by hand, and the compiled loop against numpy."""

from __future__ import annotations

import numpy as np

from alvh.kernel import grouping


def test_sums_by_group_in_order_of_first_appearance() -> None:
    values = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]])
    codes, sums = grouping.sum_by_group(values, np.array([7, 3, 7, 9000, 3]))
    assert codes.tolist() == [7, 3, 9000]
    assert sums.tolist() == [[4.0, 7.0, 4.0], [40.0, 70.0, 40.0]]


def test_compiled_loop_equals_the_numpy_fallback(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(4)
    values = rng.normal(size=(6, 40))
    group = rng.integers(0, 3000, 40)
    codes, sums = grouping.sum_by_group(values, group)
    monkeypatch.setattr(grouping, "HAVE_NUMBA", False)
    codes_np, sums_np = grouping.sum_by_group(values, group)
    assert codes.tolist() == codes_np.tolist()
    np.testing.assert_allclose(sums, sums_np, rtol=1e-14)
