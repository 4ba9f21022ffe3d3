"""The VIX short-term futures index rule on synthetic curves with answers known in closed form."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import parse_vx_contract, vx_contract_code, vx_expiry
from alvh.calendar.sessions import trading_calendar
from alvh.errors import DataFormatError, NoDataError
from alvh.market import vixetf
from alvh.market.vixetf import compute_vix_st_index, etf_prices, roll_weights

CAL = trading_calendar("CBOE")
SESSIONS = CAL.sessions_in_range("2019-01-02", "2019-12-31")


def panel(price_of_dte, sessions: pd.DatetimeIndex = SESSIONS, n_listed: int = 4) -> pd.DataFrame:
    """Monthly contracts listed each session, settle = price_of_dte(calendar days to expiry)."""
    months = [(y, m) for y in range(2018, 2022) for m in range(1, 13)]
    listing = [(vx_contract_code(y, m), pd.Timestamp(vx_expiry(y, m))) for y, m in months]
    rows = []
    for day in sessions:
        live = [(c, e) for c, e in listing if e > day][:n_listed]
        for code, exp in live:
            rows.append((day, code, exp, price_of_dte((exp - day).days)))
    return pd.DataFrame(rows, columns=["date", "contract", "expiry", "settle"])


def test_constant_flat_curve_gives_a_flat_index() -> None:
    out = compute_vix_st_index(panel(lambda dte: 15.0))
    np.testing.assert_allclose(out["er_index"], 100.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["tr_index"], 100.0, rtol=0, atol=1e-12)


def test_steady_contango_decays_at_the_roll_rate() -> None:
    # Price = 15 * exp(g * dte): every held contract loses exactly exp(-g) per calendar day
    # whatever the weights, so the index after N calendar days is 100 * exp(-g N).
    g = 0.004  # 0.4% per calendar day: about -77% a year, a calm year like 2017
    out = compute_vix_st_index(panel(lambda dte: 15.0 * math.exp(g * dte)))
    days = (out["date"] - out["date"].iloc[0]).dt.days.to_numpy()
    np.testing.assert_allclose(out["er_index"], 100.0 * np.exp(-g * days), rtol=1e-12)
    assert out["er_index"].iloc[-1] == pytest.approx(100.0 * math.exp(-g * 363))


def test_weights_fall_from_one_to_zero_across_each_roll_period() -> None:
    out = compute_vix_st_index(panel(lambda dte: 15.0 + 0.05 * dte)).set_index("date")
    w = out["weight_front"]
    assert ((w > 0) & (w <= 1)).all()
    # Good Friday 2019-04-19 moves the March settlement to Tuesday 2019-03-19, so the April
    # roll period opens on Monday 2019-03-18: all in VXJ19; dt = sessions in
    # [2019-03-19, 2019-04-17) = 21, and the weight falls by 1/21 each session down to 1/21
    # on Monday 2019-04-15.
    assert w["2019-03-18"] == 1.0
    assert out.loc["2019-03-18", "front_expiry"] == pd.Timestamp("2019-04-17")
    period = w["2019-03-18":"2019-04-15"]
    np.testing.assert_allclose(period.to_numpy(), np.arange(21, 0, -1) / 21)
    assert out.loc["2019-04-16", "front_expiry"] == pd.Timestamp("2019-05-22")
    assert w["2019-04-16"] == 1.0
    # last day of the March period: 1/dt with dt = sessions in [2019-02-13, 2019-03-19) = 23
    # (Presidents' Day 2019-02-18 is not a session)
    assert out.loc["2019-03-15", "weight_front"] == pytest.approx(1 / 23)
    assert out.loc["2019-03-15", "front_expiry"] == pd.Timestamp("2019-03-19")


def test_total_return_adds_tbill_interest() -> None:
    flat = panel(lambda dte: 15.0)
    tbill = pd.Series(5.0, index=SESSIONS)
    out = compute_vix_st_index(flat, SESSIONS, tbill)
    days = np.diff(out["date"].to_numpy("datetime64[D]").astype(np.int64))
    daily = (1.0 / (1.0 - 91 / 360 * 0.05)) ** (days / 91) - 1.0
    assert out["tr_index"].iloc[-1] == pytest.approx(100.0 * np.prod(1.0 + daily), rel=1e-12)
    assert out["tr_index"].iloc[-1] == pytest.approx(105.2, abs=0.05)  # 5% discount = ~5.2% yield
    np.testing.assert_allclose(out["er_index"], 100.0)


def test_index_is_point_in_time() -> None:
    rng = np.random.default_rng(3)
    noisy = panel(lambda dte: 15.0 + 0.05 * dte)
    noisy["settle"] *= np.exp(rng.normal(0, 0.03, len(noisy)))
    full = compute_vix_st_index(noisy)
    cut = pd.Timestamp("2019-06-14")
    truncated = compute_vix_st_index(noisy[noisy["date"] <= cut])
    head = full[full["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, truncated)
    poisoned = noisy.copy()
    poisoned.loc[poisoned["date"] > cut, "settle"] = 999.0
    again = compute_vix_st_index(poisoned)
    pd.testing.assert_frame_equal(again[again["date"] <= cut], full[full["date"] <= cut])


def test_missing_settle_of_a_held_contract_is_carried_and_counted() -> None:
    p = panel(lambda dte: 15.0 + 0.05 * dte)
    # drop VX2 (VXJ19) on 2019-03-05: its settle is carried from 03-04 and the day is counted
    drop = (p["date"] == "2019-03-05") & (p["contract"] == "VXJ19")
    out = compute_vix_st_index(p[~drop]).set_index("date")
    assert out.loc["2019-03-05", "stale"] == 1
    assert out["stale"].sum() == 1


def test_session_without_settlements_is_a_typed_error() -> None:
    p = panel(lambda dte: 15.0)
    with pytest.raises(NoDataError, match="no VX settlements on 2020-01-02"):
        compute_vix_st_index(p, CAL.sessions_in_range("2019-12-02", "2020-01-03"))
    with pytest.raises(DataFormatError, match="settle"):
        compute_vix_st_index(p.drop(columns="settle"))


def test_etf_price_net_of_fee() -> None:
    out = compute_vix_st_index(panel(lambda dte: 15.0))
    etf = etf_prices(out, fee_pct_per_year=0.89, start="2019-01-02")
    days = np.diff(out["date"].to_numpy("datetime64[D]").astype(np.int64))
    assert etf.iloc[0] == 100.0
    assert etf.iloc[-1] == pytest.approx(100.0 * np.prod(1 - 0.0089 * days / 365), rel=1e-12)
    assert etf.iloc[-1] == pytest.approx(99.12, abs=0.01)  # 0.89% over 363 days
    later = etf_prices(out, 0.0, start="2019-07-01")
    assert later.index[0] == pd.Timestamp("2019-07-01") and (later == 100.0).all()


# --- the compiled daily loop against the rule as first written --------------------------------


def reference_index(
    vx: pd.DataFrame,
    sessions: pd.DatetimeIndex | None = None,
    tbill_pct: pd.Series | None = None,
) -> pd.DataFrame:
    """The index the straightforward way: a wide pivot carried forward, roll_weights day by day."""

    def monthly(code: object) -> bool:
        try:
            parse_vx_contract(str(code))
        except ValueError:
            return False
        return True

    vx = vx[["date", "contract", "expiry", "settle"]].copy()
    is_monthly = vx["contract"].map(monthly).to_numpy(bool)
    vx = vx[is_monthly] if is_monthly.any() else vx
    vx["date"] = pd.to_datetime(vx["date"]).dt.normalize()
    vx["expiry"] = pd.to_datetime(vx["expiry"]).dt.normalize()
    vx = vx[vx["expiry"] > vx["date"]]
    wide = vx.pivot_table(index="date", columns="expiry", values="settle", aggfunc="last")
    days = pd.DatetimeIndex(wide.index if sessions is None else sessions).normalize()
    present = wide.notna().reindex(days)
    px = wide.ffill().reindex(days)
    first_seen = vx.groupby("expiry")["date"].min()
    tb = None if tbill_pct is None else tbill_pct.dropna().sort_index()
    rows: list[tuple[pd.Timestamp, pd.Timestamp, float, float, float, int]] = []
    for k, day in enumerate(days):
        known = pd.DatetimeIndex(first_seen[first_seen <= day].index).sort_values()
        front, second, w = roll_weights(day, known, CAL)
        er = tb_ret = 0.0
        stale = 0
        if k:
            prev_day, (f_prev, s_prev, w_prev) = days[k - 1], rows[k - 1][:3]
            now = then = 0.0
            for exp, wt in ((f_prev, w_prev), (s_prev, 1.0 - w_prev)):
                if wt == 0.0:
                    continue
                p_now, p_then = px.at[day, exp], px.at[prev_day, exp]
                if not (math.isfinite(p_now) and math.isfinite(p_then)):
                    raise NoDataError(
                        f"VIX short-term index {day.date()}: no settle for expiry {exp.date()}"
                    )
                stale += int(not present.at[day, exp])
                now += wt * p_now
                then += wt * p_then
            er = now / then - 1.0
            if tb is not None:
                rates = tb[tb.index <= prev_day]
                if rates.empty:
                    raise NoDataError(f"no T-bill rate known on or before {prev_day.date()}")
                tbar = float(rates.iloc[-1]) / 100.0
                n_days = (day - prev_day).days
                tb_ret = (1.0 / (1.0 - 91.0 / 360.0 * tbar)) ** (n_days / 91.0) - 1.0
        rows.append((front, second, w, er, tb_ret, stale))
    front_e, second_e, w_front, er_ret, tb_ret_a, stale_a = (
        np.array(c) for c in zip(*rows, strict=True)
    )
    er_ret, tb_ret_a = er_ret.astype(np.float64), tb_ret_a.astype(np.float64)
    return pd.DataFrame(
        {
            "date": days,
            "front_expiry": pd.DatetimeIndex(front_e).to_numpy("datetime64[ns]"),
            "second_expiry": pd.DatetimeIndex(second_e).to_numpy("datetime64[ns]"),
            "weight_front": w_front.astype(np.float64),
            "er_return": er_ret,
            "er_index": 100.0 * np.cumprod(1.0 + er_ret),
            "tbill_return": tb_ret_a,
            "tr_index": 100.0 * np.cumprod(1.0 + er_ret + tb_ret_a),
            "stale": stale_a.astype(np.int64),
        }
    )


def awkward_panel(start: str) -> pd.DataFrame:
    """A noisy 2019 panel from ``start`` with the cases the daily loop must get right.

    - The table starts inside a roll period: the prior settlement comes from the CFE rule.
    - Listing gaps: VXN19 (July) never listed, VXM19 (June) listed only from 2019-05-28, so
      from 2019-05-22 the front is August until June appears (a panel starting on 05-23 also
      caps the first weights at 1: the CFE prior month, July, is after the next session).
    - A held contract's row missing (VXQ19 on 2019-08-06) and a NaN settle (VXU19 on
      2019-08-07): carried forward and counted as stale.
    - Duplicate rows of one (day, expiry): the last non-NaN settle counts.
    - A weekly contract row, which the monthly index ignores.
    """
    rng = np.random.default_rng(11)
    p = panel(lambda dte: 15.0 + 0.05 * dte, CAL.sessions_in_range(start, "2019-12-31"), 6)
    p["settle"] *= np.exp(rng.normal(0, 0.03, len(p)))
    p = p[p["contract"] != "VXN19"]
    p = p[(p["contract"] != "VXM19") | (p["date"] >= "2019-05-28")]
    p = p[~((p["contract"] == "VXQ19") & (p["date"] == "2019-08-06"))]
    p.loc[(p["contract"] == "VXU19") & (p["date"] == "2019-08-07"), "settle"] = np.nan
    held = p[(p["contract"] == "VXV19") & (p["date"] == "2019-09-10")]
    dup = pd.concat([held.assign(settle=held["settle"] + 1.0), held.assign(settle=np.nan)])
    weekly = held.assign(contract="VX37V19", expiry=pd.Timestamp("2019-09-11"), settle=1e6)
    return pd.concat([p, dup, weekly], ignore_index=True)


@pytest.fixture(params=["compiled", "python"])
def loop_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the daily loop compiled (when numba is installed) or as the plain Python it is."""
    if request.param == "python":
        from alvh.kernel import vix_roll

        loop, settle = vix_roll.daily_loop, vix_roll.settle_at
        monkeypatch.setattr(vixetf, "_daily_loop", getattr(loop, "py_func", loop))
        monkeypatch.setattr(vix_roll, "settle_at", getattr(settle, "py_func", settle))
    return str(request.param)


