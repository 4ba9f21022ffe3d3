"""Engine benchmark: a 2006-2026 daily run of the three-tier ladder with the full journal.

Runs the ladder unhedged and with the alvh-442 hedge, in the same process, on the synthetic
market (same length as the real one; runs anywhere) and, when the real data is present
(``$SHARED_DATA``, else ``$ALVH_SHARED_DATA``, else ``../shared/data``), on the real market
imported into a temporary store. Reports wall time, the hedged/unhedged ratio and peak RSS, and
the CPU per session of building the day's SPX surface against reading it from its memo.

The hedged run follows the unhedged one on the same market, so it reads the unhedged run's
surfaces from the memo (as a sweep's configs after the first do): about 0.3 s of a run.

On the synthetic market the hedged ladder is ruined partway and the engine stops trading it, so
its ratio understates the hedge's cost; the real-data rows are the representative ones.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import timeit
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.backtest import run as run_backtest_result
from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides, load_preset
from alvh.config.run import RunConfig
from alvh.engine.journal import write_journal_atomically
from alvh.kernel.ticks import fill_prices, fill_prices_reference
from alvh.market.data import MarketData
from alvh.market.surface import SpxVolSurface
from alvh.market.synthetic import generate_market

REPO = Path(__file__).resolve().parent.parent
START = date(2006, 1, 3)


def _shared_data() -> Path | None:
    env = os.environ.get("SHARED_DATA") or os.environ.get("ALVH_SHARED_DATA")
    d = Path(env) if env else REPO.parent / "shared" / "data"
    return d if d.is_dir() else None


def _timed(cfg: RunConfig, market: MarketData, journal_path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    res = run_backtest_result(cfg, market)
    write_journal_atomically(
        journal_path, res.run_id, {}, res.source.data_id, res.source.description, res.journal
    )
    return time.perf_counter() - t0, len(res.daily)


def _pair(label: str, market: MarketData, base: RunConfig, tmp: str) -> list[dict]:
    """Time the ladder unhedged then hedged on one market; warm both paths up first."""
    hedged = base.model_copy(update={"hedge": hedge_preset("alvh-442")})
    short = {"data.start": START, "data.end": date(2006, 3, 1)}
    # Warm-up: numba compilation, caches and the lazy imports of the hedge modules.
    run_backtest_result(config_with_overrides(base, **short), market)
    run_backtest_result(config_with_overrides(hedged, **short), market)
    t_u, n = _timed(base, market, Path(tmp) / f"{label}_u.sqlite")
    t_h, _ = _timed(hedged, market, Path(tmp) / f"{label}_h.sqlite")
    return [
        {
            "name": f"{label}: ladder 2006-2026 unhedged (+journal)",
            "sessions": n,
            "seconds": round(t_u, 2),
            "target_s": 2.0,
        },
        {
            "name": f"{label}: ladder 2006-2026 alvh-442 (+journal)",
            "sessions": n,
            "seconds": round(t_h, 2),
            "ratio_vs_unhedged": round(t_h / t_u, 2),
            "target_ratio": 1.5,
        },
    ]


def _surface_memo(label: str, market: MarketData, end: date) -> dict:
    """CPU per session of building the day's SPX surface, then of reading it from the memo
    (``SpxVolSurface.from_snapshot``; a sweep's configs after the first read it)."""
    sessions = market.sessions("SPX")
    sessions = sessions[(sessions >= pd.Timestamp(START)) & (sessions <= pd.Timestamp(end))]
    snaps = [market.snapshot(t) for t in sessions + pd.Timedelta(hours=16, minutes=15)]
    market._surfaces.clear()  # the runs above filled it: time a first build
    us = []
    for _ in range(2):
        t0 = time.process_time()
        for s in snaps:
            SpxVolSurface.from_snapshot(s)
        us.append((time.process_time() - t0) / len(snaps) * 1e6)
    return {
        "name": f"{label}: SPX surface per session, built vs from the memo (CPU)",
        "sessions": len(snaps),
        "build_us": round(us[0], 1),
        "memo_us": round(us[1], 1),
    }


def _fill_prices() -> dict:
    """Per call: a condor's four leg prices, compiled against the numpy reference (best of 5)."""
    mid = np.array([1.37, 4.12, 3.96, 1.21])  # long put, short put, short call, long call
    side, slip = np.array([1.0, -1.0, -1.0, 1.0]), np.array([0.21, 0.33, 0.32, 0.2])
    args = (mid, side, slip, 0.05, 0.10, 3.0)
    fill_prices(*args)  # compile (or load the cache) first
    n = 20_000
    fast = min(timeit.repeat(lambda: fill_prices(*args), number=n, repeat=5)) / n
    ref = min(timeit.repeat(lambda: fill_prices_reference(*args), number=n, repeat=5)) / n
    return {
        "name": "fill prices of a condor's 4 legs (kernel.ticks), compiled vs numpy reference",
        "compiled_us": round(fast * 1e6, 2),
        "reference_us": round(ref * 1e6, 2),
    }


def _real_market(shared: Path, tmp: str) -> MarketData:
    from alvh.market.store import Store, import_paths

    store = Store(Path(tmp) / "store")
    files = sorted(p for p in shared.iterdir() if p.is_file() and p.suffix in (".csv", ".gz"))
    import_paths(store, files)
    return store.load()


def run_bench() -> list[dict]:
    rows: list[dict] = [_fill_prices()]
    ladder = load_preset("ic-ladder")
    with tempfile.TemporaryDirectory() as d:
        market = generate_market("2005-01-03", "2026-07-31", seed=7)
        base = config_with_overrides(ladder, **{"data.start": START, "data.end": date(2026, 7, 22)})
        rows += _pair("synthetic", market, base, d)
        rows.append(_surface_memo("synthetic", market, date(2026, 7, 22)))
        del market
        shared = _shared_data()
        if shared is not None:
            real = _real_market(shared, d)
            # An end past the data runs to its last session (2026-07-22 in ../shared/data).
            to_end = {"data.start": START, "data.end": date(2026, 12, 31)}
            rows += _pair("real", real, config_with_overrides(ladder, **to_end), d)
            rows.append(_surface_memo("real", real, date(2026, 7, 22)))
        else:
            rows.append({"name": "real data", "skipped": "no ../shared/data (set SHARED_DATA)"})
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append({"name": "peak RSS of the process", "mb": round(rss_mb, 0), "target_mb": 500})
    return rows


def run() -> list[dict]:
    return run_bench()
