"""The engine-hedge seam against the code before its redesign, timed in one benchmark run.

Issue 19 restructures the seam between the engine and the hedge and must not make a real-data
2006-2026 hedged backtest more than 15% slower. Comparing against a figure recorded on another
day would measure the machine's load as much as the code, so this benchmark extracts the
baseline commit's ``src/`` (``git archive``) and times the baseline and the working tree
alternately, each in a fresh subprocess that loads the same market, warms up (numba, lazy
imports) and then times the full hedged ladder twice: as a user runs it (``alvh.backtest.run``,
which now also prices every order for ``orders.csv``) and the engine alone (``order_prices=False``,
the same work the baseline did). It reports the medians and their ratios.

Baseline: ``$ALVH_BENCH_BASELINE`` or ``fec4307`` (main before the redesign). Market: the real
data (``$SHARED_DATA``, else ``$ALVH_SHARED_DATA``, else ``../shared/data``) imported once into a
temporary store; the synthetic market (seed 7) when the real data is absent. Skipped, with the
reason, outside a git checkout that holds the baseline commit.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = os.environ.get("ALVH_BENCH_BASELINE", "fec4307")
REPEATS = 2  # per tree, alternated: baseline, current, baseline, current

# Run in a subprocess whose PYTHONPATH is the tree under test; prints one JSON line.
_WORKER = r"""
import json, sys, time
from datetime import date
from alvh.backtest import run
from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides, load_preset
kind, where = sys.argv[1], sys.argv[2]
if kind == "store":
    from alvh.market.store import Store
    market = Store(where).load()
    end = date(2026, 12, 31)
else:
    from alvh.market.synthetic import generate_market
    market = generate_market("2005-01-03", "2026-07-31", seed=7)
    end = date(2026, 7, 22)
cfg = load_preset("ic-ladder").model_copy(update={"hedge": hedge_preset("alvh-442")})
run(config_with_overrides(cfg, **{"data.start": date(2006, 1, 3), "data.end": date(2006, 3, 1)}), market)
full = config_with_overrides(cfg, **{"data.start": date(2006, 1, 3), "data.end": end})
import inspect
t0 = time.perf_counter()
res = run(full, market)
t_user = time.perf_counter() - t0
# The engine alone: without the order prices added to a run after the redesign (issue 20).
alone = {"order_prices": False} if "order_prices" in inspect.signature(run).parameters else {}
t0 = time.perf_counter()
run(full, market, **alone)
t_engine = time.perf_counter() - t0
print(json.dumps({"seconds": t_user, "engine_seconds": t_engine, "sessions": len(res.daily)}))
"""


def _shared_data() -> Path | None:
    env = os.environ.get("SHARED_DATA") or os.environ.get("ALVH_SHARED_DATA")
    d = Path(env) if env else REPO.parent / "shared" / "data"
    return d if d.is_dir() else None


def _extract_baseline(dest: Path) -> str | None:
    """Write the baseline's ``src/`` under ``dest``; return why not when it cannot."""
    try:
        blob = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", BASELINE, "src"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return f"baseline {BASELINE} not available from git ({e})"
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(dest, filter="data")
    return None


def _time(src: Path, kind: str, where: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", _WORKER, kind, where],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        base_root = Path(tmp) / "baseline"
        why = _extract_baseline(base_root)
        if why is not None:
            return [{"name": "seam vs baseline", "skipped": why}]
        shared = _shared_data()
        if shared is not None:
            from alvh.market.store import Store, import_paths

            store = Store(Path(tmp) / "store")
            files = sorted(
                p for p in shared.iterdir() if p.is_file() and p.suffix in (".csv", ".gz")
            )
            import_paths(store, files)
            kind, where, label = "store", str(Path(tmp) / "store"), "real"
        else:
            kind, where, label = "synthetic", "", "synthetic (seed 7)"
        trees = {"baseline": base_root / "src", "current": REPO / "src"}
        times: dict[str, list[float]] = {"baseline": [], "current": []}
        engine_times: dict[str, list[float]] = {"baseline": [], "current": []}
        sessions = 0
        for _ in range(REPEATS):
            for name, src in trees.items():
                r = _time(src, kind, where)
                times[name].append(r["seconds"])
                engine_times[name].append(r["engine_seconds"])
                sessions = r["sessions"]
        t_base = statistics.median(times["baseline"])
        t_cur = statistics.median(times["current"])
        e_base = statistics.median(engine_times["baseline"])
        e_cur = statistics.median(engine_times["current"])
        return [
            {
                "name": f"{label}: ladder 2006-2026 alvh-442, baseline {BASELINE}",
                "sessions": sessions,
                "seconds": round(t_base, 2),
            },
            {
                "name": f"{label}: ladder 2006-2026 alvh-442, working tree",
                "sessions": sessions,
                "seconds": round(t_cur, 2),
                "ratio_vs_baseline": round(t_cur / t_base, 3),
                "target_ratio": 1.15,
                "load_avg_1min": round(os.getloadavg()[0], 2),
            },
            {
                "name": f"{label}: the same, engine alone (no order prices), working tree vs baseline",
                "seconds": round(e_cur, 2),
                "baseline_seconds": round(e_base, 2),
                "ratio_vs_baseline": round(e_cur / e_base, 3),
                "target_ratio": 1.15,
            },
        ]
