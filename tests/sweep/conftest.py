"""A tiny synthetic sweep: the ic-ladder preset over one quarter, 2 x 2 configs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from alvh.config.load import config_with_overrides, load_preset
from alvh.config.run import RunConfig
from alvh.sweep.grid import Vary, parse_vary
from alvh.sweep.runner import SweepOutcome, run_sweep

# One quarter of the seeded synthetic market: each config runs in about a second; the market
# (a year of history before the start, for the indicators) loads once per process.
START, END = date(2021, 1, 4), date(2021, 3, 31)
VARY = ("tiers[0].strikes.short_delta=0.1,0.16", "hedge.preset=none,alvh-442")


@pytest.fixture(scope="session")
def base_config() -> RunConfig:
    return config_with_overrides(
        load_preset("ic-ladder"),
        **{"data.source": "synthetic", "data.start": START, "data.end": END},
    )


@pytest.fixture(scope="session")
def varies() -> list[Vary]:
    return [parse_vary(v) for v in VARY]


@pytest.fixture(scope="session")
def serial_sweep(
    tmp_path_factory: pytest.TempPathFactory, base_config: RunConfig, varies: list[Vary]
) -> SweepOutcome:
    """The 4-config sweep run in process, uninterrupted (the reference table)."""
    out: Path = tmp_path_factory.mktemp("sweep") / "full"
    return run_sweep(base_config, varies, out, workers=0)
