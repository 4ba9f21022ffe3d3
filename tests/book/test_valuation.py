"""The account's compiled valuation against numpy's sum and bincount, on random books.

The kernel sums in slot order, numpy pairwise: the totals agree to rounding, ~n ulps of the
largest lot value (atol 1e-13 x the gross value, rtol 1e-12)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np
import pytest

from alvh.book.account import Account
from alvh.book.contracts import Contract, SpxOption, VixFuture, VixOption
from alvh.book.legs import VX_FUTURE
from alvh.book.positions import Fill

D0 = date(2024, 2, 15)
RIGHTS: tuple[Literal["P", "C"], ...] = ("P", "C")


def _numpy_valuation(acct: Account) -> tuple[float, dict[str, float], float]:
    """The account's former numpy valuation, from its slot columns (the reference)."""
    a, n = acct._arr, acct._n
    q, m, mult, avg = a["qty"][:n], a["mark"][:n], a["mult"][:n], a["avg"][:n]
    mv = q * mult * np.where(a["kind"][:n] == VX_FUTURE, m - avg, m)
    tiers = acct._tiers
    open_sums = np.bincount(a["tier"][:n], weights=a["tier_cash"][:n] + mv, minlength=len(tiers))
    sums = open_sums + acct._closed_tier_cash
    gross = float(np.sum(np.abs(mv)) + np.sum(np.abs(a["tier_cash"][:n])))
    return float(np.sum(mv)), {t: float(sums[c]) for t, c in tiers.items()}, gross


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
        total, by_tier, gross = _numpy_valuation(acct)
        atol = 1e-13 * max(gross, 1.0)
        np.testing.assert_allclose(acct.market_value_usd, total, rtol=1e-12, atol=atol)
        got = acct.pnl_by_tier_usd()
        assert got.keys() == by_tier.keys()
        for t in by_tier:
            np.testing.assert_allclose(got[t], by_tier[t], rtol=1e-12, atol=atol)
        checked += acct._n >= 8
    assert checked > 1000  # most steps valued more than a handful of lots
    assert acct._closed_tier_cash.any()  # and compactions happened on the way
