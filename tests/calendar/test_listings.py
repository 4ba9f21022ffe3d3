"""As-listed expiries: each listing change, checked on the days either side of it.

The expected first listed days are computed by hand from ``LISTING_RULES``: within an era an
expiry is listed from ``expiry - horizon_days``, but not before the era began.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import expiries_in_dte_window, expiry_schedule, spx_expiries
from alvh.calendar.listings import (
    LISTING_RULES,
    SERIES,
    NotListedError,
    first_listed_day,
    listed_on,
    product_listed_on,
)
from alvh.errors import NoDataError


@pytest.mark.parametrize(
    ("series", "expiry", "first"),
    [
        # The first SPX Weekly: listed Fri 2005-10-28 for Fri 2005-11-04.
        ("spxw_friday", date(2005, 11, 4), date(2005, 10, 28)),
        # An AM Weekly of 2006: listed the Thursday of the week before (8 days).
        ("spxw_friday", date(2006, 1, 13), date(2006, 1, 5)),
        # May 2012, five weeks: 2012-06-22 - 36 days = 05-17 falls in the one-week era, whose
        # rule (06-14) is after its end; so it is listed the day the five-week era starts.
        ("spxw_friday", date(2012, 6, 22), date(2012, 5, 31)),
        # 2012-05-25 was still listed one week ahead (05-17).
        ("spxw_friday", date(2012, 5, 25), date(2012, 5, 17)),
        # RG14-010, six weeks: 2014-03-14 - 36 = 02-06 is after the five-week era ended, so
        # it waits for 01-31; 2014-03-07 - 36 = 01-30 was still in the five-week era.
        ("spxw_friday", date(2014, 3, 14), date(2014, 1, 31)),
        ("spxw_friday", date(2014, 3, 7), date(2014, 1, 30)),
        # Wednesday Weeklys: listed from Tue 2016-02-23, first expiries 03-02 and 03-09.
        ("spxw_wednesday", date(2016, 3, 2), date(2016, 2, 23)),
        ("spxw_wednesday", date(2016, 3, 9), date(2016, 2, 23)),
        # RG16-102 (2016-05-24): four weeks, 2016-06-22 - 29 = 05-24.
        ("spxw_wednesday", date(2016, 6, 22), date(2016, 5, 24)),
        # Monday Weeklys: listed Mon 2016-08-15 for 08-22 and 08-29.
        ("spxw_monday", date(2016, 8, 22), date(2016, 8, 15)),
        ("spxw_monday", date(2016, 8, 29), date(2016, 8, 15)),
        # Tuesday and Thursday Weeklys, one week ahead.
        ("spxw_tuesday", date(2022, 4, 26), date(2022, 4, 18)),
        ("spxw_thursday", date(2022, 5, 19), date(2022, 5, 11)),
        # Quarterlys: launched July 2006 (read as 07-31), a year ahead.
        ("spxw_quarterly", date(2006, 9, 29), date(2006, 7, 31)),
        ("spxw_quarterly", date(2008, 3, 31), date(2007, 3, 31)),
        # End-of-Month from 2014-07-07, twelve months (365 days) ahead.
        ("spxw_eom", date(2014, 7, 31), date(2014, 7, 7)),
        ("spxw_eom", date(2016, 8, 31), date(2015, 9, 1)),
        # Standard monthlies, 366 days ahead.
        ("spx_monthly", date(2007, 1, 19), date(2006, 1, 18)),
    ],
)
def test_first_listed_day_and_the_days_either_side(series: str, expiry: date, first: date) -> None:
    assert first_listed_day(series, expiry) == first
    assert not listed_on(series, expiry, first - timedelta(days=1))
    assert listed_on(series, expiry, first)
    assert listed_on(series, expiry, expiry)
    assert not listed_on(series, expiry, expiry + timedelta(days=1))


def test_a_series_before_its_launch_was_never_listed() -> None:
    with pytest.raises(NotListedError, match="first listed on 2016-08-15"):
        first_listed_day("spxw_monday", date(2015, 6, 1))
    assert issubclass(NotListedError, NoDataError)
    assert not listed_on("spxw_monday", date(2015, 6, 1), date(2015, 5, 30))


def test_every_series_has_eras_in_date_order_with_growing_horizons() -> None:
    assert {e.series for e in LISTING_RULES} == set(SERIES)
    for s in SERIES:
        es = [e for e in LISTING_RULES if e.series == s]
        assert [e.from_day for e in es] == sorted(e.from_day for e in es)
        assert [e.horizon_days for e in es] == sorted(e.horizon_days for e in es)
        assert all(e.source for e in es)


def test_vxm_only_from_its_launch_on_2020_08_10() -> None:
    assert not product_listed_on("vxm", date(2020, 8, 7))  # the Friday before
    assert product_listed_on("vxm", date(2020, 8, 10))
    assert not product_listed_on("vix_option", date(2006, 2, 23))
    assert product_listed_on("vix_option", date(2006, 2, 24))
    assert product_listed_on("vx", date(2004, 3, 26))
    with pytest.raises(ValueError, match="unknown product"):
        product_listed_on("vxx", date(2020, 1, 2))


def test_schedule_carries_the_first_listed_day_of_each_expiry() -> None:
    df = spx_expiries("2005-11-01", "2026-12-31", "spxw")
    assert (df["listed_from"] <= df["expiry"]).all()
    ahead = (df["expiry"] - df["listed_from"]).dt.days
    # Before the May 2012 extension no Weekly was listed more than 8 days ahead; only the
    # Quarterlys were (a year).
    early = df["expiry"] < "2012-05-31"
    assert ahead[early & (df["kind"] == "weekly")].max() <= 8
    assert set(df.loc[early & (ahead > 8), "kind"]) == {"eom"}
    # A day served by two series is listed from the earlier: the 2006-09-29 Friday is a
    # Quarterly (listed 2006-07-31), not a one-week Weekly.
    row = df[df["expiry"] == "2006-09-29"].iloc[0]
    assert (row["kind"], row["listed_from"]) == ("eom", pd.Timestamp("2006-07-31"))


def test_the_audit_case_weeklies_more_than_8_days_out_before_2011_are_not_listed() -> None:
    # Mon 2007-06-04: the 30-45 DTE SPXW window holds the 07-06 and 07-13 Weeklys, neither
    # listed yet (each 8 days ahead); only the unlisted expiries are in the plain window.
    every = expiries_in_dte_window("2007-06-04", 30, 45, "spxw")
    assert [str(d) for d in every] == ["2007-07-06", "2007-07-13"]
    assert expiries_in_dte_window("2007-06-04", 30, 45, "spxw", listed_only=True).size == 0
    # Short window, Mon 2007-06-04: the 06-08 Weekly (4 DTE) is listed but outside 7-21; the
    # 06-15 third Friday is SPX only; the 06-22 Weekly is listed from Thu 06-14; the 06-29
    # Quarterly (25 DTE) is listed but outside the window.
    assert expiries_in_dte_window("2007-06-04", 7, 21, "spxw", listed_only=True).size == 0
    got = expiries_in_dte_window("2007-06-14", 7, 21, "spxw", listed_only=True)
    assert [str(d) for d in got] == ["2007-06-22", "2007-06-29"]
    # Standard monthlies are always listed in such windows (07-20 is 46 DTE).
    got = expiries_in_dte_window("2007-06-04", 30, 46, "spx", listed_only=True)
    assert [str(d) for d in got] == ["2007-07-20"]


def test_listed_mask_of_the_schedule() -> None:
    sched = expiry_schedule("spxw")
    mask = sched.listed_on("2016-08-15")
    days = sched.expiry_days[mask].astype("datetime64[D]")
    # Listed that Monday: the expiring-today ones through six weeks of Fridays, two Mondays,
    # four weeks of Wednesdays, and the Quarterlys/EOMs a year out.
    assert np.datetime64("2016-08-15") not in days  # no Monday series expired that day
    assert np.datetime64("2016-08-22") in days and np.datetime64("2016-08-29") in days
    assert np.datetime64("2016-09-05") not in days  # a holiday; 09-06 listed from 08-23
    assert np.datetime64("2016-09-06") not in days
    assert np.datetime64("2016-09-14") not in days  # Wednesday, 30 days out (> 29)
    assert np.datetime64("2016-09-07") in days
    assert np.datetime64("2017-06-30") in days  # a Quarterly, listed a year ahead
    assert days.min() >= np.datetime64("2016-08-15")
