"""The fitted surface against real January-2018 SPXW chains (read in place from shared data)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from alvh.market.data import DataSource, MarketData
from alvh.market.surface import DEFAULT_SURFACE_PARAMS, SpxVolSurface
from alvh.market.surface_quotes import QuoteSurface, surface_for

pytestmark = pytest.mark.realdata

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "calibrate_surface.py"


@pytest.fixture(scope="module")
def calib() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate_surface", _SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def real(shared_data: Path, calib: ModuleType) -> tuple[MarketData, pd.DataFrame, pd.DataFrame]:
    chains = calib.read_hod_chains(shared_data / calib.CHAIN_FILE)
    market = calib.build_market(shared_data)
    return market, chains, calib.market_smiles(chains, market)


def test_16_delta_put_iv_on_2018_01_02_is_within_075_vol_points(real, calib) -> None:  # type: ignore[no-untyped-def]
    market, _, smiles = real
    day = smiles[smiles["quote_date"] == pd.Timestamp("2018-01-02")]
    row = day.iloc[int(np.argmin(np.abs(day["delta_put"].to_numpy() + 0.16)))]
    surf = SpxVolSurface.from_snapshot(market.snapshot("2018-01-02 16:15"))
    t = surf.t_years(pd.Timestamp("2018-01-31"), am_settled=False)
    assert t == pytest.approx(29 / 365)
    model_pts = 100 * float(surf.iv(t, row["strike"]))
    # Measured: -0.16 points (docs/calibration.md); 0.75 leaves room, a broken fit misses by more.
    assert abs(model_pts - 100 * row["iv"]) < 0.75
    # The model's own 16-delta put lands within 10 SPX points of the market's.
    assert abs(surf.strike_for_delta(t, -0.16, False) - row["strike"]) <= 10.0


def test_iron_condor_credit_close_to_real_mid(real, calib) -> None:  # type: ignore[no-untyped-def]
    market, _, smiles = real
    table = calib.condor_table(DEFAULT_SURFACE_PARAMS, market, smiles)
    per_day = table.iloc[:-2]
    assert len(per_day) == 18
    first = per_day.iloc[0]
    assert str(first["quote_date"]) == "2018-01-02"
    # Measured: +1.31 points on 2018-01-02 (real mid 6.77), mean +0.43, mean |diff| 0.67.
    assert abs(first["diff"]) < 2.0
    assert abs(per_day["diff"].mean()) < 1.0
    assert per_day["diff"].abs().mean() < 1.0


def test_iv_error_by_delta_bucket_stays_under_one_vol_point(real, calib) -> None:  # type: ignore[no-untyped-def]
    market, _, smiles = real
    table = calib.delta_table(DEFAULT_SURFACE_PARAMS, market, smiles)
    mae = table[table["quote_date"] == "mean |err|"].drop(columns=["quote_date", "dte"])
    assert float(mae.to_numpy().max()) < 1.0  # measured at most 0.63


def test_quote_surface_reproduces_the_real_chain(real) -> None:  # type: ignore[no-untyped-def]
    market, chains, smiles = real
    with_chains = MarketData(
        {
            **{n: market.tables[n] for n in ("index_bars", "rates", "vx_settlements", "events")},
            "option_chains": chains,
        },
        DataSource("store", "test", "real closes and SPXW chains, January 2018"),
    )
    surf = surface_for(with_chains.snapshot("2018-01-02 16:15"))
    assert isinstance(surf, QuoteSurface)
    t = surf.t_years(pd.Timestamp("2018-01-31"), am_settled=False)
    day = smiles[smiles["quote_date"] == pd.Timestamp("2018-01-02")]
    near = day[(day["strike"] > 2500) & (day["strike"] < 2800)]
    assert surf.iv(t, near["strike"].to_numpy()) == pytest.approx(near["iv"].to_numpy(), abs=5e-4)
