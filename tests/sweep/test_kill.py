"""A sweep whose process is killed (SIGKILL: no handler, no clean-up) resumes to the same table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from alvh.config.run import RunConfig
from alvh.sweep.grid import Vary
from alvh.sweep.runner import SweepOutcome, run_sweep

_MAIN = "import sys; from alvh.cli.app import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.slow
@pytest.mark.parametrize("workers", [0, 2])
def test_sweep_killed_mid_way_resumes_to_the_uninterrupted_table(
    workers: int,
    serial_sweep: SweepOutcome,
    base_config: RunConfig,
    varies: list[Vary],
    tmp_path: Path,
) -> None:
    out = tmp_path / f"killed{workers}"
    args = [
        "sweep",
        "--preset",
        "ic-ladder",
        "--data",
        "synthetic",
        "--start",
        "2021-01-04",
        "--end",
        "2021-03-31",
        "--workers",
        str(workers),
        "--vary",
        "tiers[0].strikes.short_delta=0.1,0.16",
        "--vary",
        "hedge.preset=none,alvh-442",
    ]
    # Its own process group: the kill takes the Dask scheduler and workers down with it, as a
    # lost machine would.
    proc = subprocess.Popen(
        [sys.executable, "-c", _MAIN, *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )
    rows = out / "rows"
    try:
        deadline = time.monotonic() + 300
        while not (rows.is_dir() and any(rows.glob("*.json"))):
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no row within 300 s"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(list(rows.glob("*.json")))
    assert 1 <= done < 4, done  # killed part-way: some configs finished, some did not
    assert not (out / "results.parquet").exists()
    again = run_sweep(base_config, varies, out, workers=0)
    assert (again.n_run, again.n_skipped) == (4 - done, done)
    pd.testing.assert_frame_equal(again.table, serial_sweep.table)
    assert again.results_csv.read_bytes() == serial_sweep.results_csv.read_bytes()
