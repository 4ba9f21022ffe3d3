"""Shared fixtures. Real-data tests are marked ``realdata`` and read ../shared/data in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """Return the folder of real market data (ALVH_SHARED_DATA or ../shared/data)."""
    env = os.environ.get("ALVH_SHARED_DATA")
    return Path(env) if env else _REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; skips (or, under CI, fails) when absent."""
    d = shared_data_dir()
    if not d.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder missing in CI: {d}")
        pytest.skip(f"real data folder not found: {d}")
    return d
