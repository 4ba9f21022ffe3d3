"""The backtest as a user waits for it: ``alvh backtest`` from the shell, unhedged and hedged.

Times the whole command in a fresh interpreter (start-up, imports, loading the market, the run,
and writing the run directory: summary, CSVs, journal), the 2006-2026 ladder without a hedge and
with ``alvh-442``, on the embedded synthetic market and, when the real data is present, on a
store imported from it (the import is not timed). ``bench_engine`` times the run and the journal
alone, in one process; the two ratios differ because the fixed start-up and loading costs are
the same with and without the hedge.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PERIOD = ["--start", "2006-01-03", "--end", "2026-07-22"]


def _shared_data() -> Path | None:
    env = os.environ.get("SHARED_DATA") or os.environ.get("ALVH_SHARED_DATA")
    d = Path(env) if env else REPO.parent / "shared" / "data"
    return d if d.is_dir() else None


def _alvh() -> list[str]:
    """Return the command line of the installed ``alvh`` (the interpreter's own scripts)."""
    exe = Path(sys.executable).with_name("alvh")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-c", "from alvh.cli.app import entrypoint; entrypoint()"]


def _timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([*_alvh(), "backtest", *args], check=True, capture_output=True)
    return time.perf_counter() - t0


def _pair(label: str, data_args: list[str], tmp: Path) -> list[dict]:
    base = ["--preset", "ic-ladder", *PERIOD, *data_args]
    _timed([*base, "--hedge", "alvh-442", "--out", str(tmp / f"{label}_w")])  # warm disk caches
    t_u = _timed([*base, "--hedge", "none", "--out", str(tmp / f"{label}_u")])
    t_h = _timed([*base, "--hedge", "alvh-442", "--out", str(tmp / f"{label}_h")])
    return [
        {"name": f"{label}: alvh backtest ladder 2006-2026, no hedge", "seconds": round(t_u, 2)},
        {
            "name": f"{label}: alvh backtest ladder 2006-2026, alvh-442",
            "seconds": round(t_h, 2),
            "ratio_vs_unhedged": round(t_h / t_u, 2),
        },
    ]


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows += _pair("synthetic", ["--data", "synthetic"], tmp)
        shared = _shared_data()
        if shared is None:
            rows.append({"name": "real data", "skipped": "no ../shared/data (set SHARED_DATA)"})
            return rows
        from alvh.market.store import Store, import_paths

        store = Store(tmp / "store")
        files = sorted(p for p in shared.iterdir() if p.is_file() and p.suffix in (".csv", ".gz"))
        import_paths(store, files)
        rows += _pair("real", ["--data", "store", "--store", str(tmp / "store")], tmp)
    return rows
