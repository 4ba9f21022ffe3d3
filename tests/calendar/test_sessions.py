"""NYSE and CFE sessions: special closures, exchange differences, early closes, lookups."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh.calendar.sessions import (
    KNOWN_DIFFERENCES,
    CalendarRangeError,
    TradingCalendar,
    cboe_extra_sessions,
    day_ns,
    trading_calendar,
)
from alvh.errors import AlvhError

NYSE = trading_calendar("XNYS")
CFE = trading_calendar("CFE")


def test_nyse_closed_after_september_11_2001() -> None:
    for d in ("2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14"):
        assert not NYSE.is_session(d)
    assert NYSE.previous_session("2001-09-14") == pd.Timestamp("2001-09-10")
    assert NYSE.next_session("2001-09-10") == pd.Timestamp("2001-09-17")
    assert NYSE.sessions_per_year()[2001] == 248


def test_cfe_traded_on_carter_day_of_mourning_while_nyse_was_closed() -> None:
    assert not NYSE.is_session("2025-01-09")
    assert CFE.is_session("2025-01-09")
    assert NYSE.next_session("2025-01-08") == pd.Timestamp("2025-01-10")
    assert CFE.next_session("2025-01-08") == pd.Timestamp("2025-01-09")
    assert CFE.sessions_per_year()[2025] == NYSE.sessions_per_year()[2025] + 1
    assert cboe_extra_sessions() == [pd.Timestamp("2025-01-09")]


def test_cfe_and_nyse_differ_only_on_the_listed_days() -> None:
    extra = CFE.sessions.difference(NYSE.sessions)
    assert list(extra) == cboe_extra_sessions()
    assert NYSE.sessions.difference(CFE.sessions).empty
    for special in KNOWN_DIFFERENCES:
        assert NYSE.is_session(special.day) == special.nyse_open, special
        assert CFE.is_session(special.day) == special.cfe_open, special


@pytest.mark.parametrize(
    "day",
    ["2004-06-11", "2007-01-02", "2012-10-29", "2012-10-30", "2018-12-05", "1994-04-27"],
)
def test_unscheduled_closures_are_not_sessions_on_either_exchange(day: str) -> None:
    assert not NYSE.is_session(day)
    assert not CFE.is_session(day)


def test_cboe_is_an_alias_of_cfe() -> None:
    assert TradingCalendar("CBOE") == CFE
    assert TradingCalendar("cboe").exchange == "CFE"
    with pytest.raises(ValueError, match="unknown exchange"):
        TradingCalendar("XLON")


def test_sessions_per_year_are_about_252() -> None:
    per_year = NYSE.sessions_per_year().loc[1990:2034]
    assert per_year.between(248, 254).all(), per_year[~per_year.between(248, 254)]
    assert per_year.median() == 252
    assert per_year[2024] == 252
    assert per_year[2012] == 250  # Hurricane Sandy took two days


def test_early_closes_and_close_times() -> None:
    assert NYSE.close_time("2024-12-24") == pd.Timestamp("2024-12-24 13:00")
    assert NYSE.close_time("2024-11-29") == pd.Timestamp(
        "2024-11-29 13:00"
    )  # day after Thanksgiving
    assert NYSE.close_time("2024-07-03") == pd.Timestamp("2024-07-03 13:00")
    assert NYSE.close_time("2024-12-23") == pd.Timestamp("2024-12-23 16:00")
    assert NYSE.close_time("1990-12-24") == pd.Timestamp("1990-12-24 14:00")
    early = NYSE.early_closes
    assert pd.Timestamp("2024-12-24") in early and pd.Timestamp("2024-12-23") not in early
    # About three a year: the day before Independence Day, after Thanksgiving, Christmas Eve.
    assert 2 <= early[early.year == 2024].size <= 3
    with pytest.raises(ValueError, match="not a XNYS session"):
        NYSE.close_time("2024-12-25")


def test_add_sessions_counts_from_any_day() -> None:
    sat = "2024-06-15"
    assert NYSE.add_sessions(sat, 1) == pd.Timestamp("2024-06-17")
    assert NYSE.add_sessions(sat, -1) == pd.Timestamp("2024-06-14")
    assert NYSE.add_sessions(sat, 0) == pd.Timestamp("2024-06-17")
    # Juneteenth (Wed 2024-06-19) is skipped.
    assert NYSE.add_sessions("2024-06-18", 1) == pd.Timestamp("2024-06-20")
    assert NYSE.add_sessions("2024-06-20", -1) == pd.Timestamp("2024-06-18")


# Far enough from both ends that 40 sessions either way stay inside the calendar.
_days = st.dates(min_value=date(1990, 3, 15), max_value=date(2035, 10, 15))


@settings(max_examples=300, deadline=None)
@given(day=_days, n=st.integers(min_value=-40, max_value=40))
def test_lookups_agree_with_the_plain_session_index(day: date, n: int) -> None:
    s = NYSE.sessions
    ts = pd.Timestamp(day)
    prev_ref = s[s <= ts][-1]
    next_ref = s[s > ts][0]
    assert NYSE.previous_session(day) == prev_ref
    assert NYSE.next_session(day) == next_ref
    assert NYSE.is_session(day) == (ts in s)
    if n > 0:
        assert NYSE.add_sessions(day, n) == s[s > ts][n - 1]
        assert NYSE.sessions_between(day, NYSE.add_sessions(day, n)) == n
    elif n < 0:
        assert NYSE.add_sessions(day, n) == s[s < ts][n]


def test_vectorised_lookups_match_scalar_ones() -> None:
    days = np.arange("2024-01-01", "2024-12-31", dtype="datetime64[D]")
    flags = NYSE.is_session_array(days)
    assert flags.tolist() == [NYSE.is_session(pd.Timestamp(d)) for d in days]
    prev = NYSE.previous_sessions(days)
    assert [pd.Timestamp(p) for p in prev] == [NYSE.previous_session(pd.Timestamp(d)) for d in days]


def test_day_inputs_of_every_kind_mean_the_same_day() -> None:
    ref = day_ns("2024-03-15")
    assert day_ns(date(2024, 3, 15)) == ref
    assert day_ns(datetime(2024, 3, 15, 16, 15)) == ref
    assert day_ns(pd.Timestamp("2024-03-15 09:45")) == ref
    assert day_ns(pd.Timestamp("2024-03-15 23:00", tz="America/New_York")) == ref
    assert day_ns(np.datetime64("2024-03-15")) == ref
    with pytest.raises(ValueError, match="not a date"):
        day_ns("2024-02-30")


def test_out_of_range_days_raise_a_typed_error() -> None:
    with pytest.raises(CalendarRangeError, match="outside") as info:
        NYSE.is_session("1985-01-02")
    assert isinstance(info.value, AlvhError)
    with pytest.raises(CalendarRangeError):
        NYSE.next_session("2040-01-01")


def test_calendar_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        NYSE.exchange = "CFE"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        NYSE.sessions_ns[0] = 0