@pytest.mark.parametrize("start", ["2019-03-20", "2019-05-23"])
def test_daily_loop_equals_the_reference(start: str, loop_path: str) -> None:
    p = awkward_panel(start)
    days = pd.DatetimeIndex(sorted(p["date"].unique()))
    tbill = pd.Series(np.linspace(1.5, 2.5, len(SESSIONS)), index=SESSIONS)
    tbill.iloc[100:110] = np.nan  # a gap: the last known rate is used
    cases: list[tuple[pd.DatetimeIndex | None, pd.Series | None]] = [
        (None, None),
        (None, tbill),
        (days[2:-3], tbill),
        (days[::3], None),
    ]
    for sessions, tb in cases:
        got = compute_vix_st_index(p, sessions, tb)
        # The same operations in the same order: equal to rounding (1e-12 relative).
        ref = reference_index(p, sessions, tb)
        pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-12, atol=1e-14)
    out = compute_vix_st_index(p).set_index("date")
    assert out.loc["2019-08-06", "stale"] == 1 and out.loc["2019-08-07", "stale"] == 1
    if start == "2019-05-23":
        assert out.loc["2019-05-23", "front_expiry"] == pd.Timestamp("2019-08-21")
        assert out.loc["2019-05-23", "weight_front"] == 1.0  # capped
        assert out.loc["2019-05-28", "front_expiry"] == pd.Timestamp("2019-06-19")
    # dates given as text with a time of day: the same index
    text = p.assign(date=p["date"].dt.strftime("%Y-%m-%d 16:15"))
    pd.testing.assert_frame_equal(compute_vix_st_index(text), out.reset_index(), check_exact=True)


