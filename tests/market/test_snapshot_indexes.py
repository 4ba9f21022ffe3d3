"""The snapshot's doors to the per-data indexes (VX curve by day, ETF bar, upcoming events,
close tails) show what the snapshot's own rows show, at every time and in any order of times,
with the faults real data has had; and nothing known after ``as_of`` reaches them."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.sessions import trading_calendar
from alvh.market.curve_index import NO_CURVE, VxCurveDay, VxCurveIndex
from alvh.market.data import DataSource, MarketData
from alvh.market.etf_series import EtfSeries
from alvh.market.synthetic import generate_market

DECISION = pd.Timedelta(hours=16, minutes=15)


@pytest.fixture(scope="module")
def data() -> MarketData:
    """Half a year of synthetic data with the faults the real data has had."""
    base = generate_market("2008-01-02", "2008-06-30", seed=3)
    t = {name: frame.copy() for name, frame in base.tables.items()}
    vx = t["vx_settlements"]
    vx.loc[vx.index[10], "settle"] = np.nan  # a missing settle
    vx.loc[vx.index[25], "settle"] = -1.0  # a bad one
    weekly = vx.iloc[[40]].assign(contract="VX11", settle=99.0)  # a second row of an expiry
    t["vx_settlements"] = pd.concat([vx, weekly], ignore_index=True)
    return MarketData(t, DataSource("synthetic", "test", "faulty synthetic"))


def _times(data: MarketData) -> list[pd.Timestamp]:
    days = data.sessions()
    # Before and after the day's settlements are known, and before any data.
    return [
        pd.Timestamp("2007-12-31 16:15"),
        *(d + pd.Timedelta(h) for d in days for h in ("9h30min", "16h15min")),
    ]


def _reference_curve(data: MarketData, t: pd.Timestamp) -> VxCurveDay:
    """The curve the plain way: the snapshot's latest VX rows, bad settles dropped, an
    expiry's first row, the first two monthlies (``VX/F08``-style codes) after the curve date."""
    snap = data.snapshot(t)
    try:
        rows = snap.vx_curve()
    except Exception:  # nothing known yet
        return NO_CURVE
    curve_ns = pd.Timestamp(rows["date"].iloc[0]).normalize().value
    rows = rows[(rows["settle"] > 0) & np.isfinite(rows["settle"])]
    exp_ns = pd.DatetimeIndex(rows["expiry"]).asi8.tolist()
    px = rows["settle"].tolist()
    by_code = {c: (e, p) for c, e, p in zip(rows["contract"], exp_ns, px, strict=True)}
    by_exp: dict[int, float] = {}
    for e, p in zip(exp_ns, px, strict=True):
        by_exp.setdefault(e, p)
    monthly = rows["contract"].str.fullmatch(r"VX[FGHJKMNQUVXZ]\d\d").to_numpy()
    fronts = tuple(p for e, p, m in zip(exp_ns, px, monthly, strict=True) if m and e > curve_ns)
    return VxCurveDay(curve_ns, by_code, by_exp, fronts[:2])


@pytest.mark.parametrize("order", ["forward", "backward", "shuffled"])
def test_vx_curve_day_is_the_snapshots_curve_at_every_time(data: MarketData, order: str) -> None:
    times = _times(data)
    if order == "backward":
        times.reverse()
    elif order == "shuffled":
        random.Random(5).shuffle(times)
    for t in times:
        assert repr(data.snapshot(t).vx_curve_day()) == repr(_reference_curve(data, t)), t


def test_vx_curve_day_sees_the_faults(data: MarketData) -> None:
    vx = data.tables["vx_settlements"]
    weekly = vx[vx["contract"] == "VX11"].iloc[0]
    c = data.snapshot(weekly["known_at"]).vx_curve_day()
    assert c.by_code["VX11"][1] == 99.0 and 99.0 not in c.by_expiry.values()
    for t in vx[~(vx["settle"] > 0)]["known_at"]:
        c = data.snapshot(t).vx_curve_day()
        assert c.curve_ns is not None and all(px > 0 for px in c.by_expiry.values())
    assert data.snapshot("2007-12-31 16:15").vx_curve_day() is NO_CURVE


def _hand_curve(settles: list[float], known: list[str] | None = None) -> pd.DataFrame:
    """One day (2008-03-03) of four rows sorted by expiry: a weekly (``VX11``) shares the
    March expiry."""
    return pd.DataFrame(
        {
            "known_at": pd.to_datetime(known or ["2008-03-03 16:15"] * 4),
            "date": pd.Timestamp("2008-03-03"),
            "contract": ["VXH08", "VX11", "VXJ08", "VXK08"],
            "expiry": pd.to_datetime(["2008-03-19", "2008-03-19", "2008-04-16", "2008-05-21"]),
            "settle": settles,
        }
    )


def test_curve_drops_bad_settles_and_keeps_the_first_row_of_an_expiry() -> None:
    c = VxCurveIndex(_hand_curve([21.0, 20.5, 22.0, 23.0])).curve(4)
    assert c.fronts == (21.0, 22.0)  # monthlies only: the weekly VX11 is skipped
    assert list(c.by_expiry.values()) == [21.0, 22.0, 23.0]  # March: VXH08's row, not VX11's
    c = VxCurveIndex(_hand_curve([np.nan, 20.5, 0.0, 23.0])).curve(4)
    assert c.by_code == {
        "VX11": (pd.Timestamp("2008-03-19").value, 20.5),
        "VXK08": (pd.Timestamp("2008-05-21").value, 23.0),
    }
    assert c.fronts == (23.0,) and c.curve_ns == pd.Timestamp("2008-03-03").value


