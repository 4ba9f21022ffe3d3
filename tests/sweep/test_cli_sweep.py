"""``alvh sweep`` on the command line: a small grid, resume, refusals, lazy start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from alvh.cli.app import main
from alvh.sweep.runner import SweepOutcome

ARGS = [
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
    "0",
    "--vary",
    "tiers[0].strikes.short_delta=0.1,0.16",
    "--vary",
    "hedge.preset=none,alvh-442",
]


def test_cli_sweep_writes_the_table_and_resumes(
    tmp_path: Path, serial_sweep: SweepOutcome, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    assert main([*ARGS, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "4 of 4 configs" in err and "4 run now, 0 already done; 4 ok, 0 failed" in err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), serial_sweep.table)
    assert "deflated Sharpe ratio" in err and (out / "luck.json").is_file()
    assert "claim 1 across 4 configs: " in err and "n/a 2" in err
    assert (out / "sweep.html").is_file()
    wf = ["--walk-forward", "train=1m,test=1m", "--select", "cagr_pct"]
    heat = ["--heat", "hedge.preset,tiers[0].strikes.short_delta"]
    assert main([*ARGS, "--out", str(out), *wf, *heat]) == 0
    err = capsys.readouterr().err
    assert "0 run now, 4 already done" in err and "walk-forward (2 windows" in err
    assert (out / "walk_forward.csv").is_file()
    page = (out / "sweep.html").read_text()
    assert "cagr_pct over hedge.preset and tiers[0].strikes.short_delta" in page
    assert "Walk-forward: train 1 months" in page


def test_cli_random_draw_runs_n_configs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    assert main([*ARGS, "--random", "2", "--seed", "5", "--out", str(out)]) == 0
    assert "2 of 4 configs" in capsys.readouterr().err
    assert len(pd.read_csv(out / "results.csv")) == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--vary", "tiers[0].strikes.shortdelta=0.2"], "shortdelta"),
        (["--vary", "tiers[1].exits.profit_target_pct_of_credit=50,lots"], "lots"),
        (["--workers", "-1"], "--workers"),
        (["--walk-forward", "train=5y"], "--walk-forward"),
        (["--select", "win_rate_pct"], "--select"),
        (["--heat", "hedge.preset,tiers[0].strikes.long_delta"], "long_delta"),
        (["--heat", "hedge.preset"], "--heat"),
        (["--band", "costs,fees"], "--band"),
    ],
)
def test_cli_refuses_bad_input_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    out = tmp_path / "bad"
    assert main([*ARGS, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err and "Traceback" not in err
    assert not (out / "rows").exists()


def test_start_up_does_not_import_dask_or_the_sweep_runner() -> None:
    code = (
        "import sys\nfrom alvh.cli.app import build_app\nbuild_app()\n"
        "print(','.join(m for m in ('dask', 'distributed', 'alvh.sweep.runner') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
