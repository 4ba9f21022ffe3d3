"""Fixtures of the web dashboard tests: run directories made by the test, never real data.

``backtest_root`` holds a short synthetic backtest (ic-ladder + alvh-442, Jan-Feb 2018, seed
7: about 40 sessions) made once per test session, and a copy of it under a second name for
the Compare page. ``hand_root`` holds the hand run of web_fixtures.py, whose every figure can
be checked with a pencil.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from web_fixtures import write_hand_run

from alvh.cli.app import main

START, END = "2018-01-02", "2018-02-28"


@pytest.fixture(scope="session")
def backtest_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``ladder/jan-feb`` (a real synthetic backtest) and ``ladder/copy``."""
    root = tmp_path_factory.mktemp("webruns")
    run = root / "ladder" / "jan-feb"
    code = main(
        ["backtest", "--preset", "ic-ladder", "--hedge", "alvh-442", "--data", "synthetic",
         "--seed", "7", "--start", START, "--end", END, "--out", str(run)]
    )  # fmt: skip
    assert code == 0
    shutil.copytree(run, root / "ladder" / "copy")
    return root


@pytest.fixture
def hand_root(tmp_path: Path) -> Path:
    """A folder holding the hand run as ``hand``."""
    write_hand_run(tmp_path / "served" / "hand")
    return tmp_path / "served"
