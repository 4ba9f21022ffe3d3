"""What a SQLite book's commits promise: synced to disk unless an advance's session says not.

``alvh book advance`` commits the sessions before its last with ``begin(durable=False)``
(``synchronous=NORMAL``: a killed process loses nothing, an OS crash may undo them whole)
and the last with a sync. Every other command's commit must stay synced: the pooled
connection an unsynced session used must not carry ``NORMAL`` into a later ``book fills``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alvh.live.store import BookStore

NORMAL, FULL = 1, 2  # PRAGMA synchronous values


def _sync(conn) -> int:  # type: ignore[no-untyped-def]
    return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_unsynced_session_then_synced_commits(tmp_path: Path) -> None:
    store = BookStore(f"sqlite:///{tmp_path / 'b.sqlite'}", create=True)
    try:
        with store.begin() as conn:
            assert _sync(conn) == FULL
        with store.begin(durable=False) as conn:
            assert _sync(conn) == NORMAL
        with store.begin() as conn:  # the same pooled connection, back to FULL
            assert _sync(conn) == FULL
        with pytest.raises(RuntimeError, match="boom"), store.begin(durable=False) as conn:
            raise RuntimeError("boom")
        with store.begin() as conn:
            assert _sync(conn) == FULL
    finally:
        store.close()
