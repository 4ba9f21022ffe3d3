"""Real-data checks of the VX expiry rule and of the CFE sessions (../shared/data, read in place)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alvh.calendar.events import EventCalendar
from alvh.calendar.expiries import parse_vx_contract, vx_expiries, vx_expiry
from alvh.calendar.sessions import trading_calendar

pytestmark = pytest.mark.realdata


def test_vx_rule_reproduces_the_284_monthly_expiries(shared_data: Path) -> None:
    cal = pd.read_csv(shared_data / "vx_monthly_expiry_calendar_2004_2027.csv")
    assert len(cal) == 284
    got = [vx_expiry(*parse_vx_contract(c)).isoformat() for c in cal["contract"]]
    mismatches = [
        (c, g, e) for c, g, e in zip(cal["contract"], got, cal["expiry"], strict=True) if g != e
    ]
    assert mismatches == []
    # vx_expiries lists the same contracts in order.
    listed = vx_expiries("2004-05-01", "2027-12-31")
    assert listed["contract"].tolist() == cal["contract"].tolist()
    assert listed["contract_month"].tolist() == cal["contract_month"].tolist()


def test_every_settled_contract_expires_on_the_rule_date(shared_data: Path) -> None:
    panel = pd.read_csv(
        shared_data / "vx_settle_panel_2004_2026.csv.gz", usecols=["contract", "expiry"]
    ).drop_duplicates()
    assert panel["contract"].is_unique  # one expiry per contract in the file
    wrong = [
        (c, e)
        for c, e in zip(panel["contract"], panel["expiry"], strict=True)
        if vx_expiry(*parse_vx_contract(c)).isoformat() != e
    ]
    assert wrong == []
    assert len(panel) > 250


def test_cfe_sessions_are_exactly_the_days_vx_settled(shared_data: Path) -> None:
    dates = pd.DatetimeIndex(
        pd.read_csv(shared_data / "vx_settle_panel_2004_2026.csv.gz", usecols=["trade_date"])[
            "trade_date"
        ].unique()
    ).sort_values()
    cfe = trading_calendar("CFE").sessions_in_range(dates[0], dates[-1])
    nyse = trading_calendar("XNYS").sessions_in_range(dates[0], dates[-1])
    assert dates.equals(cfe)
    assert list(dates.difference(nyse)) == [pd.Timestamp("2025-01-09")]


def test_fomc_decisions_two_sessions_ahead(shared_data: Path) -> None:
    fomc = pd.read_csv(shared_data / "fomc_decision_dates_1936_2026.csv")
    events = pd.DataFrame({"kind": "FOMC", "date": pd.to_datetime(fomc["decision_date"])})
    cal = EventCalendar.from_frame(events[events["date"] >= "2000-01-01"])
    # The 2024-09-18 decision (a Wednesday) is two sessions after Monday 09-16.
    ev = cal.next_event("2024-09-16")
    assert ev is not None and ev.day == pd.Timestamp("2024-09-18") and ev.sessions_ahead == 2
    # About 8 scheduled decisions a year, so most sessions have none within 2 sessions ahead.
    days = trading_calendar().sessions_in_range("2015-01-01", "2019-12-31")
    share = sum(cal.has_event_within(d, 2) for d in days) / len(days)
    assert 0.03 < share < 0.15
