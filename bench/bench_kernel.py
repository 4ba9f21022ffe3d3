"""Kernel throughput: Black-76 price + four greeks and implied vol, numba vs numpy vs QuantLib.

Per-core figures come from the single-threaded numba loops; the ``parallel`` rows use every core
numba sees (on a shared machine they are whatever the other processes leave). QuantLib's
``BlackCalculator`` (and ``blackFormulaImpliedStdDev``) is timed in a Python loop on a smaller
sample in the same run; its rate is per option, so the ratio is rate / rate.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from alvh.kernel import black, fast, implied_vol

N_FAST = int(os.environ.get("ALVH_BENCH_N", 10_000_000))
N_NUMPY = 1_000_000
N_QL = 100_000
N_QL_IV = 20_000


def _inputs(n: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    """SPX-like book: forwards 3000-6000, strikes +-30% in log, 1 day to 2 years, vol 8-80%."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(3000.0, 6000.0, n)
    k = f * np.exp(rng.uniform(-0.3, 0.3, n))
    t = np.exp(rng.uniform(np.log(1 / 365), np.log(2.0), n))
    v = rng.uniform(0.08, 0.8, n)
    df = np.exp(-0.045 * t)
    c = rng.random(n) < 0.5
    return f, k, t, v, df, c


def _best(fn: Callable[[], Any], repeat: int = 2) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _ql_greeks_rate(
    f: np.ndarray, k: np.ndarray, t: np.ndarray, v: np.ndarray, df: np.ndarray, c: np.ndarray
) -> float:
    import QuantLib as ql

    rows = list(
        zip(f.tolist(), k.tolist(), t.tolist(), v.tolist(), df.tolist(), c.tolist(), strict=True)
    )

    def loop() -> None:
        for fi, ki, ti, vi, dfi, ci in rows:
            payoff = ql.PlainVanillaPayoff(ql.Option.Call if ci else ql.Option.Put, ki)
            calc = ql.BlackCalculator(payoff, fi, vi * ti**0.5, dfi)
            calc.value(), calc.deltaForward(), calc.gammaForward(), calc.vega(ti)
            calc.thetaPerDay(fi, ti)

    return len(rows) / _best(loop, 1)


def _ql_iv_rate(
    p: np.ndarray, f: np.ndarray, k: np.ndarray, df: np.ndarray, c: np.ndarray
) -> float:
    import QuantLib as ql

    rows = list(zip(p.tolist(), f.tolist(), k.tolist(), df.tolist(), c.tolist(), strict=True))

    def loop() -> None:
        for pi, fi, ki, dfi, ci in rows:
            kind = ql.Option.Call if ci else ql.Option.Put
            # No time value left: QuantLib raises where we return code 1.
            with contextlib.suppress(RuntimeError):
                ql.blackFormulaImpliedStdDev(
                    kind, ki, fi, pi, dfi, 0.0, ql.nullDouble(), 1e-10, 100
                )

    return len(rows) / _best(loop, 1)


def run() -> list[dict[str, Any]]:
    """Measure and return one row per case (rates in options per second)."""
    f, k, t, v, df, c = _inputs(N_FAST)
    # Warm up (compiles, or loads the on-disk cache) outside the timed region.
    small = tuple(a[:1000] for a in (f, k, t, v, df, c))
    for par in (False, True):
        fast.black76_greeks(*small, parallel=par)
        fast.implied_vol(black.black76_price(*small), *small[:3], small[4], small[5], parallel=par)

    rows: list[dict[str, Any]] = []
    ql_greeks = _ql_greeks_rate(*(a[:N_QL] for a in (f, k, t, v, df, c)))
    sec = _best(lambda: black.black76_greeks(*(a[:N_NUMPY] for a in (f, k, t, v, df, c))))
    rows.append(
        {
            "name": "greeks_numpy_reference",
            "n": N_NUMPY,
            "seconds": round(sec, 4),
            "options_per_s": round(N_NUMPY / sec),
        }
    )
    for par in (False, True):
        sec = _best(lambda par=par: fast.black76_greeks(f, k, t, v, df, c, parallel=par))
        rate = N_FAST / sec
        rows.append(
            {
                "name": "greeks_numba_" + ("parallel" if par else "1core"),
                "n": N_FAST,
                "seconds": round(sec, 3),
                "options_per_s": round(rate),
                "vs_quantlib": round(rate / ql_greeks, 1),
            }
        )
    rows.append(
        {"name": "greeks_quantlib_python_loop", "n": N_QL, "options_per_s": round(ql_greeks)}
    )

    price = fast.black76_price(f, k, t, v, df, c, parallel=True)
    ql_iv = _ql_iv_rate(price[:N_QL_IV], f[:N_QL_IV], k[:N_QL_IV], df[:N_QL_IV], c[:N_QL_IV])
    sec = _best(
        lambda: implied_vol.implied_vol(
            price[:N_NUMPY], f[:N_NUMPY], k[:N_NUMPY], t[:N_NUMPY], df[:N_NUMPY], c[:N_NUMPY]
        ),
        1,
    )
    rows.append(
        {
            "name": "iv_numpy_reference",
            "n": N_NUMPY,
            "seconds": round(sec, 3),
            "options_per_s": round(N_NUMPY / sec),
        }
    )
    for par in (False, True):
        res: list[implied_vol.IVResult] = []
        sec = _best(
            lambda par=par, res=res: res.append(
                fast.implied_vol(price, f, k, t, df, c, parallel=par)
            ),
            1,
        )
        rate = N_FAST / sec
        ok = res[-1].code == 0
        # Vol error where the quote determines the vol (time value above 1e-8 of the forward).
        intrinsic = df * np.maximum(np.where(c, f - k, k - f), 0.0)
        resolvable = ok & (price - intrinsic > 1e-8 * f)
        rows.append(
            {
                "name": "iv_numba_" + ("parallel" if par else "1core"),
                "n": N_FAST,
                "seconds": round(sec, 3),
                "options_per_s": round(rate),
                "vs_quantlib": round(rate / ql_iv, 1),
                "ok_fraction": round(float(ok.mean()), 5),
                "max_abs_vol_err_resolvable": float(
                    np.max(np.abs(res[-1].vol[resolvable] - v[resolvable]))
                ),
            }
        )
    rows.append({"name": "iv_quantlib_python_loop", "n": N_QL_IV, "options_per_s": round(ql_iv)})
    rows.append({"name": "cores_visible", "n": os.cpu_count() or 0})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
