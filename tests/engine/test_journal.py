from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.engine.journal import Journal, write_journal_atomically
from alvh.errors import StoreError
from alvh.strategy.rules import JournalEntry


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


def test_inputs_round_trip_through_the_file(tmp_path: Path) -> None:
    """What a reader of ``inputs_json`` gets back: numpy scalars as numbers, Timestamps as
    dates (ISO time when not midnight), None as null, nested lists as lists, and non-finite
    numbers as Python's JSON NaN / Infinity (floats again after ``json.loads``)."""
    inputs: dict[str, object] = {
        "spot": np.float64(4321.25),
        "n": np.int64(3),
        "float32": np.float32(0.1),
        "expiry": pd.Timestamp("2020-03-20"),
        "at": pd.Timestamp("2020-03-20 15:45"),
        "pending": None,
        "strikes": [[4200.0, 4100], [4400, np.float64(4500.5)]],
        "label": "put wing",
    }
    non_finite: dict[str, object] = {"iv": float("nan"), "z": np.float64("inf"), "w": -np.inf}
    p = tmp_path / "journal.sqlite"
    day = pd.Timestamp("2020-03-16")
    sessions = [(day, [JournalEntry("a", inputs), JournalEntry("b", non_finite)])]
    write_journal_atomically(p, "r1", {}, "d1", "synthetic", sessions)
    with Journal(p) as j:
        texts = list(j.read("r1")["inputs_json"])
    got = json.loads(texts[0])
    assert got == {
        "spot": 4321.25,
        "n": 3,
        "float32": float(np.float32(0.1)),
        "expiry": "2020-03-20",
        "at": "2020-03-20T15:45:00",
        "pending": None,
        "strikes": [[4200.0, 4100], [4400, 4500.5]],
        "label": "put wing",
    }
    assert list(got) == sorted(got)  # keys sorted in the text
    back = json.loads(texts[1])
    assert math.isnan(back["iv"]) and back["z"] == math.inf and back["w"] == -math.inf


def test_inputs_orjson_cannot_write_use_the_standard_conversions(tmp_path: Path) -> None:
    p = tmp_path / "journal.sqlite"
    int_keys: dict[object, object] = {3: "three", 1: "one"}
    entries = [JournalEntry("a", {"big": 2**70}), JournalEntry("b", int_keys)]  # type: ignore[arg-type]
    write_journal_atomically(
        p, "r1", {}, "d1", "synthetic", [(pd.Timestamp("2020-03-16"), entries)]
    )
    with Journal(p) as j:
        texts = list(j.read("r1")["inputs_json"])
    assert json.loads(texts[0]) == {"big": 2**70}
    assert json.loads(texts[1]) == {"1": "one", "3": "three"}
