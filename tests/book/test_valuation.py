"""Compiled valuation: the same floats as numpy's sum and bincount, on random books too."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np
import pytest

from alvh.book.account import VX_FUTURE, Account
from alvh.book.contracts import Contract, SpxOption, VixFuture, VixOption
from alvh.book.positions import Fill
from alvh.book.valuation import pairwise_sum

D0 = date(2024, 2, 15)
RIGHTS: tuple[Literal["P", "C"], ...] = ("P", "C")


def _sequential(x: np.ndarray) -> float:
    out = 0.0
    for v in x.tolist():
        out += v
    return out


@pytest.mark.parametrize("n", [*range(0, 40), 127, 128, 129, 255, 256, 257, 1000, 4099])
def test_pairwise_sum_is_numpys_sum_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    # magnitudes over twelve decades, so the order of additions shows in the last bits
    x = rng.normal(size=n) * 10.0 ** rng.integers(-6, 6, size=n)
    assert 0.0 + pairwise_sum(x, 0, n) == np.sum(x)
    # a slice from an offset is the sum of that slice
    if n > 3:
        assert 0.0 + pairwise_sum(x, 3, n - 3) == np.sum(x[3:])


def test_pairwise_order_is_what_tells_numpy_from_a_running_sum() -> None:
    """The cases above could not pass with a running sum: it differs on many of them."""
    differs = 0
    for n in range(8, 300):
        rng = np.random.default_rng(n)
        x = rng.normal(size=n) * 10.0 ** rng.integers(-6, 6, size=n)
        differs += _sequential(x) != np.sum(x)
    assert differs > 50


def test_pairwise_sum_of_negative_zeros_and_nan() -> None:
    assert str(0.0 + pairwise_sum(np.full(9, -0.0), 0, 9)) == str(np.sum(np.full(9, -0.0)))
    assert np.isnan(pairwise_sum(np.array([1.0, np.nan, 2.0]), 0, 3))


def _numpy_valuation(acct: Account) -> tuple[float, dict[str, float]]:
    """The account's former numpy valuation, from its slot columns (the reference)."""
    a, n = acct._arr, acct._n
    q, m, mult, avg = a["qty"][:n], a["mark"][:n], a["mult"][:n], a["avg"][:n]
    mv = q * mult * np.where(a["kind"][:n] == VX_FUTURE, m - avg, m)
    tiers = acct._tiers
    open_sums = np.bincount(a["tier"][:n], weights=a["tier_cash"][:n] + mv, minlength=len(tiers))
    sums = open_sums + acct._closed_tier_cash
    return float(np.sum(mv)), {t: float(sums[c]) for t, c in tiers.items()}


@pytest.mark.parametrize("seed", range(6))
def test_account_values_random_books_as_numpy_did(seed: int) -> None:
    """Equity and per-tier P&L through fills, marks and compactions of a random book."""
    rng = np.random.default_rng(seed)
    acct = Account(1e6, {"vx_future": 8000.0})
    exp = D0 + timedelta(days=30)
    contracts: list[Contract] = [
        SpxOption("SPX", exp, float(k), r) for k in range(3000, 5000, 5) for r in RIGHTS
    ]
    contracts += [VixOption(exp, float(k), "C") for k in range(15, 40)]
    contracts += [VixFuture(f"VX{m}24", exp) for m in "FGHJK"]
    tiers = ("short", "mid", "long", "vx_futures")
    held: dict[tuple[str, str], tuple[Contract, float]] = {}
    checked = 0
    for step in range(1500):
        if held and rng.random() < 0.5:  # close a lot: flat lots pile up, then get compacted
            key = list(held)[int(rng.integers(len(held)))]
            c, q = held.pop(key)
            tier, qty = key[1], -q
        else:  # open a lot or add to one
            c = contracts[int(rng.integers(len(contracts)))]
            tier = tiers[int(rng.integers(len(tiers)))]
            qty = float(rng.integers(-20, 21)) or 1.0
            q = held.get((c.id, tier), (c, 0.0))[1] + qty
            if q:
                held[(c.id, tier)] = (c, q)
            else:
                held.pop((c.id, tier), None)
        price = float(rng.uniform(0.05, 80.0))
        acct.apply_fill(Fill(D0, c, qty, price, float(rng.uniform(0, 3)), "t", tier, ""))
        if step % 3 == 0:
            legs = acct.open_legs()  # may compact
            acct.set_marks(legs.slot, rng.uniform(0.0, 90.0, size=legs.slot.shape))
        total, by_tier = _numpy_valuation(acct)
        assert acct.market_value_usd == total
        assert acct.pnl_by_tier_usd() == by_tier
        checked += acct._n >= 8
    assert checked > 1000  # most steps had enough slots for the pairwise order to matter
    assert acct._closed_tier_cash.any()  # and compactions happened on the way
