"""VxCurve on hand-made rows: VXn, constant maturity by hand, regimes, roll yield, gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.errors import NoDataError
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import TABLES
from alvh.market.vxcurve import DAYS_PER_MONTH, VxCurve

# 2017-06-01: VXM17 settles 2017-06-21 (20 days), VXN17 07-19 (48), VXQ17 08-16 (76),
# VXU17 09-20 (111). A calm, upward-sloping (contango) curve.
DAY = "2017-06-01"
CODES = ["VXM17", "VXN17", "VXQ17", "VXU17"]
EXPIRIES = ["2017-06-21", "2017-07-19", "2017-08-16", "2017-09-20"]
SETTLES = [11.0, 12.4, 13.0, 13.5]


def contango() -> VxCurve:
    return VxCurve.from_rows(DAY, CODES, EXPIRIES, SETTLES, vix_spot=10.0, vix3m=12.5)


def test_rows_are_sorted_by_expiry_with_calendar_days_to_expiry() -> None:
    c = VxCurve.from_rows(DAY, CODES[::-1], EXPIRIES[::-1], SETTLES[::-1])
    assert list(c.contracts) == CODES
    assert list(c.dte_days) == [20, 48, 76, 111]
    assert list(c.settles) == SETTLES


def test_front_n_follows_the_listed_monthly_contracts() -> None:
    c = contango()
    assert (c.front(1).contract, c.front(1).value, c.front(1).dte_days) == ("VXM17", 11.0, 20)
    assert c.front(2).contract == "VXN17"
    assert not c.front(2).interpolated and not c.front(2).flagged


def test_contract_settling_on_the_curve_date_is_not_vx1() -> None:
    # On 2017-06-21 VXM17 settles at the morning SOQ: VX1 is VXN17.
    c = VxCurve.from_rows("2017-06-21", CODES, EXPIRIES, SETTLES)
    assert c.front(1).contract == "VXN17"
    assert c.front(1).dte_days == 28


def test_constant_maturity_30d_by_hand() -> None:
    # 30 days lies between VX1 (20d, 11.0) and VX2 (48d, 12.4): 11 + (30-20)/(48-20) * 1.4 = 11.5
    p = contango().constant_maturity(30)
    assert p.value == pytest.approx(11.5, abs=1e-12)
    assert p.interpolated and not p.flagged


def test_constant_maturity_before_first_expiry_is_flat_and_flagged() -> None:
    p = contango().constant_maturity(10)
    assert p.value == 11.0 and p.extrapolated and p.flagged


def test_missing_contract_is_interpolated_and_flagged() -> None:
    # Drop VXN17: VX2 is interpolated between VXM17 (20d, 11.0) and VXQ17 (76d, 13.0) at 48d:
    # 11 + (48-20)/(76-20) * 2 = 12.0
    c = VxCurve.from_rows(DAY, ["VXM17", "VXQ17"], ["2017-06-21", "2017-08-16"], [11.0, 13.0])
    vx2 = c.front(2)
    assert vx2.contract == "VXN17" and vx2.dte_days == 48
    assert vx2.value == pytest.approx(12.0)
    assert vx2.interpolated and vx2.flagged
    # the 30-day point now spans the gap: 11 + 10/56 * 2
    cm = c.constant_maturity(30)
    assert cm.value == pytest.approx(11.0 + 10.0 / 56.0 * 2.0)
    assert cm.gap and cm.flagged
    with pytest.raises(NoDataError, match="VXU17"):
        c.front(4)


def test_contango_measures_and_regime() -> None:
    c = contango()
    assert c.vx2_over_vx1() == pytest.approx(12.4 / 11.0)
    assert c.vix_over_vix3m() == pytest.approx(0.8)
    assert c.regime() == "contango"


def test_backwardation_on_2020_03_16_rows() -> None:
    c = VxCurve.from_rows(
        "2020-03-16",
        ["VXH20", "VXJ20", "VXK20"],
        ["2020-03-18", "2020-04-15", "2020-05-20"],
        [72.625, 59.15, 44.875],
    )
    assert c.front(1).value == 72.625
    assert c.regime() == "backwardation"


def test_flat_within_tolerance() -> None:
    c = VxCurve.from_rows(DAY, CODES[:2], EXPIRIES[:2], [15.0, 15.1])
    assert c.regime() == "flat"  # +0.67% < 1% tolerance
    assert c.regime(tol_pct=0.5) == "contango"


def test_roll_yield_by_hand() -> None:
    c = contango()
    ry = c.roll_yield("vx1_vx2")
    # VX2 rolls from 12.4 to 11.0 over 48 - 20 = 28 days
    assert ry.per_month_pct == pytest.approx(100 * (11.0 / 12.4 - 1) * DAYS_PER_MONTH / 28)
    assert ry.annualised_pct == pytest.approx(100 * (11.0 / 12.4 - 1) * 365 / 28)
    spot = c.roll_yield("spot_vx1")
    # VX1 converges from 11.0 to spot 10.0 in 20 days
    assert spot.annualised_pct == pytest.approx(100 * (10.0 / 11.0 - 1) * 365 / 20)
    assert ry.per_month_pct < 0 and spot.per_month_pct < 0


def test_at_expiry_names_the_listed_expiries_when_missing() -> None:
    with pytest.raises(NoDataError, match="2017-07-19"):
        contango().at_expiry("2017-07-20")


def test_bad_settle_is_a_typed_error() -> None:
    with pytest.raises(NoDataError, match="VXN17"):
        VxCurve.from_rows(DAY, CODES, EXPIRIES, [11.0, float("nan"), 13.0, 13.5])


def _market() -> MarketData:
    days = pd.to_datetime(["2020-03-13", "2020-03-16"])
    vx = pd.DataFrame(
        {
            "date": np.repeat(days, 2),
            "contract": ["VXH20", "VXJ20"] * 2,
            "expiry": pd.to_datetime(["2020-03-18", "2020-04-15"] * 2),
            "settle": [55.0, 45.0, 72.625, 59.15],
        }
    )
    vx["known_at"] = vx["date"] + pd.Timedelta(hours=16, minutes=15)
    bars = pd.DataFrame(
        {
            "symbol": ["VIX", "VIX", "VIX3M", "VIX3M"],
            "date": np.tile(days, 2),
            "close": [57.83, 82.69, 44.0, 59.0],
        }
    )
    bars["known_at"] = bars["date"] + pd.Timedelta(hours=16, minutes=15)
    tables = {name: TABLES[name].empty() for name in ("rates", "events")}
    tables.update(index_bars=bars, vx_settlements=vx)
    return MarketData(tables, DataSource("store", "test", "hand-made"))


def test_from_snapshot_uses_only_what_is_known() -> None:
    md = _market()
    late = VxCurve.from_snapshot(md.snapshot("2020-03-16 16:15"))
    assert late.date == pd.Timestamp("2020-03-16") and late.front(1).value == 72.625
    assert late.vix_spot == 82.69 and late.vix_over_vix3m() == pytest.approx(82.69 / 59.0)
    early = VxCurve.from_snapshot(md.snapshot("2020-03-16 16:00"))
    assert early.date == pd.Timestamp("2020-03-13") and early.front(1).value == 55.0
