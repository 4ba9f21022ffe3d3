"""The book's compiled numerics (valuation, margin, dollar greeks, condor rows) against their
numpy references, on random books, and small cases by hand."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from alvh.kernel import grouping, margin, valuation

FUT = 2  # the futures kind code (any int: the kernel takes it as an argument)


def _slots(rng: np.random.Generator, n: int, n_tiers: int):  # type: ignore[no-untyped-def]
    kind = rng.integers(0, 4, n)
    qty = rng.integers(-20, 21, n).astype(float)
    mark = rng.uniform(0.0, 90.0, n)
    avg = rng.uniform(0.0, 90.0, n)
    mult = rng.choice([100.0, 1000.0, 1.0], n)
    tier = rng.integers(0, n_tiers, n)
    cash = rng.normal(0.0, 1e4, n)
    closed = rng.normal(0.0, 1e4, n_tiers)
    return kind, qty, mark, avg, mult, tier, cash, closed


def test_valuation_by_hand() -> None:
    # A put worth 2.5 x 100 x -3 = -750; a VX future bought at 18 marked at 19.5:
    # 1000 x 2 x (19.5 - 18) = 3000. Tier 0: cash 900 - 750; tier 1: cash -10 + 3000 + 5 closed.
    kind = np.array([0, FUT])
    qty, mark, avg = np.array([-3.0, 2.0]), np.array([2.5, 19.5]), np.array([3.0, 18.0])
    mult, tier, cash = np.array([100.0, 1000.0]), np.array([0, 1]), np.array([900.0, -10.0])
    out = np.empty(2)
    total = valuation.value_slots(
        kind, qty, mark, avg, mult, tier, cash, 2, np.array([0.0, 5.0]), out, FUT
    )
    assert total == 2250.0 and out.tolist() == [150.0, 2995.0]
    assert valuation.slot_values(kind, qty, mark, avg, mult, 2, FUT).tolist() == [-750.0, 3000.0]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 40, 129, 1000])
def test_valuation_matches_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    kind, qty, mark, avg, mult, tier, cash, closed = _slots(rng, n + 5, 4)
    out = np.empty(4)
    total = valuation.value_slots(kind, qty, mark, avg, mult, tier, cash, n, closed, out, FUT)
    ref_total, ref_values, ref_tiers = valuation.value_slots_reference(
        kind, qty, mark, avg, mult, tier, cash, n, closed, FUT
    )
    # A running sum against numpy's pairwise one: rounding of order n ulps of the gross value.
    gross = float(np.sum(np.abs(ref_values)) + np.sum(np.abs(cash[:n])) + 1.0)
    assert_allclose(total, ref_total, rtol=1e-12, atol=1e-14 * gross)
    assert_allclose(out, ref_tiers, rtol=1e-12, atol=1e-14 * gross)
    got_values = valuation.slot_values(kind, qty, mark, avg, mult, n, FUT)
    assert_allclose(got_values, ref_values, rtol=0, atol=0)  # products only: exactly


def test_margin_of_a_short_condor_by_hand() -> None:
    # 2 condors 3900/3950 puts, 4100/4160 calls, credit 12.0 each: the worst loss is the wider
    # call wing, 60 x 100 x 2 = 12,000, less the 2 x 12 x 100 = 2,400 received: 9,600.
    strike = np.array([3900.0, 3950.0, 4100.0, 4160.0])
    is_call = np.array([False, False, True, True])
    qty_mult = np.array([200.0, -200.0, -200.0, 200.0])
    premium = np.array([200.0 * 3.0, -200.0 * 8.0, -200.0 * 9.0, 200.0 * 2.0])  # net -2,400
    group = np.full(4, 17)
    for fn in (margin.option_group_margin, margin.option_group_margin_reference):
        assert fn(strike, is_call, qty_mult, premium, group, 1.5) == pytest.approx(9600.0)


def test_margin_matches_numpy_on_random_books() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        strike = rng.choice(np.arange(2000.0, 5000.0, 5.0), n)
        is_call = rng.random(n) < 0.5
        qty_mult = rng.integers(-6, 7, n) * 100.0
        premium = qty_mult * rng.uniform(0.0, 60.0, n)
        group = rng.integers(0, 5, n)
        got = margin.option_group_margin(strike, is_call, qty_mult, premium, group, 1.5)
        ref = margin.option_group_margin_reference(strike, is_call, qty_mult, premium, group, 1.5)
        # Payoffs of up to 40 legs near 1e6 dollars: prefix sums cancel to ~1e-10 absolute.
        assert_allclose(got, ref, rtol=1e-12, atol=1e-6)


def test_dollar_greeks_by_code_match_numpy() -> None:
    rng = np.random.default_rng(2)
    cols = tuple(rng.normal(size=50) for _ in range(7))
    slots = rng.choice(50, 30, replace=False)
    code = rng.integers(0, 4, 30)
    got = grouping.dollar_greeks_by_code(slots, cols, code, 4)
    ref = grouping.dollar_greeks_by_code_reference(slots, cols, code, 4)
    # Both add in slot order within a code (bincount does): the same floats up to fma.
    assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_dollar_greeks_by_hand() -> None:
    # One short put lot: qty -2 x 100, delta -0.3, underlying 4000: delta $ = 60, notional
    # 240,000; gamma 0.001 -> -0.2; vega 1.5 -> -300; theta -0.4 -> 80.
    cols = tuple(np.array([v]) for v in (-2.0, 100.0, 4000.0, -0.3, 0.001, 1.5, -0.4))
    got = grouping.dollar_greeks_by_code(np.array([0]), cols, np.array([1]), 2)
    assert_allclose(got[:, 1], [60.0, 240_000.0, -0.2, -300.0, 80.0], rtol=1e-14)
    assert got[:, 0].tolist() == [0.0] * 5


def test_condor_rows_match_numpy() -> None:
    rng = np.random.default_rng(5)
    block = np.column_stack(
        [
            rng.integers(1, 30, 6).astype(float),  # contracts
            rng.uniform(1e3, 1e5, 6),
            rng.uniform(3000, 4000, (6, 3)),
            np.arange(738000.0, 738006.0),  # expiry day numbers
            [7.0, 3.0, 11.0, 5.0, 2.0, 9.0],  # group codes, one not among the sums (9)
        ]
    )
    codes = np.array([2, 3, 5, 7, 11], dtype=np.int64)
    sums = rng.normal(size=(6, 5))
    got, want = np.zeros((11, 6)), np.zeros((11, 6))
    grouping.condor_rows(block, 737990, codes, sums, got)
    grouping.condor_rows_reference(block, 737990, codes, sums, want)
    assert_allclose(got, want, rtol=0, atol=0, equal_nan=True)  # copies and one division
    assert got[5, 0] == sums[1, 3] / block[0, 0] and got[8, 2] == sums[5, 4]
    assert np.isnan(got[5:9, 5]).all() and got[9].tolist() == list(range(10, 16))
    # No sums: rows 5-8 left as they were.
    got2 = np.full((11, 6), -1.0)
    empty = np.zeros(0, dtype=np.int64)
    grouping.condor_rows(block, 737990, empty, np.zeros((6, 0)), got2)
    assert (got2[5:9] == -1.0).all()
    want2 = np.full((11, 6), -1.0)
    grouping.condor_rows_reference(block, 737990, empty, np.zeros((6, 0)), want2)
    assert_allclose(got2, want2, rtol=0, atol=0)
