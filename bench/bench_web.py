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

    from alvh.web import data
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
        # Cold: no file cached from an earlier case.
        data._csv_cached.cache_clear()
        data._summary_cached.cache_clear()
        data._series_cached.cache_clear()
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
    rows += _browser(run_dir, key)
    return rows


def _browser(run_dir: Path, key: str) -> list[dict]:
    """Time the run page in chromium: navigation to every chart drawn (plotly.js included)."""
    import shutil
    import socket
    import threading

    exe = os.environ.get("ALVH_CHROMIUM") or shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [{"name": "web 20y: run page in chromium", "skipped": "no playwright"}]
    if not exe:
        return [{"name": "web 20y: run page in chromium", "skipped": "no chromium"}]
    import uvicorn

    from alvh.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app([run_dir.parent]), host="127.0.0.1", port=port, log_level="error")
    )
    threading.Thread(target=srv.run, daemon=True).start()
    t0 = time.monotonic()
    while not srv.started and time.monotonic() - t0 < 20:
        time.sleep(0.05)
    out = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/static/plotly.min.js")  # warm the browser cache
            first, rest = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/run?run={key}")
                page.wait_for_selector("body[data-ready='1']", timeout=60_000)
                first.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_selector("body[data-charts='all']", timeout=60_000)
                rest.append(time.perf_counter() - t0)
            b.close()
        out.append(
            {
                "name": "web 20y: run page in chromium, navigation to equity chart drawn",
                "first_s": round(first[0], 3),
                "median_s": round(statistics.median(first), 3),
            }
        )
        out.append(
            {
                "name": "web 20y: run page in chromium, scroll to bottom to the 4 other charts drawn",
                "median_s": round(statistics.median(rest), 3),
            }
        )
    finally:
        srv.should_exit = True
    return out


if __name__ == "__main__":
    for row in run():
        print(", ".join(f"{k}={v}" for k, v in row.items()))
