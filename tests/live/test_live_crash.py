"""Crash safety: a real process killed (SIGKILL) while it writes a session leaves the book
exactly as it was (same event count, same fold), on both back ends.

The child applies a 3,000-line fills file. Two ways of choosing the moment:
- at a random batch of the insert (the child reports each batch of 500 events written inside
  the still-open transaction; the parent kills it on reading a batch drawn by the seed), which
  guarantees kills in the middle of the transaction;
- at a random time after start (through ``alvh book fills``), which may land anywhere: before
  the transaction, inside it, or after the commit; the book must then be at one of the two
  states, never between.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import FACTS, POSITIONS_CSV, new_book, write

from alvh.live.service import apply_fills, import_positions, load_fold
from alvh.live.store import BookStore

N_LINES = 3000
SEEDS = (1, 2, 3)

_CHILD = """
import sys
from pathlib import Path
from datetime import date
from alvh.live.store import BookStore
from alvh.live.service import apply_fills, MarketFacts

def progress(n):
    print(f"written {n}", flush=True)

store = BookStore(sys.argv[1])
apply_fills(store, "b1", Path(sys.argv[2]), MarketFacts(date(2024, 6, 28), "test-data-id"),
            progress=progress)
print("committed", flush=True)
"""


def _big_fills(tmp: Path) -> Path:
    # 3,000 distinct lines (prices differ) adding VXX shares on 2024-06-20 to the 100 imported.
    lines = [f"2024-06-20,VXX,1,{12 + i / 1000:.3f}" for i in range(N_LINES)]
    return write(tmp, "big.csv", "date,symbol,quantity,price\n" + "\n".join(lines) + "\n")


def _state(store: BookStore) -> tuple[int, dict]:
    _, bf, n = load_fold(store, "b1")
    return n, {
        k: (p.qty, round(p.avg_price, 9), p.realized_pnl_usd) for k, p in bf.positions.items()
    }


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _integrity(url: str) -> None:
    if url.startswith("sqlite"):
        import sqlite3

        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_inside_the_transaction_leaves_the_previous_state(
    tmp_path: Path, db_url: str, seed: int
) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    before = _state(store)
    big = _big_fills(tmp_path)
    kill_at = random.Random(seed).randrange(1, N_LINES // 500)  # batches 1..5 of 6
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_url, str(big)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line.strip())
        if line.strip() == f"written {kill_at * 500}":
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, seen
    assert "committed" not in seen
    store.close()
    store = BookStore(db_url)
    _integrity(db_url)
    assert _state(store) == before
    # The killed input was not recorded as applied: applying it now works, once.
    res = apply_fills(store, "b1", big, FACTS)
    assert res.applied and res.n_events == N_LINES
    n_after, pos_after = _state(store)
    assert n_after == before[0] + N_LINES
    assert pos_after[("VXX", "etf", "t1")][0] == 100 + N_LINES


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_at_a_random_time_leaves_one_state_or_the_other(
    tmp_path: Path, db_url: str, seed: int
) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    before = _state(store)
    big = _big_fills(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_url, str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )
    time.sleep(random.Random(100 + seed).uniform(0.5, 4.0))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    store.close()
    store = BookStore(db_url)
    _integrity(db_url)
    after = _state(store)
    if after != before:  # the commit happened before the kill: all of it, nothing less
        assert after[0] == before[0] + N_LINES
        assert after[1][("VXX", "etf", "t1")][0] == 100 + N_LINES
        assert not apply_fills(store, "b1", big, FACTS).applied
    else:
        assert apply_fills(store, "b1", big, FACTS).applied


_CLOSER = """
import sys
from pathlib import Path
from datetime import date
from alvh.errors import DataFormatError
from alvh.live.store import BookStore
from alvh.live.service import apply_fills, MarketFacts

import time
_events = BookStore.events

def slow_events(self, *args, **kwargs):
    # A slow read of the log: both processes hold a fold at once unless the book is locked.
    out = _events(self, *args, **kwargs)
    time.sleep(2.0)
    return out

BookStore.events = slow_events
store = BookStore(sys.argv[1])
try:
    apply_fills(store, "b1", Path(sys.argv[2]), MarketFacts(date(2024, 6, 28), "test-data-id"))
    print("applied")
except DataFormatError as exc:
    print("refused", exc)
"""


@pytest.mark.slow
def test_two_processes_closing_the_same_lot_at_once_close_it_once(
    tmp_path: Path, db_url: str
) -> None:
    # Both close the 2 VX futures held. Checked one after the other, the second sees nothing
    # left to close; checked at the same time against the same fold, both would pass and the
    # book would end short 2.
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    files = [
        write(
            tmp_path,
            f"close{k}.csv",
            f"date,symbol,quantity,price,effect,reason\n"
            f"2024-06-20,VXN4,-2,15.0,close,process {k}\n",
        )
        for k in (1, 2)
    ]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CLOSER, db_url, str(f)],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for f in files
    ]
    outs = sorted(c.communicate(timeout=120)[0].split()[0] for c in children)
    assert outs == ["applied", "refused"]
    _, bf, _ = load_fold(store, "b1")
    assert bf.positions[("VXN24", "vx_futures", "t1")].qty == 0
