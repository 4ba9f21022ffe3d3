"""Sweep benchmark: configs per second per core, unhedged and hedged; scaling 1 -> 2 workers.

Six configs of the ic-ladder (short delta of the short tier 0.12/0.16/0.20, unhedged and
alvh-442) run by ``run_sweep`` with one and then two LocalCluster worker processes, on the real
store 2006-03-01..2026-06-30 when one is present (``$ALVH_BENCH_STORE``, else
``/work/store-main``, else ``$ALVH_STORE``), else on the synthetic market over the same period.

Figures, each also per book (unhedged / hedged):

- wall time of the whole sweep, cluster start and each worker's market load and numba
  compilation included (what a user waits for), and configs per second per core from it;
- steady-state seconds per config: the mean in-worker wall and CPU time of the configs that were
  not the first of their worker (the first pays the warm-up, reported apart);
- scaling efficiency ``(rate with 2 workers / rate with 1) / 2``, from the wall time and from the
  steady-state in-worker throughput;
- the projected wall time of 1,000 hedged configs on 2 cores from the steady-state figure
  (``1000 x s_hedged / 2`` plus one warm-up), against the issue's 10-minute goal;
- the share of a config's CPU time that is market-only and shared (``MarketData.shared``):
  in one process, after a warm-up run, the same config run with the memos emptied (cold: it
  rebuilds the day's surfaces, hedge views and VIX option greeks) and with them kept (warm),
  alternately; with only the surfaces kept, to split the surface from the rest.

The machine is shared (2 cores, several users): ``os.getloadavg()`` is recorded before and after
each sweep. A load above the core count means the figures are floors of what an idle machine
does; CPU seconds are the figure a busy machine distorts least.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from alvh.backtest import run as run_backtest
from alvh.config.load import config_with_overrides, load_preset
from alvh.config.run import RunConfig
from alvh.market.data import MarketData
from alvh.market.load import load_market
from alvh.sweep.grid import parse_vary, sweep_points
from alvh.sweep.runner import SweepOutcome, run_sweep

START, END = date(2006, 3, 1), date(2026, 6, 30)
VARY = ("tiers[0].strikes.short_delta=0.12,0.16,0.2", "hedge.preset=none,alvh-442")
GOAL_S = 600.0  # issue 21: 1,000 hedged configs in 10 minutes on this 2-core machine


def _store() -> Path | None:
    for c in (
        os.environ.get("ALVH_BENCH_STORE"),
        "/work/store-main",
        os.environ.get("ALVH_STORE"),
    ):
        if c and (Path(c) / "manifest.json").is_file():
            return Path(c)
    return None


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _mean(xs: list[float]) -> float:
    return round(statistics.fmean(xs), 2) if xs else float("nan")


def _books(o: SweepOutcome, hedged: set[str]) -> dict[str, dict[str, float]]:
    """Steady-state (not first of a worker) in-worker wall and CPU seconds per config, per book."""
    out = {}
    for book in ("unhedged", "hedged"):
        hs = [h for h in o.task_seconds if (h in hedged) == (book == "hedged")]
        steady = [h for h in hs if h not in o.warm_up]
        out[book] = {
            "steady_wall_s": _mean([o.task_seconds[h] for h in steady]),
            "steady_cpu_s": _mean([o.task_cpu_seconds[h] for h in steady]),
            "n_steady": len(steady),
        }
    return out


def _cpu_run(cfg: RunConfig, market: MarketData) -> float:
    c0 = time.process_time()
    run_backtest(cfg, market, order_prices=False)  # as a sweep row runs it
    return time.process_time() - c0


def _build_cpu(market: MarketData, base: RunConfig) -> dict:
    """CPU seconds to build what the memos keep, every session of the period, directly."""
    import pandas as pd

    from alvh.engine.hedge_market import _fields
    from alvh.market.surface import DEFAULT_SURFACE_PARAMS, SpxVolSurface

    _ = market.etf_note  # the ETF series: built once per data whatever is shared
    days = market.sessions()
    days = days[(days >= pd.Timestamp(base.data.start)) & (days <= pd.Timestamp(base.data.end))]
    times = days + pd.Timedelta(hours=15, minutes=45)
    out: dict = {"name": "market-only work per run, built directly (CPU s)", "sessions": len(days)}
    for what, build in (
        ("surfaces_cpu_s", lambda s: SpxVolSurface._build(s, DEFAULT_SURFACE_PARAMS)),
        ("hedge_views_cpu_s", _fields),
    ):
        snaps = [market.snapshot(t) for t in times]  # fresh snapshots, as a run makes them
        c0 = time.process_time()
        for snap in snaps:
            build(snap)
        out[what] = round(time.process_time() - c0, 3)
    return out


def _leg_marks_vs_memo(market: MarketData, n_legs: int = 16, reps: int = 20_000) -> dict:
    """Microseconds to price ``n_legs`` condor legs in one compiled pass vs to look them up."""
    import numpy as np
    import pandas as pd

    from alvh.market.surface import SpxVolSurface

    surf = SpxVolSurface.from_snapshot(market.snapshot(pd.Timestamp("2020-05-01 15:45")))
    spot = surf.spot
    o = np.full(n_legs, pd.Timestamp("2020-06-19").toordinal(), np.int64)
    am = np.zeros(n_legs, bool)
    k = np.round(np.linspace(spot * 0.85, spot * 1.05, n_legs) / 5.0) * 5.0
    c = np.tile([False, False, True, True], n_legs // 4)
    surf.greeks_iv_of_ordinals(o, am, k, c)
    c0 = time.process_time()
    for _ in range(reps):
        surf.greeks_iv_of_ordinals(o, am, k, c)
    kernel = (time.process_time() - c0) / reps
    keys = list(zip(o.tolist(), am.tolist(), k.tolist(), c.tolist(), strict=True))
    memo = {key: (1.0,) * 6 for key in keys}
    c0 = time.process_time()
    for _ in range(reps):
        _ = np.array([memo[key] for key in keys]).T
    lookup = (time.process_time() - c0) / reps
    return {
        "name": f"condor leg marks, {n_legs} legs: one compiled pass vs a per-leg memo",
        "compiled_us": round(kernel * 1e6, 1),
        "memo_lookup_us": round(lookup * 1e6, 1),
    }


def _shared_share(base: RunConfig, store: Path | None, reps: int = 2) -> list[dict]:
    """CPU seconds of a config with the market-only memos emptied, partly kept and kept."""
    d = base.data
    market = load_market(
        store, source=d.source, seed=d.seed, start=d.start.replace(year=d.start.year - 1), end=d.end
    )
    rows = [_build_cpu(market, base), _leg_marks_vs_memo(market)]
    for hedge in ("none", "alvh-442"):
        warm_up = config_with_overrides(base, **{"hedge.preset": hedge})
        first = _cpu_run(warm_up, market)  # also numba, the data's lazy indexes
        cfg = config_with_overrides(warm_up, **{"tiers[0].strikes.short_delta": 0.12})
        t: dict[str, list[float]] = {"cold": [], "surfaces_kept": [], "warm": []}
        for _ in range(reps):
            for mode in t:
                if mode == "cold":
                    market.shared.clear()
                elif mode == "surfaces_kept":
                    kept = dict(market.shared.table("spx_surface"))
                    market.shared.clear()
                    market.shared.table("spx_surface").update(kept)
                t[mode].append(_cpu_run(cfg, market))
        cold, part, warm = (statistics.fmean(t[k]) for k in ("cold", "surfaces_kept", "warm"))
        rows.append(
            {
                "name": f"shared market-only work, {hedge} config, in process (CPU s)",
                "first_run_of_process_cpu_s": round(first, 2),
                "cold_cpu_s": round(cold, 2),
                "surfaces_kept_cpu_s": round(part, 2),
                "warm_cpu_s": round(warm, 2),
                "shared_share": round((cold - warm) / cold, 3),
                "surface_share": round((cold - part) / cold, 3),
                "hedge_view_and_greeks_share": round((part - warm) / cold, 3),
                "memo_sizes": market.shared.sizes(),
                "loadavg": _load(),
            }
        )
    return rows


def run() -> list[dict]:
    store = _store()
    source = "store" if store else "synthetic"
    base = config_with_overrides(
        load_preset("ic-ladder"),
        **{"data.source": source, "data.start": START, "data.end": END},
    )
    varies = [parse_vary(v) for v in VARY]
    hedged = {
        p.config_hash for p in sweep_points(base, varies) if p.varied["hedge.preset"] != "none"
    }
    label = f"{source} {START.year}-{END.year}" + (f" ({store})" if store else "")
    rows: list[dict] = []
    walls: dict[int, float] = {}
    steady_rate: dict[int, float] = {}
    steady: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            load_before = _load()
            t0 = time.perf_counter()
            o = run_sweep(base, varies, Path(tmp) / f"w{workers}", workers=workers, store=store)
            wall = time.perf_counter() - t0
            assert (o.table["status"] == "ok").all(), o.table["error"].tolist()
            walls[workers] = wall
            books = steady[workers] = _books(o, hedged)
            warm = [o.task_seconds[h] for h in o.warm_up]
            # Throughput of the workers once warm: each worker runs its steady configs back to
            # back, so the rate is the sum over workers of 1 / (its mean seconds per config).
            n_steady = len(o.task_seconds) - len(o.warm_up)
            busy = sum(v for h, v in o.task_seconds.items() if h not in o.warm_up)
            steady_rate[workers] = workers * n_steady / busy if busy > 0 else float("nan")
            rows.append(
                {
                    "name": f"sweep 6 configs {label}, {workers} worker(s)",
                    "data_id": str(o.table["data_id"].iloc[0]),
                    "wall_s": round(wall, 1),
                    "configs_per_s_per_core": round(o.n_run / wall / workers, 4),
                    "first_task_per_worker_s": [round(w, 1) for w in warm],
                    "first_task_per_worker_cpu_s": [
                        round(o.task_cpu_seconds[h], 1) for h in sorted(o.warm_up)
                    ],
                    "unhedged_steady_s": books["unhedged"]["steady_wall_s"],
                    "unhedged_steady_cpu_s": books["unhedged"]["steady_cpu_s"],
                    "hedged_steady_s": books["hedged"]["steady_wall_s"],
                    "hedged_steady_cpu_s": books["hedged"]["steady_cpu_s"],
                    "market_loads": sum(o.market_loads.values()),
                    "loadavg_before": load_before,
                    "loadavg_after": _load(),
                    "cpus_seen": os.cpu_count(),
                }
            )
    h1 = steady[1]["hedged"]
    rows.append(
        {
            "name": "configs per second per core once warm (1 worker)",
            "unhedged": round(1 / steady[1]["unhedged"]["steady_wall_s"], 4),
            "hedged": round(1 / h1["steady_wall_s"], 4),
            "unhedged_per_cpu_s": round(1 / steady[1]["unhedged"]["steady_cpu_s"], 4),
            "hedged_per_cpu_s": round(1 / h1["steady_cpu_s"], 4),
        }
    )
    rows.append(
        {
            "name": "scaling efficiency 1 -> 2 workers",
            "from_wall": round(walls[1] / walls[2] / 2, 3),
            "from_steady_throughput": round(steady_rate[2] / steady_rate[1] / 2, 3),
            # CPU seconds per config with 1 worker over with 2: below 1 when the two workers
            # slow each other down (memory bandwidth, shared caches), whatever else runs.
            "cpu_per_config_1_over_2_hedged": round(
                h1["steady_cpu_s"] / steady[2]["hedged"]["steady_cpu_s"], 3
            ),
            "cpu_per_config_1_over_2_unhedged": round(
                steady[1]["unhedged"]["steady_cpu_s"] / steady[2]["unhedged"]["steady_cpu_s"], 3
            ),
            "goal": 0.85,
        }
    )
    warm_s = max(rows[1]["first_task_per_worker_s"] or [0.0])
    eff = min(1.0, steady_rate[2] / steady_rate[1] / 2)
    for basis, s in (("wall", h1["steady_wall_s"]), ("cpu", h1["steady_cpu_s"])):
        for scaling, e in (("perfect", 1.0), ("measured", eff)):
            proj = 1000 * s / (2 * e) + warm_s
            rows.append(
                {
                    "name": f"projected 1,000 hedged configs on 2 cores ({basis} time per "
                    f"config, {scaling} scaling)",
                    "minutes": round(proj / 60, 1),
                    "goal_minutes": GOAL_S / 60,
                    "speed_up_needed": round(proj / GOAL_S, 2),
                }
            )
    rows += _shared_share(base, store)
    return rows
