from __future__ import annotations

import pytest

from alvh.config.load import config_with_overrides, load_preset
from alvh.engine.from_config import engine_settings
from alvh.engine.settings import EngineSettings
from alvh.market.data import MarketData
from alvh.market.synthetic import generate_market

START, END = "2007-01-03", "2009-06-30"


@pytest.fixture(scope="session")
def synthetic_market() -> MarketData:
    """A seeded synthetic market with a stress period, 2006-2009."""
    return generate_market("2006-01-03", "2009-12-31", seed=3)


@pytest.fixture(scope="session")
def ladder_settings() -> EngineSettings:
    """The ic-ladder preset on SPX monthlies: in 2007-2009 SPXW listed only one-week Weeklys
    and Quarterlys, so an SPXW ladder would hardly trade (tests/calendar/test_listings.py)."""
    cfg = config_with_overrides(load_preset("ic-ladder"), **{"data.start": START, "data.end": END})
    tiers = [t.model_copy(update={"product": "spx"}) for t in cfg.tiers]
    return engine_settings(cfg.model_copy(update={"tiers": type(cfg.tiers)(tiers)}))
