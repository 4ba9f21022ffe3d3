"""Hedge rules against real market facts (shared data, read in place)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.strategy.hedge.instruments import vx_beta
from alvh.strategy.hedge.triggers import term_regime
from alvh.strategy.indicators import rsi

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def vx(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "vx_continuous_vx1_vx8_2007_2021.csv.gz", parse_dates=["date"])


def test_vx_beta_curve_matches_regressions(vx: pd.DataFrame) -> None:
    dv = vx["VIX_close"].diff()
    parts = []
    for k in (1, 2, 3, 4):
        same = vx[f"VX{k}_contract"] == vx[f"VX{k}_contract"].shift()
        dte = (pd.to_datetime(vx[f"VX{k}_expiry"]) - vx["date"]).dt.days
        parts.append(pd.DataFrame({"dx": vx[f"VX{k}"].diff(), "dv": dv, "dte": dte})[same])
    r = pd.concat(parts).dropna()
    for lo, hi in ((0, 10), (20, 35), (50, 70), (100, 130)):
        b = r[(r.dte > lo) & (r.dte <= hi)]
        measured = float((b.dx * b.dv).sum() / (b.dv**2).sum())
        assert vx_beta((lo + hi) / 2) == pytest.approx(measured, abs=0.05)


def test_term_structure_facts(vx: pd.DataFrame) -> None:
    regimes = [term_regime(a, b) for a, b in zip(vx["VX1"], vx["VX2"], strict=True)]
    contango = np.mean([g == "contango" for g in regimes])
    assert 0.70 < contango < 0.85  # SPEC 5: contango ~75% of days
    day = vx.set_index("date").loc["2020-03-16"]
    assert term_regime(day["VX1"], day["VX2"]) == "backwardation"


def test_vix_rsi_overbought_in_march_2020(vx: pd.DataFrame) -> None:
    s = vx.set_index("date")["VIX_close"]
    r = pd.Series(rsi(s.to_numpy()), index=s.index)
    assert r.loc["2020-02-24":"2020-03-16"].max() > 70
    assert 30 <= r.loc["2019-06-03":"2019-12-31"].median() <= 70
