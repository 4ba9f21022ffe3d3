"""Macro events on the sessions calendar: 'within N sessions ahead' as the SPEC defines it."""

from __future__ import annotations

import pandas as pd
import pytest

from alvh.calendar.events import EventCalendar

# FOMC Wed 2024-06-12 (08:30 CPI the same morning), PPI Thu 2024-06-13, CPI Thu 2024-07-11,
# and an invented event on Juneteenth (a holiday) to test the roll to the next session.
EVENTS = pd.DataFrame(
    {
        "kind": ["CPI", "FOMC", "PPI", "cpi", "PPI"],
        "date": pd.to_datetime(
            ["2024-06-12", "2024-06-12", "2024-06-13", "2024-07-11", "2024-06-19"]
        ),
        "time_et": ["08:30", "14:00", "08:30", "08:30", "08:30"],
    }
)
CAL = EventCalendar.from_frame(EVENTS)


def test_events_two_sessions_ahead() -> None:
    # From Mon 2024-06-10: Tue 06-11 is 1 session ahead, Wed 06-12 is 2, Thu 06-13 is 3.
    got = CAL.upcoming("2024-06-10", 2)
    assert [(e.kind, e.day.date().isoformat(), e.sessions_ahead) for e in got] == [
        ("CPI", "2024-06-12", 2),
        ("FOMC", "2024-06-12", 2),
    ]
    assert CAL.has_event_within("2024-06-10", 2)
    assert not CAL.has_event_within("2024-06-10", 1)
    assert CAL.has_event_within("2024-06-10", 3, kinds=["ppi"])
    assert not CAL.has_event_within("2024-06-10", 2, kinds=["PPI"])


def test_weekends_do_not_count_as_sessions() -> None:
    # From Fri 2024-06-07: Mon 06-10 (1), Tue 06-11 (2), Wed 06-12 (3).
    assert CAL.sessions_until_next("2024-06-07") == 3
    assert not CAL.has_event_within("2024-06-07", 2)


def test_an_event_today_is_not_ahead_unless_asked() -> None:
    assert [e.kind for e in CAL.upcoming("2024-06-12", 1)] == ["PPI"]
    today = CAL.upcoming("2024-06-12", 0, include_today=True)
    assert [(e.kind, e.sessions_ahead) for e in today] == [("CPI", 0), ("FOMC", 0)]


def test_an_event_on_a_holiday_counts_on_the_next_session() -> None:
    # Juneteenth Wed 2024-06-19 -> traded Thu 06-20, two sessions after Mon 06-17.
    ev = CAL.next_event("2024-06-17")
    assert ev is not None and ev.kind == "PPI" and ev.sessions_ahead == 2


def test_next_event_and_kinds() -> None:
    ev = CAL.next_event("2024-06-21", kinds=["CPI"])
    assert ev is not None and ev.day == pd.Timestamp("2024-07-11")
    assert CAL.next_event("2024-07-11") is None
    assert CAL.sessions_until_next("2024-07-11") is None
    assert CAL.event_days(["FOMC"]).astype(str).tolist() == ["2024-06-12"]


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ValueError, match="lacks column"):
        EventCalendar.from_frame(pd.DataFrame({"when": []}))
