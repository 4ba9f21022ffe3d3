"""Import all of shared/data into an empty store, and load 2004-2026 back into MarketData.

Targets: import < 10 s, load < 1 s. Baseline in the same run: plain ``pd.read_csv`` of the same
CSV files (no validation, no canonical tables, no store).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from alvh.market.store import Store, expand_paths, import_paths

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """Return the real-data folder (ALVH_SHARED_DATA or ../shared/data), as tests do."""
    env = os.environ.get("ALVH_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def run() -> list[dict]:
    data = shared_data_dir()
    files = [f for f in expand_paths([data]) if not f.name.endswith(".tar.gz")]
    t0 = time.perf_counter()
    for f in files:
        pd.read_csv(f)
    baseline_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        st = Store(Path(tmp) / "store")
        t0 = time.perf_counter()
        report = import_paths(st, [data])
        import_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        md = st.load(start="2004-01-01", end="2026-12-31")
        load_s = time.perf_counter() - t0
        rows = sum(len(t) for t in md.tables.values())
    return [
        {
            "name": "import_all_shared_data",
            "files": len(report.files),
            "seconds": round(import_s, 3),
            "target_s": 10.0,
            "read_csv_baseline_s": round(baseline_s, 3),
            "ratio_vs_read_csv": round(import_s / baseline_s, 1),
        },
        {"name": "load_2004_2026", "rows": rows, "seconds": round(load_s, 3), "target_s": 1.0},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
