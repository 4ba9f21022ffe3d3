"""Sweep benchmark: configs per second per core, and scaling from 1 to 2 Dask workers.

Six configs of the ic-ladder (short delta of the short tier 0.10/0.16/0.20, unhedged and
alvh-442) over ten years of the synthetic market (2016-2026), run by ``run_sweep`` with one and
then two LocalCluster worker processes. Figures: wall time including the cluster start and each
worker's market load (what a user waits for), the summed in-worker time per config, configs per
second per core, and the scaling efficiency ``(rate with 2 workers / rate with 1) / 2``.

On a machine shared with other jobs the 2-worker figure is a floor: the second core may be busy.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

from alvh.config.load import config_with_overrides, load_preset
from alvh.sweep.grid import parse_vary
from alvh.sweep.runner import run_sweep

START, END = date(2016, 1, 4), date(2025, 12, 31)
VARY = ("tiers[0].strikes.short_delta=0.1,0.16,0.2", "hedge.preset=none,alvh-442")


def run() -> list[dict]:
    base = config_with_overrides(
        load_preset("ic-ladder"),
        **{"data.source": "synthetic", "data.start": START, "data.end": END},
    )
    varies = [parse_vary(v) for v in VARY]
    rows = []
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            t0 = time.perf_counter()
            o = run_sweep(base, varies, Path(tmp) / f"w{workers}", workers=workers)
            wall = time.perf_counter() - t0
            in_task = sum(o.task_seconds.values())
            rates[workers] = o.n_run / wall
            rows.append(
                {
                    "name": f"sweep 6 configs 2016-2026 synthetic, {workers} worker(s)",
                    "wall_s": round(wall, 1),
                    "in_worker_s": round(in_task, 1),
                    "configs_per_s_per_core": round(o.n_run / wall / workers, 4),
                    "market_loads": sum(o.market_loads.values()),
                    "cpus_seen": os.cpu_count(),
                }
            )
    rows.append(
        {"name": "scaling efficiency 1 -> 2 workers", "ratio": round(rates[2] / rates[1] / 2, 3)}
    )
    return rows
