from __future__ import annotations

from datetime import date

import pytest

from alvh.calendar.expiries import vx_expiry


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        # Good Friday 2008-03-21: count back from Thursday 03-20 -> Tuesday 02-19.
        (2008, 2, date(2008, 2, 19)),
        # 2014-04-18 Good Friday -> 30 days before Thursday 04-17 is Tuesday 03-18.
        (2014, 3, date(2014, 3, 18)),
        # 2022-04-15 Good Friday -> Tuesday 2022-03-15.
        (2022, 3, date(2022, 3, 15)),
        # Wednesday 2024-06-19 is Juneteenth -> Tuesday 06-18.
        (2024, 6, date(2024, 6, 18)),
        # 2025-04-18 Good Friday -> Tuesday 2025-03-18.
        (2025, 3, date(2025, 3, 18)),
        # An ordinary month: third Friday of Feb 2020 is 02-21; minus 30 days = Wed 01-22.
        (2020, 1, date(2020, 1, 22)),
    ],
)
def test_vx_expiry_holiday_cases(year: int, month: int, expected: date) -> None:
    assert vx_expiry(year, month) == expected
