"""The web dashboard on a 20-year hedged run: how long each page takes to serve and to draw.

Run directory: ``ALVH_BENCH_WEB_RUN=DIR`` (e.g. the 2006-2026 ladder with ``alvh-442`` on the
real store), else the same ladder on the embedded synthetic market, built once into
``bench/results/web-20y``.

Server side: every page and API call through FastAPI's TestClient in this process (routing,
SQLite queries, CSV reads, JSON and template rendering; no network, no browser). ``cold`` is the
first request after the caches are cleared, ``warm`` the median of five more.

Sweep and Fidelity pages: ``ALVH_BENCH_WEB_SWEEP=DIR`` (a sweep folder) and
``ALVH_BENCH_WEB_FIDELITY=DIR`` (a folder holding fidelity.json); without the first, a
synthetic sweep folder is written into ``bench/results/web-sweep`` (180 configs x the run's
sessions of random-walk equity, walk-forward and luck files of the same shape as ``alvh sweep``
writes: random numbers, for timing only).

In chromium (when Playwright and a chromium are present): navigation to the first chart drawn
(``body[data-ready]``), each case five times, interleaved so that machine load hits all alike.
``ALVH_BENCH_WEB_BASELINE_SRC=DIR`` (the ``src`` folder of another alvh version, e.g. ``git
archive main src | tar -x -C /tmp/base``) also serves the same run with that version's code in a
subprocess and times its run page in the same loop: the baseline of the before/after ratio.
The baseline serves its own plotly.js (main: the full bundle), so the ratio measures the
partial bundle too.

Book page: ``ALVH_BENCH_WEB_BOOKS=DIR`` (a folder of book files, e.g. the one bench_live.py
builds) and ``ALVH_BENCH_WEB_STORE=DIR`` (the store they are marked on); its cold time includes
reading the store's 400-day window and building the exchange calendar.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
PERIOD = ["--start", "2006-01-03", "--end", "2026-07-22"]
REPS = 7


def _run_dir() -> Path:
    env = os.environ.get("ALVH_BENCH_WEB_RUN")
    if env:
        return Path(env)
    out = HERE / "results" / "web-20y"
    if not (out / "summary.json").is_file():
        exe = Path(sys.executable).with_name("alvh")
        cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "alvh.cli.app"]
        subprocess.run(
            [
                *cmd,
                "backtest",
                "--preset",
                "ic-ladder",
                "--hedge",
                "alvh-442",
                *PERIOD,
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return out


def _synthetic_sweep(out: Path, dates: pd.DatetimeIndex) -> Path:
    """Write a sweep folder of random numbers with alvh sweep's layout (timing only)."""
    if (out / "results.parquet").is_file():
        return out
    shutil.rmtree(out, ignore_errors=True)
    (out / "equity").mkdir(parents=True)
    rng = np.random.default_rng(0)
    keys = {
        "a": [0.1, 0.12, 0.14, 0.16, 0.18, 0.2],
        "b": [30, 40, 50, 60, 70, 80],
        "hedge.preset": ["none", "alvh-442", "vxth", "x1", "x2"],
    }
    grid = [(a, b, c) for a in keys["a"] for b in keys["b"] for c in keys["hedge.preset"]]
    hashes = [f"{i:016x}" for i in range(len(grid))]
    rows = []
    for i, (a, b, c) in enumerate(grid):
        r = rng.normal(0.0003, 0.01, len(dates))
        eq = 1e6 * np.cumprod(1 + r)
        pd.DataFrame(
            {"hedged_equity_usd": eq, "unhedged_equity_usd": eq},
            index=pd.DatetimeIndex(dates, name="date"),
        ).to_parquet(out / "equity" / f"{hashes[i]}.parquet")
        s = float(r.mean() / r.std() * 252**0.5)
        rows.append(
            {
                "index": i,
                "config_hash": hashes[i],
                "a": a,
                "b": b,
                "hedge.preset": c,
                "status": "ok",
                "error": None,
                "run_id": hashes[i],
                "data_id": "bench",
                "cagr_pct": float((eq[-1] / 1e6) ** (1 / 20) - 1) * 100,
                "sharpe": s,
                "max_drawdown_pct": float((eq / np.maximum.accumulate(eq) - 1).min() * 100),
            }
        )
    t = pd.DataFrame(rows)
    t.to_parquet(out / "results.parquet", index=False)
    t.to_csv(out / "results.csv", index=False)
    vary = [{"key": k, "values": v} for k, v in keys.items()]
    (out / "sweep.json").write_text(json.dumps({"vary": vary, "points": []}))
    best = hashes[int(t["sharpe"].idxmax())]
    (out / "luck.json").write_text(
        json.dumps(
            {
                "select": "sharpe",
                "n_configs_tried": len(t),
                "selected": {"config_hash": best, "index": int(t["sharpe"].idxmax())},
                "deflated_sharpe": {"dsr": 0.5, "n_trials": len(t)},
                "pbo": {"pbo": 0.5},
                "spa": {"p_consistent": 0.5},
            }
        )
    )
    years = sorted({d.year for d in dates})[5:]
    windows = []
    for k, y in enumerate(years):
        sess = dates[dates.year == y]
        windows.append(
            {
                "window": k,
                "train_start": str(sess[0].date()),
                "test_start": str(sess[0].date()),
                "test_end": str(sess[-1].date()),
                "selected": hashes[int(rng.integers(len(hashes)))],
            }
        )
    (out / "walk_forward.json").write_text(
        json.dumps({"select": "sharpe", "windows": windows, "insample_best": best})
    )
    return out


