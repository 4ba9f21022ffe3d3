"""Real VX panel: the rebuilt VIX short-term index loses in calm years and gains in crises.

Reproduce the yearly table of docs/vix-models.md with
``.venv/bin/pytest -q -m realdata tests/market/test_vixetf_realdata.py -s``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.market.vixetf import compute_vix_st_index, etf_prices
from alvh.market.vxcurve import VxCurve

pytestmark = pytest.mark.realdata


def read_panel(shared_data: Path) -> pd.DataFrame:
    p = pd.read_csv(
        shared_data / "vx_settle_panel_2004_2026.csv.gz", parse_dates=["trade_date", "expiry"]
    )
    return p.rename(columns={"trade_date": "date"})


@pytest.fixture(scope="module")
def index(shared_data: Path) -> pd.DataFrame:
    irx = pd.read_csv(shared_data / "tbill_13w_irx_daily_yahoo_2000_2026.csv", parse_dates=["date"])
    tbill = irx.set_index("date")["irx_close_pct"]
    return compute_vix_st_index(read_panel(shared_data), None, tbill).set_index("date")


def change_pct(level: pd.Series, start: str, end: str) -> float:
    """Percent change from the last value before ``start`` to the last on or before ``end``."""
    before = level.loc[: pd.Timestamp(start) - pd.Timedelta(days=1)]
    base = before.iloc[-1] if len(before) else level.loc[start:].iloc[0]
    return 100.0 * (level.loc[:end].iloc[-1] / base - 1.0)


def yearly_pct(level: pd.Series) -> pd.Series:
    years = range(level.index[0].year, level.index[-1].year + 1)
    return pd.Series({y: change_pct(level, f"{y}-01-01", f"{y}-12-31") for y in years})


@pytest.mark.parametrize("year", [2012, 2013, 2017])
def test_er_index_loses_heavily_in_calm_contango_years(index: pd.DataFrame, year: int) -> None:
    assert change_pct(index["er_index"], f"{year}-01-01", f"{year}-12-31") < -50.0


def test_er_index_gains_in_crises(index: pd.DataFrame) -> None:
    er = index["er_index"]
    assert change_pct(er, "2008-01-01", "2008-12-31") > 50.0
    assert change_pct(er, "2011-08-01", "2011-10-31") > 40.0
    assert change_pct(er, "2020-02-01", "2020-03-31") > 100.0


def test_weights_and_roll_on_real_sessions(index: pd.DataFrame) -> None:
    w = index["weight_front"]
    assert ((w > 0) & (w <= 1)).all()
    # 2020-03-17, the Tuesday before VXH20 settles: all in VXJ20 (2020-04-15)
    assert w["2020-03-17"] == 1.0
    assert index.loc["2020-03-17", "front_expiry"] == pd.Timestamp("2020-04-15")
    assert index.loc["2020-03-16", "front_expiry"] == pd.Timestamp("2020-03-18")
    # no held contract ever lacked a settle in the panel
    assert index["stale"].sum() == 0


def test_tr_beats_er_by_tbill_interest_in_2007(index: pd.DataFrame) -> None:
    # IRX ~4.4% in 2007: TR ahead of ER by several percent of the index
    er = change_pct(index["er_index"], "2007-01-01", "2007-12-31")
    tr = change_pct(index["tr_index"], "2007-01-01", "2007-12-31")
    assert 3.0 < tr - er < 10.0


def test_vxx_like_etf_loses_in_2017(index: pd.DataFrame) -> None:
    etf = etf_prices(index.reset_index(), 0.89, start="2017-01-03")
    assert etf.iloc[0] == 100.0
    assert etf.loc[:"2017-12-29"].iloc[-1] < 35.0


def test_print_yearly_table(index: pd.DataFrame) -> None:
    table = pd.DataFrame(
        {"er_pct": yearly_pct(index["er_index"]), "tr_pct": yearly_pct(index["tr_index"])}
    ).round(1)
    print("\n" + table.to_string())
    assert np.isfinite(table.to_numpy()).all()


def test_2020_03_16_front_and_backwardation(shared_data: Path) -> None:
    p = read_panel(shared_data)
    day = p[p["date"] == "2020-03-16"]
    c = VxCurve.from_rows("2020-03-16", day["contract"], day["expiry"], day["settle"])
    assert c.front(1).contract == "VXH20" and c.front(1).value == 72.625
    assert c.regime() == "backwardation"


def test_2017_is_in_contango_on_most_days(shared_data: Path) -> None:
    p = read_panel(shared_data)
    p = p[p["date"].dt.year == 2017]
    up = [
        VxCurve.from_rows(d, g["contract"], g["expiry"], g["settle"]).vx2_over_vx1() > 1.0
        for d, g in p.groupby("date")
    ]
    assert len(up) > 240 and np.mean(up) > 0.85