def error_of(func: Callable[..., object], *args: object) -> str:
    """Return the type and message of the error ``func(*args)`` raises."""
    with pytest.raises((NoDataError, KeyError)) as info:
        func(*args)
    return f"{info.type.__name__}: {info.value}"


def test_daily_loop_raises_the_reference_errors(loop_path: str) -> None:
    p = awkward_panel("2019-03-20")
    late_tbill = pd.Series(2.0, index=CAL.sessions_in_range("2019-06-03", "2019-12-31"))
    unsettled = p.copy()
    unsettled.loc[(p["contract"] == "VXK19") & (p["date"] < "2019-04-10"), "settle"] = np.nan
    two_listed = panel(lambda dte: 15.0, n_listed=2)
    for args in [(p, None, late_tbill), (unsettled, None, None), (two_listed, None, None)]:
        expected = error_of(reference_index, *args)
        assert error_of(compute_vix_st_index, *args) == expected
    assert "on or before 2019-03-20" in error_of(compute_vix_st_index, p, None, late_tbill)
    assert "no settle for expiry 2019-05-22" in error_of(compute_vix_st_index, unsettled)
    assert "found 1" in error_of(compute_vix_st_index, two_listed)


def test_contract_never_settled_is_a_typed_error(loop_path: str) -> None:
    p = panel(lambda dte: 15.0)
    p.loc[p["contract"] == "VXK19", "settle"] = np.nan  # listed all year, never a settle
    with pytest.raises(NoDataError, match="2019-03-20: no settle for expiry 2019-05-22"):
        compute_vix_st_index(p)
