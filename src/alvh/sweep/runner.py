"""Run a sweep: every config missing from ``--out``, in process or on a Dask cluster.

``workers=0`` runs the configs one after another in this process (for debugging and small
tests); ``workers=N`` starts a ``dask.distributed.LocalCluster`` of N single-threaded worker
processes; ``scheduler="tcp://HOST:PORT"`` uses an existing cluster (its workers must import
this version of alvh and reach the same store path). The client writes each row as its config
finishes, so the folder is always a consistent, resumable state.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alvh.config.load import canonical_json
from alvh.config.run import RunConfig
from alvh.errors import ConfigError
from alvh.sweep.grid import SweepPoint, Vary, config_hash, sweep_points
from alvh.sweep.results import (
    done_hashes,
    manifest,
    open_sweep_dir,
    results_table,
    write_results,
    write_row,
)
from alvh.sweep.task import TaskResult, run_config


@dataclass(frozen=True)
class Progress:
    """Where a sweep stands, passed to the progress callback after each finished config."""

    done: int
    failed: int
    total: int
    skipped: int
    elapsed_s: float

    @property
    def rate_per_s(self) -> float:
        """Configs finished per second in this run (0 before the first)."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate (None before the first config finishes)."""
        r = self.rate_per_s
        return (self.total - self.done) / r if r > 0 else None


@dataclass(frozen=True)
class SweepOutcome:
    """What a sweep did.

    Attributes
    ----------
    out, results_parquet, results_csv
        The folder and the table files.
    table
        The results table (every config with a row, grid order).
    n_points, n_run, n_skipped, n_failed
        Configs in the sweep; run now; skipped as already done; failed now.
    market_loads
        Per worker process id, how many times it loaded the market (1 each when cached).
    task_seconds, task_cpu_seconds
        Per config run now, its wall and CPU time inside the worker (config hash -> seconds).
    warm_up
        The configs that were the first of their worker process (they also paid the market
        load and the numba compilation).
    """

    out: Path
    results_parquet: Path
    results_csv: Path
    table: pd.DataFrame
    n_points: int
    n_run: int
    n_skipped: int
    n_failed: int
    market_loads: dict[int, int] = field(default_factory=dict)
    task_seconds: dict[str, float] = field(default_factory=dict)
    task_cpu_seconds: dict[str, float] = field(default_factory=dict)
    warm_up: frozenset[str] = frozenset()


Job = tuple[SweepPoint, str, str | None, str | None, tuple[str, ...]]


def _serial(jobs: Sequence[Job]) -> Iterator[tuple[SweepPoint, TaskResult]]:
    for point, cfg_json, store, keep, band in jobs:
        yield point, run_config(cfg_json, store, keep, band)


def _dask(
    jobs: Sequence[Job],
    workers: int,
    scheduler: str | None,
) -> Iterator[tuple[SweepPoint, TaskResult]]:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is not None:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # the engine is single-threaded; one config per process
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    try:
        by_key = {}
        futures = []
        for point, cfg_json, store, keep, band in jobs:
            key = f"alvh-sweep-{point.config_hash}"
            f = client.submit(run_config, cfg_json, store, keep, band, key=key, pure=False)
            by_key[f.key] = point
            futures.append(f)
        for f, res in as_completed(futures, with_results=True):
            yield by_key[f.key], res
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(
    base: RunConfig,
    varies: Sequence[Vary],
    out: Path,
    *,
    n_random: int | None = None,
    seed: int = 0,
    workers: int = 2,
    scheduler: str | None = None,
    store: Path | None = None,
    keep_runs: bool = False,
    band: Sequence[str] = (),
    progress: Callable[[Progress], None] | None = None,
) -> SweepOutcome:
    """Run the configs of a sweep that ``out`` does not hold yet and write the results table.

    Parameters
    ----------
    base
        The config every point starts from, data source and period set.
    varies
        The varied keys (``alvh.sweep.grid.parse_vary``).
    out
        The sweep folder (``alvh.sweep.results``); rerun with the same arguments to resume.
    n_random, seed
        Run ``n_random`` configs drawn from the grid with ``seed`` (None: the whole grid).
    workers
        Dask worker processes of a LocalCluster; 0 runs in this process without Dask.
    scheduler
        Address of an existing Dask scheduler (then ``workers`` is ignored).
    store
        Market data store folder for ``--data store``.
    keep_runs
        Also write each config's run directory under ``out/runs/<hash>``.
    band
        Assumption axes (``alvh.sweep.band.parse_band``) each hedged config's claims are
        judged across (two more runs per axis and hedged config).
    progress
        Called after each finished config.

    Raises
    ------
    alvh.errors.ConfigError
        For a bad key or value, before anything runs.
    alvh.sweep.SweepError
        If ``out`` holds a different sweep.
    """
    if workers < 0:
        raise ConfigError("--workers", workers, "a number of worker processes >= 0")
    out = Path(out)
    points = sweep_points(base, varies, n_random, seed)
    bands = tuple(band)
    open_sweep_dir(out, manifest(config_hash(base), varies, n_random, seed, points, bands))
    have = done_hashes(out)
    todo = [p for p in points if p.config_hash not in have]
    st = None if store is None else str(store)
    jobs: list[Job] = [
        (
            p,
            canonical_json(p.config),
            st,
            str(out / "runs" / p.config_hash) if keep_runs else None,
            bands,
        )
        for p in todo
    ]
    loads: Counter[int] = Counter()
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    warm: set[str] = set()
    done = failed = 0
    t0 = time.perf_counter()
    if jobs:
        it = (
            _serial(jobs) if workers == 0 and scheduler is None else _dask(jobs, workers, scheduler)
        )
        for point, res in it:
            write_row(out, point, res.row, res.equity)
            loads[res.pid] += int(res.market_loaded)
            seconds[point.config_hash] = res.seconds
            cpu[point.config_hash] = res.cpu_seconds
            if res.market_loaded:
                warm.add(point.config_hash)
            done += 1
            failed += res.row["status"] != "ok"
            if progress is not None:
                progress(
                    Progress(
                        done, failed, len(jobs), len(points) - len(jobs), time.perf_counter() - t0
                    )
                )
    table = results_table(out, points, varies, band=bool(bands))
    pq, csv = write_results(out, table)
    return SweepOutcome(
        out,
        pq,
        csv,
        table,
        len(points),
        len(jobs),
        len(points) - len(jobs),
        failed,
        dict(loads),
        seconds,
        cpu,
        frozenset(warm),
    )
