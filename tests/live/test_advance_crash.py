"""Crash safety of ``alvh book advance``: a real process killed (SIGKILL) while it advances a
paper book leaves the book at the end of its last committed session, on both back ends, and
the next advance resumes there and ends with the same log as an advance never interrupted.

The book is the synthetic stress quarter's (``signal_fixtures``), advanced through 2008-09-30
(40 sessions, one transaction each). Two ways of choosing the moment:
- inside a session's transaction: the child reports each session's events written (the insert
  done, the commit not) and waits there at the session the seed draws; the parent kills it;
- at a random time after start (through ``alvh book advance``): anywhere, before, inside or
  between transactions.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from signal_fixtures import quarter_config

from alvh.config.load import dump_toml
from alvh.live.advance import advance_book
from alvh.live.context import MarketFacts
from alvh.live.service import init_book
from alvh.live.signal import load_for_signal
from alvh.live.store import BookStore

THROUGH = date(2008, 9, 30)
FACTS = MarketFacts(last_session=date(2008, 11, 28), data_id=None)
SEEDS = (1, 2, 3)
ALVH = str(Path(sys.executable).parent / "alvh")  # the console script, as a user runs it

_CHILD = """
import sys, time
from datetime import date
sys.path.insert(0, sys.argv[4])
from signal_fixtures import quarter_config
from alvh.live.advance import advance_book
from alvh.live.context import MarketFacts
from alvh.live.signal import load_for_signal
from alvh.live.store import BookStore

cfg = quarter_config()
market = load_for_signal(cfg, None, cfg.data.end)
store = BookStore(sys.argv[1])
kill_at = int(sys.argv[2])
n = [0]

def written(_):
    n[0] += 1
    print(f"inside {n[0]}", flush=True)
    if n[0] == kill_at:
        time.sleep(60)  # inside the open transaction of session kill_at: killed here

advance_book(store, "p1", cfg, cfg.capital.initial_usd, market, date.fromisoformat(sys.argv[3]),
             MarketFacts(date(2008, 11, 28), None), write_progress=written)
print("committed", flush=True)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _book(tmp_path: Path, url: str) -> BookStore:
    path = tmp_path / "p1.toml"
    path.write_text(dump_toml(quarter_config()), encoding="utf-8")
    store = BookStore(url, create=True)
    init_book(store, "p1", path)
    return store


def _log(store: BookStore) -> list[tuple[int, date, str, dict]]:  # type: ignore[type-arg]
    with store.engine.connect() as conn:
        return [(e.seq, e.session_date, e.kind, e.payload) for e in store.events(conn, "p1")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The log of an advance through THROUGH that nothing interrupted."""
    tmp = tmp_path_factory.mktemp("ref")
    store = _book(tmp, f"sqlite:///{tmp / 'ref.sqlite'}")
    cfg = quarter_config()
    market = load_for_signal(cfg, None, cfg.data.end)
    advance_book(store, "p1", cfg, cfg.capital.initial_usd, market, THROUGH, FACTS)
    return cfg, market, _log(store)


def _check_and_resume(store: BookStore, url: str, reference) -> None:  # type: ignore[no-untyped-def]
    cfg, market, ref = reference
    if url.startswith("sqlite"):
        import sqlite3

        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    log = _log(store)
    with store.engine.connect() as conn:
        last = store.last_stepped(conn, "p1")
    # Exactly the sessions committed, each whole: the reference's events through ``last``.
    assert [e[1:] for e in log] == [e[1:] for e in ref if last is not None and e[1] <= last]
    res = advance_book(store, "p1", cfg, cfg.capital.initial_usd, market, THROUGH, FACTS)
    assert res.through == THROUGH
    assert [e[2:] for e in _log(store)] == [e[2:] for e in ref]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_inside_a_session_leaves_the_session_before(
    tmp_path: Path, db_url: str, seed: int, reference
) -> None:  # type: ignore[no-untyped-def]
    store = _book(tmp_path, db_url)
    kill_at = random.Random(seed).randrange(2, 40)
    here = str(Path(__file__).resolve().parent)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_url, str(kill_at), THROUGH.isoformat(), here],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line.strip())
        if line.strip() == f"inside {kill_at}":
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, seen
    store.close()
    store = BookStore(db_url)
    with store.engine.connect() as conn:
        last = store.last_stepped(conn, "p1")
    sessions = sorted({e[1] for e in reference[2]})
    assert last == sessions[kill_at - 2]  # the session before the one killed
    _check_and_resume(store, db_url, reference)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_at_a_random_time_resumes_to_the_same_log(
    tmp_path: Path, db_url: str, seed: int, reference
) -> None:  # type: ignore[no-untyped-def]
    _book(tmp_path, db_url).close()
    (tmp_path / "store").mkdir()
    env = _env() | {"ALVH_STORE": str(tmp_path / "store")}
    child = subprocess.Popen(
        [ALVH, "book", "advance", "p1", "--db", db_url, "--through", THROUGH.isoformat()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    time.sleep(random.Random(100 + seed).uniform(3.0, 9.0))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    store = BookStore(db_url)
    _check_and_resume(store, db_url, reference)
