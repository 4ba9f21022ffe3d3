"""Index replicas on hand-computed fixture months: strike, premium, settlement and level."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from alvh.errors import NoDataError
from alvh.fidelity import INDEXES, replicate
from alvh.fidelity.replicas import next_monthly_expiry, next_quarterly_expiry, roll_days
from alvh.market.data import DataSource, MarketData
from alvh.market.schema import EVENTS, VX_SETTLEMENTS
from alvh.market.surface import DEFAULT_SURFACE_PARAMS

# Flat world: no rates, no dividends, no SKEW term, one VIX node. Then the forward equals spot,
# an at-the-money strike has k = 0 and its vol is the ATM vol ratio * VIX, flat in T below
# the 30-day node: the premium is Black's ATM formula S (2 N(vol sqrt(T) / 2) - 1).
PARAMS = replace(DEFAULT_SURFACE_PARAMS, div_yield=0.0, skew_beta=0.0)
VIX = 20.0
ROLL_1, ROLL_2 = pd.Timestamp("2021-01-15"), pd.Timestamp("2021-02-19")  # third Fridays


def flat_market(settle_open: float, settle_close: float, spx: float = 1000.0) -> MarketData:
    """SPX at ``spx`` every close from ROLL_1 to the day before ROLL_2, VIX 20, IRX 0."""
    days = pd.bdate_range(ROLL_1, ROLL_2)
    rows = []
    for d in days:
        op, cl = (settle_open, settle_close) if d == ROLL_2 else (spx, spx)
        rows.append(("SPX", d, op, cl, d + pd.Timedelta(hours=16)))
        rows.append(("VIX", d, np.nan, VIX, d + pd.Timedelta(hours=16, minutes=15)))
    bars = pd.DataFrame(rows, columns=["symbol", "date", "open", "close", "known_at"])
    rates = pd.DataFrame(
        [("IRX", d, 0.0, d + pd.Timedelta(hours=16)) for d in days],
        columns=["series", "date", "value_pct", "known_at"],
    )
    tables = {
        "index_bars": bars,
        "rates": rates,
        "vx_settlements": VX_SETTLEMENTS.empty(),
        "events": EVENTS.empty(),
    }
    return MarketData(tables, DataSource("store", "test", "flat fixture month"))


def first_roll(rolls: pd.DataFrame) -> pd.DataFrame:
    """The legs traded on ROLL_1 (ROLL_2, the last fixture day, opens the next month's)."""
    return rolls[rolls["date"] == ROLL_1]


def atm_premium() -> float:
    """Black ATM price with F = K = 1000, vol = ratio * VIX (above VIX - 3), T to the SOQ."""
    vol = max(PARAMS.vix_atm_ratio * VIX, VIX - PARAMS.max_atm_gap_pts) / 100.0
    t = (35 * 24 - 16 + 9.5) / 24 / 365  # Jan 15 16:00 -> Feb 19 09:30 = 34.729 days
    return 1000.0 * (2.0 * 0.5 * (1 + math.erf(vol * math.sqrt(t) / 2 / math.sqrt(2))) - 1.0)


def test_put_month_by_hand() -> None:
    # Strike: the strike just below SPX 1000 -> 1000. Premium: ATM put P. The put settles at
    # the SOQ (the open 950): 1000 - 950 = 50. Fully collateralised with zero rates: the cash
    # per put is K, the level moves from K - P to K - 50.
    res = replicate("PUT", flat_market(950.0, 960.0), PARAMS)
    p = atm_premium()
    first = res.rolls.iloc[0]
    assert first["strike"] == 1000.0 and not first["is_call"] and first["qty"] == -1.0
    assert first["premium"] == pytest.approx(p, rel=1e-9)
    assert first["settlement"] == pytest.approx(50.0)
    assert res.level.iloc[0] == 100.0
    assert res.level[ROLL_2] == pytest.approx(100.0 * (1000.0 - 50.0) / (1000.0 - p), rel=1e-12)
    # Between rolls, SPX is flat: the level rises as the put decays, never above 100K/(K-P).
    inside = res.level[(res.level.index > ROLL_1) & (res.level.index < ROLL_2)]
    assert np.all(np.diff(inside.to_numpy()) >= -1e-12)
    assert inside.max() < 100.0 * 1000.0 / (1000.0 - p)


def test_bxm_month_by_hand() -> None:
    # Strike: the strike at or above 1000 -> 1000 (the call is ATM, worth P by parity). It
    # settles at the SOQ 1050 (50 in the money); the stock closes at 1060 that day:
    # level = 100 (1060 - 50) / (1000 - P).
    res = replicate("BXM", flat_market(1050.0, 1060.0), PARAMS)
    p = atm_premium()
    first = res.rolls.iloc[0]
    assert first["strike"] == 1000.0 and first["is_call"]
    assert first["premium"] == pytest.approx(p, rel=1e-9)
    assert first["settlement"] == pytest.approx(50.0)
    assert res.level[ROLL_2] == pytest.approx(100.0 * 1010.0 / (1000.0 - p), rel=1e-12)


def test_pput_and_cll_strikes_and_payoffs() -> None:
    # SPX 1003: PPUT buys the strike at or below 95% (952.85) -> 950; CLL's call is at or
    # above 110% (1103.3) -> 1105, its put 950 to the March expiry. SOQ 900 on Feb 19: the
    # PPUT put pays 50, CLL's call expires worthless and its put (still held) is marked.
    m = flat_market(900.0, 905.0, spx=1003.0)
    pput = replicate("PPUT", m, PARAMS)
    leg = first_roll(pput.rolls).iloc[0]
    assert (leg["strike"], leg["qty"], leg["settlement"]) == (950.0, 1.0, pytest.approx(50.0))
    # Level = (stock close + put payoff) / (stock + premium) at the roll.
    expect = 100.0 * (905.0 + 50.0) / (1003.0 + leg["premium"])
    assert pput.level[ROLL_2] == pytest.approx(expect, rel=1e-12)
    cll = replicate("CLL", m, PARAMS)
    legs = first_roll(cll.rolls).set_index("leg")
    assert legs.loc["short_call", "strike"] == 1105.0
    assert legs.loc["long_put", "strike"] == 950.0
    assert legs.loc["long_put", "expiry"] == pd.Timestamp("2021-03-19")
    assert legs.loc["short_call", "settlement"] == 0.0
    assert math.isnan(legs.loc["long_put", "settlement"])  # still held when the data ends


def test_short_structures_are_collateralised_and_bounded() -> None:
    # CNDR and BFLY hold T-bills worth ten times the spread's maximum loss: over one month
    # the level can fall at most 10% (plus nothing from zero rates) and rises by the credit.
    for name in ("CNDR", "BFLY"):
        for settle in (1000.0, 700.0, 1400.0):
            res = replicate(name, flat_market(settle, settle), PARAMS)
            end = res.level[ROLL_2]
            assert end >= 90.0 - 1e-9, (name, settle, end)
            legs = first_roll(res.rolls)
            credit = -(legs["qty"] * legs["premium"]).sum()
            assert credit > 0.0
            assert np.isfinite(res.level.to_numpy()).all()
    cndr = first_roll(replicate("CNDR", flat_market(1000.0, 1000.0), PARAMS).rolls)
    strikes = cndr.set_index("leg")["strike"]
    assert strikes["long_put"] < strikes["short_put"] < 1000.0 < strikes["short_call"]
    assert strikes["short_call"] < strikes["long_call"]


def test_roll_calendar_on_known_dates() -> None:
    days = pd.bdate_range("2022-01-03", "2022-06-30")
    rows, expiries = roll_days(days)
    # Third Fridays; April 2022's (the 15th) was Good Friday, so the 14th.
    assert expiries == [
        date(2022, 1, 21),
        date(2022, 2, 18),
        date(2022, 3, 18),
        date(2022, 4, 14),
        date(2022, 5, 20),
        date(2022, 6, 17),
    ]
    assert [days[i].date() for i in rows] == expiries
    assert next_monthly_expiry(date(2022, 12, 16)) == date(2023, 1, 20)
    assert next_quarterly_expiry(date(2022, 1, 21)) == date(2022, 3, 18)
    assert next_quarterly_expiry(date(2022, 3, 18)) == date(2022, 6, 17)
    assert next_quarterly_expiry(date(2022, 12, 16)) == date(2023, 3, 17)


def test_unknown_index_is_a_typed_error() -> None:
    with pytest.raises(NoDataError, match="expected one of PUT"):
        replicate("VXTH", flat_market(1000.0, 1000.0))
    assert INDEXES == ("PUT", "PPUT", "BXM", "CLL", "CNDR", "BFLY")
