"""SPX monthlies and SPXW weeklies/dailies/EOM by era; the engine's DTE-window lookup."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import (
    expiries_in_dte_window,
    expiry_schedule,
    spx_expiries,
    spx_monthly_expiry,
    third_friday,
)
from alvh.calendar.sessions import CalendarRangeError, trading_calendar

NYSE = trading_calendar("XNYS")


def _spxw(start: str, end: str) -> pd.DataFrame:
    return spx_expiries(start, end, "spxw")


def _days(df: pd.DataFrame) -> set[date]:
    return {d.date() for d in df["expiry"]}


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2008, 3, date(2008, 3, 20)),  # Good Friday 2008-03-21 was the third Friday
        (2014, 4, date(2014, 4, 17)),  # Good Friday 2014-04-18
        (2019, 4, date(2019, 4, 18)),  # Good Friday 2019-04-19
        (2022, 4, date(2022, 4, 14)),  # Good Friday 2022-04-15
        (2025, 4, date(2025, 4, 17)),  # Good Friday 2025-04-18
        (2026, 6, date(2026, 6, 18)),  # Juneteenth 2026-06-19 is the third Friday
        (2024, 3, date(2024, 3, 15)),  # an ordinary month
    ],
)
def test_spx_monthly_moves_to_thursday_when_the_third_friday_is_a_holiday(
    year: int, month: int, expected: date
) -> None:
    assert spx_monthly_expiry(year, month) == expected
    df = spx_expiries(date(year, month, 1), date(year, month, 28), "spx")
    # Standard monthlies are listed a year (366 days) ahead.
    listed = pd.Timestamp(expected) - pd.Timedelta(days=366)
    assert df.to_dict("records") == [
        {
            "expiry": pd.Timestamp(expected),
            "product": "SPX",
            "settlement": "AM",
            "kind": "monthly",
            "listed_from": listed,
        }
    ]


def test_third_friday() -> None:
    assert third_friday(2024, 3) == date(2024, 3, 15)
    assert third_friday(2023, 9) == date(2023, 9, 15)  # month starting on a Friday
    assert third_friday(2022, 10) == date(2022, 10, 21)  # month starting on a Saturday


def test_frame_has_the_documented_columns_and_values() -> None:
    df = spx_expiries("2015-01-01", "2024-12-31", "all")
    assert list(df.columns) == ["expiry", "product", "settlement", "kind", "listed_from"]
    assert (df["listed_from"] <= df["expiry"]).all()
    assert df["expiry"].dtype == "datetime64[ns]"
    assert set(df["product"]) == {"SPX", "SPXW"}
    assert set(df["settlement"]) == {"AM", "PM"}
    assert set(df["kind"]) == {"monthly", "weekly", "daily", "eom"}
    assert not df.duplicated(["expiry", "product"]).any()
    assert df["expiry"].is_monotonic_increasing
    # Every expiry is an NYSE session.
    assert NYSE.is_session_array(df["expiry"].to_numpy()).all()


def test_friday_weeklies_start_in_november_2005_and_skip_third_fridays() -> None:
    df = _spxw("2005-01-01", "2005-12-31")
    assert df["expiry"].min() == pd.Timestamp("2005-11-04")
    assert pd.Timestamp("2005-11-18") not in set(df["expiry"])  # third Friday: SPX only
    assert (df["kind"] == "weekly").all()


def test_weeklies_were_am_settled_until_december_2010() -> None:
    df = _spxw("2010-11-01", "2010-12-31").set_index("expiry")
    assert df.loc["2010-12-03", "settlement"] == "AM"
    assert df.loc["2010-12-10", "settlement"] == "PM"


def test_no_monday_or_wednesday_expiries_in_2015() -> None:
    df = _spxw("2015-01-01", "2015-12-31")
    mon_wed = df[df["expiry"].dt.weekday.isin([0, 2])]
    # Only end-of-month days (e.g. Mon 2015-08-31, Wed 2015-09-30) expire on those weekdays.
    assert set(mon_wed["kind"]) == {"eom"}
    assert not (df["kind"] == "daily").any()


def test_wednesday_and_monday_series_start_in_2016() -> None:
    df = _spxw("2016-01-01", "2016-12-31")
    daily = df[df["kind"] == "daily"]
    wed = daily[daily["expiry"].dt.weekday == 2]["expiry"]
    mon = daily[daily["expiry"].dt.weekday == 0]["expiry"]
    assert wed.min() == pd.Timestamp("2016-03-02")
    assert mon.min() == pd.Timestamp("2016-08-22")


def test_monday_expiries_in_2017() -> None:
    df = _spxw("2017-01-01", "2017-12-31")
    mondays = df[df["expiry"].dt.weekday == 0]
    # 52 Mondays less 6 NYSE Monday holidays and the EOM Mondays (kind 'eom').
    assert len(mondays) >= 40
    assert (mondays["kind"].isin(["daily", "eom"])).all()


def test_a_monday_holiday_moves_the_monday_series_to_tuesday() -> None:
    # Cboe listed SPXW expiring Tue 2016-09-06, the day after Labor Day.
    assert pd.Timestamp("2016-09-06") in set(_spxw("2016-09-01", "2016-09-30")["expiry"])
    # Before Tuesday series existed, every Tuesday expiry follows a Monday holiday.
    df = _spxw("2021-01-01", "2021-12-31")
    tuesdays = df[(df["expiry"].dt.weekday == 1) & (df["kind"] == "daily")]["expiry"]
    assert [d.date() for d in tuesdays] == [
        date(2021, 1, 19),  # after Martin Luther King Jr. Day
        date(2021, 2, 16),  # after Presidents' Day
        date(2021, 6, 1),  # after Memorial Day
        date(2021, 7, 6),  # after Independence Day (observed)
        date(2021, 9, 7),  # after Labor Day
    ]


def test_tuesday_and_thursday_expiries_from_2022() -> None:
    df23 = _spxw("2023-01-01", "2023-12-31")
    tue = df23[df23["expiry"].dt.weekday == 1]
    assert len(tue) >= 48
    # 2023 has an expiry on every session.
    assert _days(df23) == {d.date() for d in NYSE.sessions_in_range("2023-01-01", "2023-12-31")}
    df22 = _spxw("2022-04-01", "2022-05-31")
    daily = df22[df22["kind"] == "daily"]
    assert daily[daily["expiry"].dt.weekday == 1]["expiry"].min() == pd.Timestamp("2022-04-26")
    assert daily[daily["expiry"].dt.weekday == 3]["expiry"].min() == pd.Timestamp("2022-05-19")
    # Before that, a Thursday expiry only came from a Friday holiday (Good Friday 2022-04-15).
    assert df22.set_index("expiry").loc["2022-04-14", "kind"] == "monthly"


def test_holiday_expiries() -> None:
    days = _days(_spxw("2023-04-01", "2025-12-31"))
    # Good Friday 2023-04-07: the Friday weekly expires on Thursday 04-06.
    df = _spxw("2023-04-03", "2023-04-10").set_index("expiry")
    assert df.loc["2023-04-06", "kind"] == "weekly"
    # Thanksgiving Thursday and the Carter day of mourning: no expiry (Cboe Options closed).
    assert date(2024, 11, 28) not in days
    assert date(2025, 1, 9) not in days


def test_end_of_month_and_quarter_eras() -> None:
    df = _spxw("2006-01-01", "2014-12-31").set_index("expiry")
    assert df.loc["2006-09-29", "kind"] == "eom"  # first SPX quarterly
    assert df.loc["2006-06-30", "kind"] == "weekly"  # a quarter end before quarterlies
    assert df.loc["2014-05-30", "kind"] == "weekly"  # a Friday, not yet EOM
    assert df.loc["2014-07-31", "kind"] == "eom"  # first end-of-month
    # Good Friday 2018-03-30 was the last day of March: EOM moved to Thursday 03-29.
    assert _spxw("2018-03-26", "2018-03-31").set_index("expiry").loc["2018-03-29", "kind"] == "eom"


def test_third_friday_pm_series_from_may_2017() -> None:
    both = spx_expiries("2017-04-01", "2017-05-31", "all")
    april = both[both["expiry"] == "2017-04-21"]
    may = both[both["expiry"] == "2017-05-19"]
    assert april["product"].tolist() == ["SPX"]
    assert may[["product", "settlement"]].values.tolist() == [["SPX", "AM"], ["SPXW", "PM"]]


def test_bad_product_and_range() -> None:
    with pytest.raises(ValueError, match="unknown product"):
        spx_expiries("2024-01-01", "2024-02-01", "spy")  # type: ignore[arg-type]
    with pytest.raises(CalendarRangeError):
        spx_expiries("1980-01-01", "2024-02-01")


@lru_cache(maxsize=3)
def _frame_2019_2025(product: str) -> pd.DataFrame:
    return spx_expiries("2019-01-01", "2025-12-31", product)  # type: ignore[arg-type]


def _brute_window(as_of: pd.Timestamp, lo: int, hi: int, product: str) -> list[pd.Timestamp]:
    df = _frame_2019_2025(product)
    dte = (df["expiry"] - as_of.normalize()).dt.days
    return sorted(set(df.loc[(dte >= lo) & (dte <= hi), "expiry"]))


@pytest.mark.parametrize("product", ["spx", "spxw", "all", "any"])
def test_dte_window_matches_a_brute_force_filter(product: str) -> None:
    for as_of in NYSE.sessions_in_range("2020-01-01", "2024-12-31")[::37]:
        for lo, hi in ((7, 21), (30, 45), (60, 90), (0, 0)):
            got = [pd.Timestamp(d) for d in expiries_in_dte_window(as_of, lo, hi, product)]  # type: ignore[arg-type]
            assert got == _brute_window(as_of, lo, hi, product), (as_of, lo, hi)


def test_dte_window_is_inclusive_and_ignores_time_of_day() -> None:
    # 2024-03-15 (SPX monthly) is 14 calendar days after 2024-03-01.
    got = expiries_in_dte_window("2024-03-01 16:15", 14, 14, "spx")
    assert got.tolist() == [np.datetime64("2024-03-15")]
    assert expiries_in_dte_window("2024-03-01", 15, 20, "spx").size == 0
    sched = expiry_schedule("spxw")
    sl = sched.window_slice("2024-03-01", 7, 21)
    assert set(sched.kind[sl]) <= {"weekly", "daily", "eom", "monthly"}
    assert (sched.settlement[sl] == "PM").all()


def test_any_is_the_union_with_one_row_per_day_and_the_spx_monthly_on_shared_days() -> None:
    both = spx_expiries("2016-01-01", "2019-12-31", "all")
    any_ = spx_expiries("2016-01-01", "2019-12-31", "any")
    assert set(any_["expiry"]) == set(both["expiry"]) and not any_["expiry"].duplicated().any()
    shared = both.loc[both["expiry"].duplicated(keep=False), "expiry"].unique()
    # From May 2017 every third Friday has both an SPX AM monthly and an SPXW PM series.
    assert pd.Timestamp("2017-05-19") in shared and pd.Timestamp("2017-04-21") not in shared
    kept = any_[any_["expiry"].isin(shared)]
    assert (kept["product"] == "SPX").all() and (kept["settlement"] == "AM").all()
    # Elsewhere a row is the same as in its own product's frame.
    rest = any_[~any_["expiry"].isin(shared)].reset_index(drop=True)
    own = both[~both["expiry"].isin(shared)].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest, own)
