"""Benchmark: generating 20 years of the synthetic market (target < 5 s).

Baseline measured in the same run: drawing the raw normals the path uses (4 per half-session
step) with numpy, so the ratio says how much the model and table building cost on top of the
random numbers themselves.
"""

from __future__ import annotations

import time

import numpy as np

from alvh.calendar.sessions import trading_calendar
from alvh.market.synthetic import generate_market
from alvh.market.synthetic_params import SyntheticParams
from alvh.market.synthetic_paths import simulate_factors

START, END = "2006-01-01", "2025-12-31"
REPEATS = 2


def _best(fn, repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run() -> list[dict]:
    """Time ``generate_market`` over 20 years against drawing its normals with numpy."""
    trading_calendar()  # calendar construction is a one-off cost, not the generator's
    n = len(trading_calendar().sessions_in_range(START, END))
    p = SyntheticParams()
    n_normals = 2 * (n + p.burn_in_sessions) * 4

    def normals() -> None:
        np.random.Generator(np.random.PCG64(7)).standard_normal(n_normals)

    def path() -> None:
        simulate_factors(n, p, np.random.Generator(np.random.PCG64(7)))

    def market() -> None:
        generate_market(START, END, seed=7)

    market()  # warm caches (calendar, expiries) once
    t_base = _best(normals, 5)
    t_path = _best(path)
    t_market = _best(market)
    return [
        {
            "name": "normals_baseline",
            "sessions": n,
            "normals": n_normals,
            "seconds": round(t_base, 6),
        },
        {
            "name": "simulate_factors_20y",
            "seconds": round(t_path, 4),
            "ratio_vs_normals": round(t_path / t_base, 1),
        },
        {
            "name": "generate_market_20y",
            "seconds": round(t_market, 4),
            "ratio_vs_normals": round(t_market / t_base, 1),
            "target_seconds": 5.0,
            "within_target": t_market < 5.0,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
