"""Book bookkeeping speed: a daily mark/equity/margin/greeks cycle over ~150 open option legs.

The engine's budget is ~50-200 option legs marked per day for ~5000 days in under 2 s. This
measures the book's part of a day (fetch open legs as arrays, set marks and greeks, equity,
margin, per-tier dollar greeks, a condor roll every 5th day) with and without the Black-76
pricing call, against a baseline of per-position Python loops measured in the same process.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np

from alvh.book.account import Account
from alvh.book.condor import IronCondor
from alvh.book.legs import SPX_OPTION
from alvh.book.positions import Fill
from alvh.kernel.black import black76_greeks

N_DAYS = 1000  # timed; figures are scaled to 5000 days
N_CONDORS = 38  # 152 legs
START = date(2020, 1, 2)


def _condor(k: int, day: date) -> IronCondor:
    expiry = day + timedelta(days=7 * (1 + k % 12))
    base = 4000.0 + 5.0 * (k % 40)
    return IronCondor.from_strikes(expiry, (base - 150, base - 100, base + 100, base + 150), 2)


def _open(acct: Account, ic: IronCondor, day: date, tier: str, group: str) -> None:
    for leg, px in zip(ic.legs, (1.0, 2.5, 2.0, 0.8), strict=True):
        acct.apply_fill(Fill(day, leg.contract, leg.qty, px, 2.5, "entry", tier, group))


def _setup() -> tuple[Account, list[tuple[IronCondor, str, str]]]:
    acct = Account(1e7, {"vx_future": 1e4, "vxm_future": 1e3})
    book = []
    for k in range(N_CONDORS):
        ic = _condor(k, START)
        tier, group = ("short", "medium", "long")[k % 3], f"c{k}"
        _open(acct, ic, START, tier, group)
        book.append((ic, tier, group))
    return acct, book


def _day_arrays(acct: Account, day: date, spot: float, price: bool) -> float:
    legs = acct.open_legs((SPX_OPTION,))
    t_years = (legs.expiry_ordinal - day.toordinal()) / 365.0
    if price:
        g = black76_greeks(spot, legs.strike, t_years, 0.18, 1.0, legs.is_call)
        acct.set_marks(legs.slot, g.price)
        s = np.full(legs.slot.shape, spot)
        acct.set_greeks(legs.slot, s, g.delta, g.gamma, g.vega_per_vol_pt, g.theta_per_day)
    else:
        acct.set_marks(legs.slot, np.full(legs.slot.shape, 1.0))
    acct.greeks_usd((SPX_OPTION,))
    return acct.equity_usd + acct.margin_usd()


def _roll(acct: Account, book: list[tuple[IronCondor, str, str]], i: int, day: date) -> None:
    j = i % len(book)
    ic, tier, group = book[j]
    for leg in ic.legs:
        acct.apply_fill(Fill(day, leg.contract, -leg.qty, 1.0, 2.5, "exit", tier, group))
    new = _condor(j + i, day)
    _open(acct, new, day, tier, f"{group}-{i}")
    book[j] = (new, tier, f"{group}-{i}")


def _run_arrays(price: bool) -> float:
    acct, book = _setup()
    t0 = time.perf_counter()
    for i in range(N_DAYS):
        day = START + timedelta(days=i)
        if i % 5 == 4:
            _roll(acct, book, i, day)
        _day_arrays(acct, day, 4100.0 + (i % 50), price)
    return time.perf_counter() - t0


def _run_loop_baseline() -> float:
    """Per-position Python loops: what the array layout avoids (marks, equity, greeks)."""
    acct, _ = _setup()
    pos = acct.positions()
    t0 = time.perf_counter()
    for i in range(N_DAYS):
        day = START + timedelta(days=i)
        equity, delta = acct.cash_usd, 0.0
        for p in pos:
            c = p.contract
            t = (c.expiry.toordinal() - day.toordinal()) / 365.0  # type: ignore[union-attr]
            g = black76_greeks(4100.0, c.strike, t, 0.18, 1.0, c.right == "C")  # type: ignore[union-attr]
            equity += p.qty * float(g.price) * c.multiplier
            delta += p.qty * float(g.delta) * c.multiplier
    return time.perf_counter() - t0


def run() -> list[dict[str, object]]:
    """Return timings scaled to 5000 days."""
    scale = 5000 / N_DAYS
    book_only = _run_arrays(price=False) * scale
    with_pricing = _run_arrays(price=True) * scale
    baseline = _run_loop_baseline() * scale
    legs = 4 * N_CONDORS
    return [
        {"name": "book_day_cycle_5000d", "legs": legs, "seconds": round(book_only, 3)},
        {"name": "book_plus_black76_5000d", "legs": legs, "seconds": round(with_pricing, 3)},
        {
            "name": "per_object_loop_baseline_5000d",
            "legs": legs,
            "seconds": round(baseline, 3),
            "speedup_of_arrays": round(baseline / with_pricing, 1),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
