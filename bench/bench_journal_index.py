"""The journal's partial index on decisions that acted: the dashboard's "acted" queries before
and after, on a copy of a run's journal.sqlite (the run directory is left alone).

    python bench/bench_journal_index.py RUN_DIR

Times, median of 7, the run page's default decisions list (hedge decisions that acted, first
page), the broad filter (every hedge rule that acted, first and last page) and every rule that
acted, each on the copy without the ``decisions_acted`` index and then with it (count cache
cleared each time, so each figure is the count plus the page, as on a first visit).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from alvh.web import journal_db

QUERIES = {
    "hedge decisions that acted, page 1": ("hedge.decision.", 0),
    "every hedge rule that acted, page 1": ("hedge.", 0),
    "every hedge rule that acted, last page": ("hedge.", -1),
    "every rule that acted, page 1": (None, 0),
}


def _time(path: Path, prefix: str | None, offset: int) -> tuple[float, int]:
    if offset < 0:
        total = journal_db.decisions(path, None, prefix, True, 0, 50).total
        offset = max(0, total - 50)
    times = []
    for _ in range(7):
        journal_db._COUNTS.clear()
        journal_db._ACTED_INDEX.clear()
        t0 = time.perf_counter()
        pg = journal_db.decisions(path, None, prefix, True, offset, 50)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), pg.total


def main() -> None:
    run = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "journal.sqlite"
        src = sqlite3.connect(run / "journal.sqlite")
        dst = sqlite3.connect(copy)
        src.backup(dst)  # a consistent copy, WAL included
        src.close()
        n = dst.execute("SELECT count(*) FROM decisions").fetchone()[0]
        dst.execute("DROP INDEX IF EXISTS decisions_acted")
        dst.commit()
        before = {k: _time(copy, *q) for k, q in QUERIES.items()}
        dst.execute(
            "CREATE INDEX decisions_acted ON decisions (run_id, date, seq) WHERE action != 'none'"
        )
        dst.commit()
        dst.close()
        after = {k: _time(copy, *q) for k, q in QUERIES.items()}
    print(f"{run}: {n:,} journal rows")
    print(f"{'query':42s} {'rows':>6s} {'before s':>9s} {'after s':>8s} {'ratio':>6s}")
    for k in QUERIES:
        (b, total), (a, _) = before[k], after[k]
        print(f"{k:42s} {total:6d} {b:9.4f} {a:8.4f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
