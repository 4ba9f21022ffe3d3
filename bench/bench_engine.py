"""Engine benchmark: a 2006-2026 daily run of the three-tier ladder with the full journal.

Runs on the synthetic market (same length as the real one), unhedged and with the alvh-442
hedge, in the same process; reports wall time, the hedged/unhedged ratio and peak RSS.
"""

from __future__ import annotations

import resource
import time

from alvh.backtest import run as run_backtest_result
from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.journal import write_journal_atomically
from alvh.market.synthetic import generate_market


def _timed(cfg, market, tmp: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    res = run_backtest_result(cfg, market)
    from pathlib import Path

    write_journal_atomically(
        Path(tmp), res.run_id, {}, res.source.data_id, res.source.description, res.journal
    )
    return time.perf_counter() - t0, len(res.daily)


def run_bench() -> list[dict]:
    import tempfile
    from datetime import date

    market = generate_market("2005-01-03", "2026-07-31", seed=7)
    base = config_with_overrides(
        load_preset("ic-ladder"), **{"data.start": date(2006, 1, 3), "data.end": date(2026, 7, 22)}
    )
    hedged = base.model_copy(update={"hedge": hedge_preset("alvh-442")})
    rows = []
    with tempfile.TemporaryDirectory() as d:
        run_backtest_result(
            config_with_overrides(base, **{"data.end": date(2006, 3, 1)}), market
        )  # warm-up (numba, caches)
        t_u, n = _timed(base, market, f"{d}/u.sqlite")
        t_h, _ = _timed(hedged, market, f"{d}/h.sqlite")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(
        {
            "name": "ladder 2006-2026 unhedged (+journal)",
            "sessions": n,
            "seconds": round(t_u, 2),
            "target_s": 2.0,
        }
    )
    rows.append(
        {
            "name": "ladder 2006-2026 alvh-442 (+journal)",
            "sessions": n,
            "seconds": round(t_h, 2),
            "ratio_vs_unhedged": round(t_h / t_u, 2),
            "target_ratio": 1.5,
        }
    )
    rows.append({"name": "peak RSS of the process", "mb": round(rss_mb, 0), "target_mb": 500})
    return rows


def run() -> list[dict]:
    return run_bench()
