"""Real-data fixtures: all of ../shared/data imported once into a temporary store."""

from __future__ import annotations

from pathlib import Path

import pytest

from alvh.market.data import MarketData
from alvh.market.store import Store, import_paths


@pytest.fixture(scope="session")
def real_market(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> MarketData:
    store = Store(tmp_path_factory.mktemp("store"))
    files = sorted(p for p in shared_data.iterdir() if p.is_file() and p.suffix in (".csv", ".gz"))
    import_paths(store, files)
    return store.load()
