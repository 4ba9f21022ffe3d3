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


class _Stop(Exception):
    pass


def test_an_advance_that_stops_early_syncs_what_it_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions before an advance's last are committed unsynced; an advance that stops before
    its last (an error, Ctrl-C) syncs them on its way out, and a finished one needs no extra
    sync (its last commit synced the WAL)."""
    from signal_fixtures import quarter_config

    from alvh.config.load import dump_toml
    from alvh.live.advance import advance_book
    from alvh.live.context import MarketFacts
    from alvh.live.service import init_book
    from alvh.live.signal import load_for_signal

    cfg = quarter_config()
    data = load_for_signal(cfg, None, cfg.data.end)
    facts = MarketFacts(last_session=cfg.data.end, data_id=None)
    path = tmp_path / "q.toml"
    path.write_text(dump_toml(cfg), encoding="utf-8")
    syncs: list[int] = []
    real_sync = BookStore.sync
    monkeypatch.setattr(BookStore, "sync", lambda self: syncs.append(1) or real_sync(self))
    store = BookStore(f"sqlite:///{tmp_path / 'b.sqlite'}", create=True)
    try:
        init_book(store, "b", path)
        seen: list[object] = []

        def stop_at_third(out: object) -> None:
            seen.append(out)
            if len(seen) == 3:
                raise _Stop

        with pytest.raises(_Stop):
            advance_book(
                store,
                "b",
                cfg,
                cfg.capital.initial_usd,
                data,
                cfg.data.end,
                facts,
                progress=stop_at_third,
            )
        assert syncs == [1]
        with store.engine.connect() as conn:
            assert store.last_stepped(conn, "b") == seen[2].day  # type: ignore[attr-defined]
        syncs.clear()
        done = advance_book(store, "b", cfg, cfg.capital.initial_usd, data, cfg.data.end, facts)
        assert done.through == cfg.data.end and syncs == []
    finally:
        store.close()