def _time(client, path: str, params: dict) -> tuple[float, list[float], int]:
    from alvh.web import books, data, journal_db, sweeps

    journal_db._COUNTS.clear()
    journal_db._ACTED_INDEX.clear()
    books._MARKETS.clear()  # the book page's market window (the store read, the calendar)
    sweeps._equity_cached.cache_clear()
    data._csv_cached.cache_clear()
    data._summary_cached.cache_clear()
    data._series_cached.cache_clear()
    data._view_cached.cache_clear()
    sweeps._table_cached.cache_clear()
    sweeps._json_cached.cache_clear()
    sweeps._walk_forward_cached.cache_clear()
    t0 = time.perf_counter()
    r = client.get(path, params=params)
    cold = time.perf_counter() - t0
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    warm = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        client.get(path, params=params)
        warm.append(time.perf_counter() - t0)
    return cold, warm, len(r.content)


def run() -> list[dict]:
    from fastapi.testclient import TestClient

    from alvh.web.app import create_app

    run_dir = _run_dir()
    with sqlite3.connect(f"file:{run_dir / 'journal.sqlite'}?mode=ro", uri=True) as con:
        n_rows, last_day = con.execute("SELECT count(*), max(date) FROM decisions").fetchone()
        (busiest,) = con.execute(
            "SELECT date FROM decisions GROUP BY date ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    dates = pd.DatetimeIndex(pd.read_csv(run_dir / "equity.csv", usecols=["date"])["date"])
    sweep = Path(os.environ.get("ALVH_BENCH_WEB_SWEEP") or "")
    if not os.environ.get("ALVH_BENCH_WEB_SWEEP"):
        sweep = _synthetic_sweep(HERE / "results" / "web-sweep" / "sweep", dates)
    fid = os.environ.get("ALVH_BENCH_WEB_FIDELITY")
    roots = [run_dir.parent, sweep.parent] + ([Path(fid)] if fid else [])
    book_dir = os.environ.get("ALVH_BENCH_WEB_BOOKS")
    book_store = os.environ.get("ALVH_BENCH_WEB_STORE")
    books = [book_dir] if book_dir else None
    store = Path(book_store) if book_store else None
    app = create_app(roots, books=books, store=store)
    client = TestClient(app)
    keys = {k: v for k, v in app.state.index.found["run"].items() if v.path == run_dir.resolve()}
    key = next(iter(keys))
    skey = next(k for k, v in app.state.index.found["sweep"].items() if v.path == sweep.resolve())
    fkeys = list(app.state.index.found["fidelity report"])
    cases = [
        ("runs page", "/", {}),
        ("run page", "/run", {"run": key}),
        ("run series, every session (JSON)", "/api/series", {"run": key}),
        ("run series, thinned for the charts (JSON)", "/api/series", {"run": key, "points": 800}),
        (
            "run series, 2008-2009 window (JSON)",
            "/api/series",
            {"run": key, "points": 800, "start": "2008-01-01", "end": "2009-12-31"},
        ),
        (f"day page, busiest day {busiest}", "/day", {"run": key, "date": busiest}),
        ("day panel, last day", "/day", {"run": key, "date": last_day, "partial": True}),
        ("decisions list (run page default)", "/decisions", {"run": key}),
        (
            "journal: hedge actions, page 1",
            "/api/journal",
            {"run": key, "rule": "hedge.", "acted": True},
        ),
        ("journal: all rows, last page", "/api/journal", {"run": key, "offset": n_rows - 200}),
        ("sweeps page", "/sweeps", {}),
        ("sweep page", "/sweep", {"name": skey}),
        (
            "sweep heat map (JSON)",
            "/api/sweep/heat",
            {"name": skey, "x": "a", "y": "hedge.preset", "metric": "sharpe"},
        ),
        ("sweep curves: top 5 + walk-forward (JSON)", "/api/sweep/curves", {"name": skey}),
    ]
    if fkeys:
        cases.append(("fidelity page", "/fidelity", {"name": fkeys[0]}))
    bkeys = list(app.state.books.found) if books else []
    if bkeys:
        cases.append((f"book page ({book_dir})", "/book", {"name": bkeys[0]}))
    rows = []
    for name, path, params in cases:
        cold, warm, size = _time(client, path, params)
        rows.append(
            {
                "name": f"web 20y ({n_rows:,} journal rows): {name}",
                "cold_s": round(cold, 3),
                "warm_median_s": round(statistics.median(warm), 3),
                "bytes": size,
            }
        )
    pages = [
        ("run page (thinned, default)", "cur", f"/run?run={key}"),
        ("run page, every session drawn (points=20000)", "cur", f"/run?run={key}&points=20000"),
        ("sweep page", "cur", f"/sweep?name={skey}"),
    ]
    if fkeys:
        pages.append(("fidelity page", "cur", f"/fidelity?name={fkeys[0]}"))
    if bkeys:
        pages.append(("book page (status and triggers)", "cur", f"/book?name={bkeys[0]}"))
    if os.environ.get("ALVH_BENCH_WEB_BASELINE_SRC"):
        # The baseline serves the run's folder alone: its key is the run directory's name.
        pages.append(("BASELINE run page", "base", f"/run?run={run_dir.name}"))
    rows += _browser(roots, pages, books, store)
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser(
    roots: list[Path],
    pages: list[tuple[str, str, str]],
    books: list[str] | None = None,
    store: Path | None = None,
) -> list[dict]:
    """Time pages in chromium: navigation to ``body[data-ready]`` (first chart drawn)."""
    exe = os.environ.get("ALVH_CHROMIUM") or shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [{"name": "web 20y: pages in chromium", "skipped": "no playwright"}]
    if not exe:
        return [{"name": "web 20y: pages in chromium", "skipped": "no chromium"}]
    import uvicorn

    from alvh.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(roots, books=books, store=store),
            host="127.0.0.1",
            port=port,
            log_level="error",
        )
    )
    threading.Thread(target=srv.run, daemon=True).start()
    t0 = time.monotonic()
    while not srv.started and time.monotonic() - t0 < 20:
        time.sleep(0.05)
    urls = {"cur": f"http://127.0.0.1:{port}"}
    base_proc = None
    base_src = os.environ.get("ALVH_BENCH_WEB_BASELINE_SRC")
    if base_src:
        bport = _free_port()
        code = (
            "import sys, uvicorn; from pathlib import Path; from alvh.web.app import create_app; "
            f"uvicorn.run(create_app([Path(p) for p in sys.argv[1:]]), host='127.0.0.1', "
            f"port={bport}, log_level='error')"
        )
        env = dict(os.environ, PYTHONPATH=base_src)
        base_proc = subprocess.Popen([sys.executable, "-c", code, *map(str, roots[:1])], env=env)
        urls["base"] = f"http://127.0.0.1:{bport}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", bport), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
    out = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            for u in urls.values():
                page.goto(u + "/static/plotly.min.js")  # in the browser's cache, as on a revisit
            times: dict[str, list[float]] = {name: [] for name, _, _ in pages}
            draws: dict[str, list[float]] = {name: [] for name, _, _ in pages}
            for _ in range(REPS):
                for name, which, path in pages:
                    t0 = time.perf_counter()
                    page.goto(urls[which] + path)
                    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
                    times[name].append(time.perf_counter() - t0)
                    # The run page marks when its series arrived and its first chart was drawn.
                    ms = page.evaluate(
                        "() => { const m = {}; performance.getEntriesByType('mark')"
                        ".forEach(e => { m[e.name] = e.startTime; }); return m; }"
                    )
                    if "alvh:drawn" in ms and "alvh:series" in ms:
                        draws[name].append((ms["alvh:drawn"] - ms["alvh:series"]) / 1000)
            b.close()
        for name, ts in times.items():
            row = {
                "name": f"web 20y in chromium: {name}, navigation to first chart drawn",
                "first_s": round(ts[0], 3),
                "median_s": round(statistics.median(ts), 3),
                "min_s": round(min(ts), 3),
                "all_s": [round(t, 2) for t in ts],
            }
            if draws[name]:
                row["equity_chart_draw_median_s"] = round(statistics.median(draws[name]), 3)
            out.append(row)
    finally:
        srv.should_exit = True
        if base_proc is not None:
            base_proc.terminate()
            base_proc.wait(10)
    return out


if __name__ == "__main__":
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} cores")
    for row in run():
        print(", ".join(f"{k}={v}" for k, v in row.items()))
