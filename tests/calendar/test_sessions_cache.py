"""The on-disk cache of XNYS's sessions: identical to a fresh build, rebuilt when bad."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import numpy as np
import pytest

from alvh.calendar import sessions
from alvh.calendar.sessions import build_xnys_arrays, calendar_cache_dir, xnys_arrays


@pytest.fixture(scope="module")
def fresh() -> tuple[np.ndarray, np.ndarray]:
    return build_xnys_arrays()


def _cache_file(folder: Path) -> Path:
    (only,) = folder.glob("xnys-*.npz")
    return only


def test_cached_calendar_is_the_fresh_build(
    tmp_path: Path, fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    first = xnys_arrays(tmp_path)  # miss: builds and writes
    path = _cache_file(tmp_path)
    version = importlib.metadata.version("exchange_calendars")
    assert path.name == f"xnys-{version}-1990-01-02-2035-12-31-f1.npz"
    second = xnys_arrays(tmp_path)  # hit: reads
    for got in (first, second):
        np.testing.assert_array_equal(got[0], fresh[0])
        np.testing.assert_array_equal(got[1], fresh[1])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".xnys-")]  # no temp left


def test_cache_hit_does_not_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xnys_arrays(tmp_path)

    def boom() -> None:
        raise AssertionError("rebuilt although the cache is valid")

    monkeypatch.setattr(sessions, "build_xnys_arrays", boom)
    sess, _ = xnys_arrays(tmp_path)
    assert len(sess) > 11_000  # 46 years of ~252 sessions


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"not a zip file"),
        # valid npz, wrong content: sessions out of order (e.g. a stale or foreign file)
        lambda p: np.savez(
            p.open("wb"),
            sessions_ns=np.arange(300, dtype=np.int64)[::-1] * 86_400 * 10**9,
            closes_ns=np.arange(300, dtype=np.int64)[::-1] * 86_400 * 10**9 + 1,
        ),
        lambda p: np.savez(p.open("wb"), sessions_ns=np.zeros(3, dtype=np.int64)),  # a key gone
    ],
    ids=["truncated", "garbage", "unsorted", "missing-key"],
)
def test_corrupt_cache_is_rebuilt_and_replaced(
    tmp_path: Path, fresh: tuple[np.ndarray, np.ndarray], damage
) -> None:
    xnys_arrays(tmp_path)
    path = _cache_file(tmp_path)
    damage(path)
    sess, closes = xnys_arrays(tmp_path)
    np.testing.assert_array_equal(sess, fresh[0])
    np.testing.assert_array_equal(closes, fresh[1])
    with np.load(path) as z:  # the bad file was replaced by a good one
        np.testing.assert_array_equal(z["sessions_ns"], fresh[0])


def test_new_exchange_calendars_version_gets_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xnys_arrays(tmp_path)
    monkeypatch.setattr(importlib.metadata, "version", lambda _name: "99.0")
    xnys_arrays(tmp_path)
    names = sorted(p.name for p in tmp_path.glob("xnys-*.npz"))
    assert len(names) == 2 and names[-1].startswith("xnys-99.0-")


def test_unwritable_cache_folder_still_gives_the_calendar(
    tmp_path: Path, fresh: tuple[np.ndarray, np.ndarray]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    sess, _ = xnys_arrays(blocker / "calendar")
    np.testing.assert_array_equal(sess, fresh[0])


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG layout is Linux's")
def test_cache_dir_follows_alvh_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALVH_CACHE", str(tmp_path))
    assert calendar_cache_dir() == tmp_path / "calendar"
    monkeypatch.delenv("ALVH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert calendar_cache_dir() == tmp_path / "xdg" / "alvh" / "calendar"
