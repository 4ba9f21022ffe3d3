"""The embedded synthetic market: determinism, schema, point-in-time stamps, VX mechanics."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from alvh.calendar.expiries import spx_monthly_expiry, vx_contract_code, vx_expiry
from alvh.calendar.sessions import trading_calendar
from alvh.errors import ConfigError
from alvh.market.schema import TABLES
from alvh.market.synthetic import generate_market
from alvh.market.synthetic_params import SyntheticParams
from alvh.market.synthetic_paths import (
    simulate_factors,
    variance_weights,
    vol_index,
    vx_future,
)

START, END = "2017-01-01", "2020-12-31"


@pytest.fixture(scope="module")
def md():
    return generate_market(START, END, seed=11)


@pytest.fixture(scope="module")
def closes(md) -> pd.DataFrame:
    bars = md.tables["index_bars"]
    return bars.pivot(index="date", columns="symbol", values="close")


def _bars(md, symbol: str) -> pd.DataFrame:
    b = md.tables["index_bars"]
    return b[b["symbol"] == symbol].set_index("date")


def test_same_seed_gives_identical_tables_and_id(md):
    again = generate_market(START, END, seed=11)
    assert again.source == md.source
    for name, frame in md.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name], check_exact=True)
        # byte identity, not only numeric equality
        assert pd.util.hash_pandas_object(frame).to_numpy().tobytes() == (
            pd.util.hash_pandas_object(again.tables[name]).to_numpy().tobytes()
        )


def test_other_seed_or_range_gives_other_data(md):
    other = generate_market(START, END, seed=12)
    assert other.source.data_id != md.source.data_id
    a, b = _bars(md, "SPX")["close"], _bars(other, "SPX")["close"]
    assert (a.to_numpy() != b.to_numpy()).mean() > 0.99
    assert generate_market(START, "2020-12-30", seed=11).source.data_id != md.source.data_id
    tweaked = generate_market(START, END, seed=11, params=SyntheticParams(var_premium=1.31))
    assert tweaked.source.data_id != md.source.data_id


def test_source_says_synthetic_with_seed_and_range(md):
    assert md.source.kind == "synthetic"
    assert md.source.description == f"synthetic market, seed 11, {START}..{END}"


def test_sessions_are_nyse_sessions(md):
    expected = trading_calendar().sessions_in_range(START, END)
    for sym in ("SPX", "VIX", "VIX9D", "VIX3M", "VIX6M", "VVIX", "SKEW"):
        assert _bars(md, sym).index.equals(expected), sym


def test_tables_conform_to_schema_without_nans_where_forbidden(md):
    for name, frame in md.tables.items():
        spec = TABLES[name]
        assert list(frame.columns) == spec.column_names
        pd.testing.assert_frame_equal(spec.conform(frame), frame)
        for col in spec.columns:
            assert str(frame[col.name].dtype) == col.dtype, (name, col.name)
            if not col.nullable:
                assert not frame[col.name].isna().any(), (name, col.name)
    assert not md.tables["final_settlements"].empty


def test_ohlc_present_and_ordered_for_spx_and_vix_family(md):
    for sym in ("SPX", "VIX", "VIX9D", "VIX3M", "VIX6M"):
        b = _bars(md, sym)
        assert not b[["open", "high", "low", "close"]].isna().any().any(), sym
        assert (b["low"] <= b[["open", "close"]].min(axis=1)).all(), sym
        assert (b["high"] >= b[["open", "close"]].max(axis=1)).all(), sym
        assert (b["high"] > b["low"]).mean() > 0.99, sym
    for sym in ("VVIX", "SKEW"):
        b = _bars(md, sym)
        assert b[["open", "high", "low"]].isna().all().all(), sym


def test_known_at_follows_schema_conventions(md):
    t = md.tables
    bars = t["index_bars"]
    hour = (bars["known_at"] - bars["date"]).dt.total_seconds() / 3600
    assert (hour[bars["symbol"] == "SPX"] == 16.0).all()
    assert (hour[bars["symbol"] != "SPX"] == 16.25).all()
    vx = t["vx_settlements"]
    assert ((vx["known_at"] - vx["date"]) == pd.Timedelta("16h15min")).all()
    fin = t["final_settlements"]
    assert ((fin["known_at"] - fin["expiry"]) == pd.Timedelta("9h45min")).all()
    rates = t["rates"]
    dff, irx = rates[rates["series"] == "DFF"], rates[rates["series"] == "IRX"]
    # DFF for day d is published the next business day at 09:00 (Friday -> Monday).
    assert (dff["known_at"] == dff["date"] + pd.offsets.BDay(1) + pd.Timedelta("9h")).all()
    assert ((irx["known_at"] - irx["date"]) == pd.Timedelta("16h")).all()
    ev = t["events"]
    assert ev["scheduled"].all()
    assert (ev["known_at"] == pd.to_datetime((ev["date"].dt.year - 1).astype(str) + "-01-01")).all()


def test_eight_listed_vx_contracts_with_calendar_codes_and_expiries(md):
    vx = md.tables["vx_settlements"]
    live = vx[vx["expiry"] > vx["date"]]
    assert (live.groupby("date").size() == 8).all()
    assert vx["date"].nunique() == len(trading_calendar().sessions_in_range(START, END))
    for code, exp in vx[["contract", "expiry"]].drop_duplicates().itertuples(index=False):
        y, m = 2000 + int(code[3:]), "FGHJKMNQUVXZ".index(code[2]) + 1
        assert code == vx_contract_code(y, m)
        assert exp == pd.Timestamp(vx_expiry(y, m))
    # every contract expiring in the range appears on its expiry day
    exp_in_range = {pd.Timestamp(vx_expiry(y, m)) for y in range(2017, 2021) for m in range(1, 13)}
    exp_in_range = {e for e in exp_in_range if pd.Timestamp(START) <= e <= pd.Timestamp(END)}
    assert set(vx.loc[vx["expiry"] == vx["date"], "expiry"]) == exp_in_range


def test_vx_converges_to_vix_and_settles_at_the_soq(md):
    vx = md.tables["vx_settlements"]
    fin = md.tables["final_settlements"]
    soq = fin[fin["product"] == "VX"].set_index("expiry")["value"]
    vix = _bars(md, "VIX")
    last_day = vx[vx["expiry"] == vx["date"]].set_index("date")
    assert len(last_day) == len(soq) >= 40
    # The expiring contract settles at the SOQ, which is the day's opening VIX ...
    np.testing.assert_array_equal(last_day["settle"].to_numpy(), soq.loc[last_day.index])
    np.testing.assert_array_equal(soq.to_numpy(), vix.loc[soq.index, "open"].to_numpy())
    # ... and lies close to the VIX close (only the intraday move apart).
    rel = (last_day["settle"] / vix.loc[last_day.index, "close"] - 1).abs()
    assert rel.median() < 0.05
    assert rel.max() < 0.35
    # The basis shrinks as expiry approaches.
    dte = (vx["expiry"] - vx["date"]).dt.days
    basis = (vx["settle"] / vix.loc[vx["date"], "close"].to_numpy() - 1).abs()
    assert basis[(dte >= 1) & (dte <= 3)].mean() < 0.5 * basis[(dte >= 25) & (dte <= 35)].mean()


def test_spx_am_soq_is_the_spx_open_on_monthly_expiries(md):
    fin = md.tables["final_settlements"]
    am = fin[fin["product"] == "SPX_AM"].set_index("expiry")["value"]
    expected = [
        pd.Timestamp(spx_monthly_expiry(y, m)) for y in range(2017, 2021) for m in range(1, 13)
    ]
    assert list(am.index) == expected
    np.testing.assert_array_equal(am.to_numpy(), _bars(md, "SPX").loc[am.index, "open"].to_numpy())


def test_macro_calendar_has_eight_fomc_and_monthly_cpi_ppi(md):
    ev = md.tables["events"]
    cal = trading_calendar()
    assert all(cal.is_session(d) for d in ev["date"])
    for year in range(2017, 2021):
        y = ev[ev["date"].dt.year == year]
        assert (y["kind"] == "FOMC").sum() == 8
        assert (y["kind"] == "CPI").sum() == 12
        assert (y["kind"] == "PPI").sum() == 12
    assert set(ev.loc[ev["kind"] == "FOMC", "time_et"]) == {"14:00"}
    assert set(ev.loc[ev["kind"] != "FOMC", "time_et"]) == {"08:30"}
    # scheduled events after the last date are listed so "next FOMC" works on the last day
    assert ev["date"].max() > pd.Timestamp(END)


def test_rates_move_in_steps_after_fomc_meetings(md):
    rates = md.tables["rates"].pivot(index="date", columns="series", values="value_pct")
    assert rates["DFF"].between(0.0, 5.6).all()
    assert (rates["IRX"] - rates["DFF"]).abs().max() < 1.0
    fomc = md.tables["events"].query("kind == 'FOMC'")["date"]
    cal = trading_calendar()
    after_meeting = {cal.next_session(d) for d in fomc}
    big = rates["DFF"].diff().abs() > 0.15
    assert big.sum() >= 1
    assert set(rates.index[big]) <= after_meeting


def test_vix_term_structure_reacts_by_horizon(closes):
    sd = closes[["VIX9D", "VIX", "VIX3M", "VIX6M"]].apply(np.log).diff().std()
    assert sd["VIX9D"] > sd["VIX"] > sd["VIX3M"] > sd["VIX6M"]
    calm = closes["VIX"] < 15
    assert (closes.loc[calm, "VIX"] < closes.loc[calm, "VIX3M"]).all()


def test_snapshot_shows_the_vx_curve_of_the_day(md):
    curve = md.snapshot("2019-06-03 16:15").vx_curve()
    assert len(curve) == 8
    assert (curve["date"] == pd.Timestamp("2019-06-03")).all()
    assert md.snapshot("2019-06-03 16:14").vx_curve()["date"].iloc[0] < pd.Timestamp("2019-06-03")


def test_risk_neutral_weights_match_the_ode():
    # Oracle: integrate dx = kf (y - x), dy = -ks y numerically and average over the window.
    p = SyntheticParams()
    kf, ks = p.kappa_fast, p.kappa_slow_q
    start, window = 40 / 365, 30 / 365
    for x0, y0 in ((1.0, 0.0), (0.0, 1.0)):
        sol = solve_ivp(
            lambda _t, s: [kf * (s[1] - s[0]), -ks * s[1]],
            (0.0, start + window),
            [x0, y0],
            dense_output=True,
            rtol=1e-10,
            atol=1e-12,
        )
        grid = np.linspace(start, start + window, 2001)
        avg = np.trapezoid(sol.sol(grid)[0], grid) / window
        w_v, w_m = variance_weights(p, np.array([start]), window)
        assert (w_v if x0 else w_m)[0] == pytest.approx(avg, rel=1e-6)


def test_vx_future_at_expiry_is_spot_vix_and_below_sqrt_forward_variance():
    p = SyntheticParams()
    v, m = np.array([0.01, 0.05, 0.3]), np.array([0.02, 0.03, 0.1])
    vol = np.full(3, 1.0)
    np.testing.assert_allclose(vx_future(p, v, m, np.zeros(3), vol), vol_index(p, v, m, 30.0))
    no_convexity = vx_future(p, v, m, np.full(3, 0.2), np.zeros(3))
    assert (vx_future(p, v, m, np.full(3, 0.2), vol) < no_convexity).all()


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        ("2020-01-10", "2020-01-01", "synthetic.end"),
        ("not a date", "2020-01-01", "synthetic.start"),
        ("2020-01-04", "2020-01-05", "synthetic.start..end"),  # a weekend: no session
    ],
)
def test_bad_ranges_raise_config_errors(start, end, key):
    with pytest.raises(ConfigError) as info:
        generate_market(start, end)
    assert info.value.key_path == key


def test_range_whose_vx_contracts_outrun_the_calendar_is_refused():
    last = trading_calendar().sessions[-1]
    with pytest.raises(ConfigError, match="VX contracts 8 months ahead") as info:
        generate_market(last - pd.Timedelta(days=90), last)
    assert info.value.key_path == "synthetic.end"


def test_bad_params_and_seed_raise_config_errors():
    with pytest.raises(ConfigError, match="rho_fast"):
        SyntheticParams(rho_fast=1.2)
    with pytest.raises(ConfigError, match="kappa_fast"):
        replace(SyntheticParams(), kappa_fast=0.5)
    with pytest.raises(ConfigError, match="seed"):
        generate_market("2020-01-01", "2020-03-01", seed=-1)


def test_variance_factors_are_mean_stationary_despite_jumps():
    # Started at theta, E[v] and E[m] stay at theta: the lognormal shocks and the compensated
    # jumps have mean one (only the floor/cap could bias it, and they rarely bind in a month).
    p = replace(SyntheticParams(), burn_in_sessions=0)
    rng = np.random.Generator(np.random.PCG64(5))
    ends = [simulate_factors(21, p, rng) for _ in range(3000)]
    v = np.array([f.v_close[-1] for f in ends])
    m = np.array([f.m_close[-1] for f in ends])
    assert abs(v.mean() / p.theta_var - 1) < 4 * v.std() / np.sqrt(len(v)) / p.theta_var
    assert abs(m.mean() / p.theta_var - 1) < 4 * m.std() / np.sqrt(len(m)) / p.theta_var
    # and jumps are down-moves that happen
    jumps = np.concatenate([f.jumps for f in ends])
    assert (jumps < 0).sum() > 100
