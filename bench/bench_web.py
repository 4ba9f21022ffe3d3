"""The web dashboard on a 20-year hedged run: how long each page takes to serve.

Builds (once, into ``bench/results/web-20y``) the 2006-2026 ladder with ``alvh-442`` on the
embedded synthetic market, unless ``ALVH_BENCH_WEB_RUN`` names an existing run directory; then
times every page and API call of the dashboard through FastAPI's TestClient in this process
(routing, SQLite queries, CSV reads, JSON and template rendering; no network, no browser).
``cold`` is the first request after the app is built (CSV not yet cached), ``warm`` the median
of five more. The goal (issue 22) is under 1 s for any page of a 20-year hedged run. The
browser's own drawing time (plotly.js) is not included.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PERIOD = ["--start", "2006-01-03", "--end", "2026-07-22"]


def _run_dir() -> Path:
    env = os.environ.get("ALVH_BENCH_WEB_RUN")
    if env:
        return Path(env)
    out = HERE / "results" / "web-20y"
    if not (out / "summary.json").is_file():
        exe = Path(sys.executable).with_name("alvh")
        cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "alvh.cli.app"]
        subprocess.run(
            [*cmd, "backtest", "--preset", "ic-ladder", "--hedge", "alvh-442", *PERIOD,
             "--out", str(out)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return out


def run() -> list[dict]:
    from fastapi.testclient import TestClient

    from alvh.web.app import create_app

    run_dir = _run_dir()
    with sqlite3.connect(f"file:{run_dir / 'journal.sqlite'}?mode=ro", uri=True) as con:
        n_rows, last_day = con.execute("SELECT count(*), max(date) FROM decisions").fetchone()
        (busiest,) = con.execute(
            "SELECT date FROM decisions GROUP BY date ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    key = run_dir.name
    cases = [
        ("runs page", "/", {}),
        ("run page", "/run", {"run": key}),
        ("run series (JSON)", "/api/series", {"run": key}),
        (f"day page, busiest day {busiest}", "/day", {"run": key, "date": busiest}),
        ("day panel, last day", "/day", {"run": key, "date": last_day, "partial": True}),
        (
            "journal: hedge actions, page 1",
            "/api/journal",
            {"run": key, "rule": "hedge.", "acted": True},
        ),
        ("journal: all rows, last page", "/api/journal", {"run": key, "offset": n_rows - 200}),
    ]
    rows = []
    for name, path, params in cases:
        client = TestClient(create_app([run_dir.parent]))
        t0 = time.perf_counter()
        r = client.get(path, params=params)
        cold = time.perf_counter() - t0
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        warm = []
        for _ in range(5):
            t0 = time.perf_counter()
            client.get(path, params=params)
            warm.append(time.perf_counter() - t0)
        rows.append(
            {
                "name": f"web 20y ({n_rows:,} journal rows): {name}",
                "cold_s": round(cold, 3),
                "warm_median_s": round(statistics.median(warm), 3),
                "bytes": len(r.content),
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(", ".join(f"{k}={v}" for k, v in row.items()))
