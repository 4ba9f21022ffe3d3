from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alvh.engine.journal import Journal, JournalEntry, write_journal_atomically
from alvh.errors import StoreError


def _sessions():
    yield (
        pd.Timestamp("2020-03-16"),
        [
            JournalEntry(
                "hedge.trigger.iv_shift",
                {"vix": 82.69, "vix_2s": 57.83},
                "fired",
                "add_layer",
                "VIX +43% over 2 sessions >= 15%",
            ),
            JournalEntry("tier.short.entry", {}, "skipped", "none", "blackout: FOMC 2020-03-15"),
        ],
    )
    yield (pd.Timestamp("2020-03-17"), [JournalEntry("hedge.trigger.iv_shift", {"vix": 75.9})])


def test_journal_round_trip_and_filters(tmp_path: Path) -> None:
    p = tmp_path / "journal.sqlite"
    write_journal_atomically(p, "r1", {"a": 1}, "d1", "synthetic", _sessions())
    assert not (tmp_path / "journal.sqlite.tmp").exists()
    with Journal(p) as j:
        all_rows = j.read("r1")
        assert len(all_rows) == 3
        day = j.read("r1", date="2020-03-16", rule="hedge.")
        assert list(day["outcome"]) == ["fired"]
        assert json.loads(day["inputs_json"].iloc[0])["vix"] == 82.69
        assert "43%" in day["reason"].iloc[0]


def test_failed_write_leaves_no_journal_under_final_name(tmp_path: Path) -> None:
    p = tmp_path / "journal.sqlite"

    def broken():
        yield from _sessions()
        raise RuntimeError("engine crashed")

    with pytest.raises(RuntimeError):
        write_journal_atomically(p, "r1", {}, "d1", "synthetic", broken())
    assert not p.exists()


def test_not_a_database_is_a_typed_error(tmp_path: Path) -> None:
    p = tmp_path / "junk.sqlite"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite"):
        Journal(p).read()