def test_a_day_known_in_part_shows_its_known_rows_only() -> None:
    # The last two rows of the day become known an hour later (never so in real data).
    idx = VxCurveIndex(
        _hand_curve([21.0, 20.5, 22.0, 23.0], ["2008-03-03 16:15"] * 2 + ["2008-03-03 17:15"] * 2)
    )
    assert idx.curve(2).by_code.keys() == {"VXH08", "VX11"} and idx.curve(2).fronts == (21.0,)
    assert idx.curve(4).fronts == (21.0, 22.0) and idx.curve(0) is NO_CURVE


def test_etf_bar_is_the_series_at_the_known_curve_date() -> None:
    data = generate_market("2008-01-02", "2008-12-31", seed=4)
    series, note = EtfSeries.from_tables(data.tables["vx_settlements"], data.tables["rates"])
    assert series is not None and note == data.etf_note and "total return on IRX" in note
    days = data.sessions()
    for day in days[::9]:
        for t in (day + pd.Timedelta(hours=9), day + DECISION):  # before and after the settle
            snap = data.snapshot(t)
            curve_ns = snap.vx_curve_day().curve_ns
            bar = snap.etf_bar()
            if curve_ns is None:
                assert bar is None
                continue
            i = series.dates_ns.index(curve_ns)
            assert bar == (series.price[i], series.w[i], series.exp1_ns[i], series.exp2_ns[i])
    # The ETF recursion runs forward: settlements known later change no bar known before.
    cut = days[120] + DECISION
    vx = data.tables["vx_settlements"].copy()
    late = vx["known_at"] > cut
    vx.loc[late, "settle"] *= np.random.default_rng(2).uniform(0.5, 1.5, late.sum())
    poisoned = MarketData({**data.tables, "vx_settlements": vx}, data.source)
    for day in days[:121]:
        assert (
            poisoned.snapshot(day + DECISION).etf_bar() == data.snapshot(day + DECISION).etf_bar()
        )
    assert (
        poisoned.snapshot(days[-1] + DECISION).etf_bar()
        != data.snapshot(days[-1] + DECISION).etf_bar()
    )


def _events(base: MarketData) -> MarketData:
    """The data with two hand events: an unscheduled FOMC on 2008-03-18 made public at 08:00
    that day, and a CPI on 2008-03-14 whose row became known only after its date."""
    extra = pd.DataFrame(
        {
            "kind": ["FOMC", "CPI"],
            "date": pd.to_datetime(["2008-03-18", "2008-03-14"]),
            "time_et": ["08:00", "08:30"],
            "scheduled": [False, False],
            "known_at": pd.to_datetime(["2008-03-18 08:00", "2008-03-20 09:00"]),
        }
    )
    events = pd.concat([base.tables["events"], extra], ignore_index=True)
    return MarketData({**base.tables, "events": events}, base.source)


def test_upcoming_sessions_and_events_are_the_known_events_of_the_next_sessions() -> None:
    data = _events(generate_market("2008-01-02", "2008-06-30", seed=3))
    cal = trading_calendar("XNYS")
    seen_late = 0
    for day in data.sessions()[:80]:
        for t in (day + pd.Timedelta(hours=9), day + DECISION):
            snap = data.snapshot(t)
            sessions, events = snap.upcoming_sessions_and_events(3)
            assert sessions == tuple(cal.add_sessions(day, k).date() for k in (1, 2, 3))
            known = snap.known("events")
            window = known[(known["date"] > day) & (known["date"] <= pd.Timestamp(sessions[-1]))]
            window = window.sort_values(["date", "kind"], kind="mergesort")
            assert events == tuple(
                (d.date(), k) for d, k in zip(window["date"], window["kind"], strict=True)
            ), t
            seen_late += (date(2008, 3, 18), "FOMC") in events
    # The unscheduled FOMC shows from its own 08:00 only: never in the window before it.
    assert seen_late == 0
    cpi = (date(2008, 3, 14), "CPI")
    assert cpi not in data.snapshot("2008-03-13 16:15").upcoming_sessions_and_events(3)[1]


def test_close_tail_builders_see_the_known_closes_only() -> None:
    data = generate_market("2008-01-02", "2008-12-31", seed=6)
    calls: list[tuple[int, int]] = []

    def build(known: np.ndarray, k_from: int) -> list[tuple[int, float]]:
        calls.append((len(known), k_from))
        # Row k: (k, mean of the last 5 of the first k closes), the plain way.
        return [
            (k, float(np.mean(known[max(0, k - 5) : k])) if k else 0.0)
            for k in range(k_from, len(known) + 1)
        ]

    days = data.sessions()
    order = [*days[50:120], *days[10:20], *days[200:203]]  # forward, back, jump
    for day in order:
        snap = data.snapshot(day + DECISION)
        k = snap.known_count("VIX")
        before = len(calls)
        row = snap.close_tail("VIX", "mean5", build)
        assert row == (k, float(np.mean(snap.closes("VIX", 5)))), day
        assert all(n == k for n, _ in calls[before:])  # never a close beyond this snapshot's
    # Forward sessions extend the rows one count at a time; an earlier count starts again.
    assert calls[1] == (calls[0][0] + 1, calls[0][0] + 1)
    assert sum(1 for n, k_from in calls if n == k_from) >= 2


def test_the_snapshot_module_does_not_import_the_data_module() -> None:
    """One direction only: data makes snapshots; a snapshot names MarketData as a type only."""
    code = "import sys, alvh.market.snapshot; assert 'alvh.market.data' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
