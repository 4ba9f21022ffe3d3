"""Shared fixtures. Real-data tests are marked ``realdata`` and read ../shared/data in place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from alvh.market.data import MarketData

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


# The files the SPX surface reads (SPX, the VIX family, SKEW, the rates): enough for the surface's
# real-data checks, far quicker to import than the whole folder.
SURFACE_INPUT_FILES = (
    "spx_daily_1927_2026.csv",
    "vix_daily_cboe_1990_2026.csv",
    "vix9d_daily_cboe_2011_2026.csv",
    "vix3m_daily_2006_2026.csv",
    "vix_term_closes_qi_2008_2021.csv",
    "skew_daily_cboe_1990_2026.csv",
    "tbill_13w_irx_daily_yahoo_2000_2026.csv",
    "fed_funds_effective_daily_fred_DFF_1954_2026.csv",
)


@pytest.fixture(scope="session")
def surface_market(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> MarketData:
    """The real surface inputs in a store of their own, imported once per test session."""
    from alvh.market.store import Store, import_paths

    store = Store(tmp_path_factory.mktemp("surface-inputs-store"))
    import_paths(store, [shared_data / f for f in SURFACE_INPUT_FILES])
    return store.load()


# What a hedged backtest reads (the surface's inputs, VVIX, the VX settlements, FOMC and CPI
# dates): the store the book's and the signal's real-data tests share, imported once a session.
HEDGE_INPUT_FILES = (
    "spx_daily_1927_2026.csv",
    "vix_daily_cboe_1990_2026.csv",
    "vix9d_daily_cboe_2011_2026.csv",
    "vix3m_daily_2006_2026.csv",
    "skew_daily_cboe_1990_2026.csv",
    "vvix_daily_cboe_2006_2026.csv",
    "tbill_13w_irx_daily_yahoo_2000_2026.csv",
    "fed_funds_effective_daily_fred_DFF_1954_2026.csv",
    "vx_settle_panel_2004_2026.csv.gz",
    "fomc_decision_dates_1936_2026.csv",
    "cpi_release_dates_2015_2026.csv",
)


@pytest.fixture(scope="session")
def hedge_inputs_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder holding ``HEDGE_INPUT_FILES``, imported once per test session."""
    from alvh.market.store import Store, import_paths

    root = tmp_path_factory.mktemp("hedge-inputs-store")
    import_paths(Store(root), [shared_data / f for f in HEDGE_INPUT_FILES])
    return root
