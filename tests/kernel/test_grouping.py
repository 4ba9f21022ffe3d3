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


def test_position_sums_equal_sums_of_the_six_rows(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Value, delta, vega, theta (qty-weighted) and the short put / short call vols by group."""
    rng = np.random.default_rng(9)
    n = 36
    qty = rng.choice([-3.0, 3.0, -1.0, 2.0], n)
    price, delta, vega, theta, iv = rng.normal(size=(5, n))
    is_call = rng.random(n) < 0.5
    group = rng.integers(0, 5000, 9)[rng.integers(0, 9, n)]
    short = qty < 0
    rows = np.stack(
        [
            qty * price,
            qty * delta,
            qty * vega,
            qty * theta,
            np.where(short & ~is_call, iv, 0.0),
            np.where(short & is_call, iv, 0.0),
        ]
    )
    codes, sums = grouping.position_sums_by_group(
        qty, price, delta, vega, theta, iv, is_call, group
    )
    codes_ref, sums_ref = grouping.sum_by_group(rows, group)
    assert codes.tolist() == codes_ref.tolist()
    np.testing.assert_array_equal(sums, sums_ref)  # same additions in the same order
    monkeypatch.setattr(grouping, "HAVE_NUMBA", False)
    codes_np, sums_np = grouping.position_sums_by_group(
        qty, price, delta, vega, theta, iv, is_call, group
    )
    assert codes_np.tolist() == codes.tolist()
    np.testing.assert_allclose(sums_np, sums, rtol=1e-14, atol=1e-15)


def test_position_sums_of_one_condor_by_hand() -> None:
    # Long put, short put, short call, long call; 2 condors.
    qty = np.array([2.0, -2.0, -2.0, 2.0])
    price = np.array([1.0, 3.0, 2.5, 0.5])
    zeros = np.zeros(4)
    iv = np.array([0.30, 0.25, 0.15, 0.14])
    is_call = np.array([False, False, True, True])
    codes, sums = grouping.position_sums_by_group(
        qty, price, zeros, zeros, zeros, iv, is_call, np.full(4, 17)
    )
    assert codes.tolist() == [17]
    assert sums[:, 0].tolist() == [2 * 1.0 - 2 * 3.0 - 2 * 2.5 + 2 * 0.5, 0, 0, 0, 0.25, 0.15]
