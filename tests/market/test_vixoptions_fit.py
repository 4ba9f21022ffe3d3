"""The VIX option fit: objective, fit, stale-print filter and fidelity table on hand-made chains."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.errors import DataFormatError
from alvh.market.vixoptions import VixOptionModel
from alvh.market.vixoptions_fit import (
    chain_residuals,
    fit_chain,
    fit_mask,
    market_atm_by_expiry,
    model_prices,
    parity_forward,
    prepare_chain,
    read_vix_chain,
    vix_option_fidelity,
)
from alvh.market.vixoptions_params import VixOptionParams
from alvh.market.vx_realised import fit_samuelson, realised_vx_vol_by_dte

TRUE = VixOptionParams(
    atm_to_vvix=0.85,
    term_exponent=0.7,
    rv_short_vol=0.9,
    rv_long_vol=0.3,
    samuelson_kappa=5.0,
    skew_slope=0.30,
    call_skew_range=6.0,
    put_skew_range=2.0,
    min_days=1.0,
)
DAY = pd.Timestamp("2024-06-03")
RATE = 0.05
VVIX = 80.0


def hand_chain(params: VixOptionParams = TRUE) -> pd.DataFrame:
    """Two expiries (F 14 at 30 days, F 16 at 90 days), calls and puts priced by ``params``."""
    rows = []
    for exp, fwd in ((pd.Timestamp("2024-07-03"), 14.0), (pd.Timestamp("2024-09-01"), 16.0)):
        for k in (11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 18.0, 20.0, 25.0, 30.0):
            for kind in ("call", "put"):
                rows.append((DAY, "VIX", exp, kind, k, fwd, 100.0))
    frame = pd.DataFrame(
        rows,
        columns=["quote_date", "root", "expiration", "option_type", "strike", "fwd", "volume"],
    )
    days = (frame["expiration"] - DAY).dt.days.to_numpy(float)
    g = VixOptionModel(VVIX, params).greeks(
        frame["fwd"].to_numpy(float),
        frame["strike"].to_numpy(float),
        days,
        (frame["option_type"] == "call").to_numpy(),
        RATE,
    )
    frame["close"] = np.asarray(g.price)
    return frame.drop(columns="fwd")


FORWARDS = {pd.Timestamp("2024-07-03"): 14.0, pd.Timestamp("2024-09-01"): 16.0}


def test_prepare_chain_recovers_the_model_vols_and_the_objective_is_zero_at_the_truth() -> None:
    prepared = prepare_chain(hand_chain(), FORWARDS, RATE)
    model = VixOptionModel(VVIX, TRUE)
    want = model.vol(prepared["forward"], prepared["strike"], prepared["dte_days"])
    np.testing.assert_allclose(prepared["market_vol"], want, rtol=1e-7)
    np.testing.assert_allclose(model_prices(prepared, model), prepared["close"], rtol=1e-12)
    names = ("atm_to_vvix", "skew_slope")
    res = chain_residuals([0.85, 0.30], names, TRUE, VVIX, prepared)
    assert np.max(np.abs(res)) < 1e-12
    # any other point costs more
    assert np.sum(chain_residuals([0.86, 0.30], names, TRUE, VVIX, prepared) ** 2) > 1e-6


def test_fit_finds_the_known_optimum_from_elsewhere() -> None:
    prepared = prepare_chain(hand_chain(), FORWARDS, RATE)
    rows = prepared[fit_mask(prepared, min_price=0.0)]
    start = replace(TRUE, atm_to_vvix=1.1, term_exponent=0.3, skew_slope=0.15)
    names = ("atm_to_vvix", "term_exponent", "skew_slope")
    got = fit_chain(rows, VVIX, start, names, atm=market_atm_by_expiry(rows))
    assert got.atm_to_vvix == pytest.approx(0.85, abs=1e-5)
    assert got.term_exponent == pytest.approx(0.7, abs=1e-4)
    assert got.skew_slope == pytest.approx(0.30, abs=1e-5)


def test_fit_shrugs_off_one_stale_print() -> None:
    chain = hand_chain()
    # a thin print at 1.6x its value (a trade hours old)
    i = chain.index[(chain["strike"] == 20.0) & (chain["option_type"] == "call")][0]
    chain.loc[i, ["close", "volume"]] = [chain.loc[i, "close"] * 1.6, 1.0]
    prepared = prepare_chain(chain, FORWARDS, RATE)
    start = replace(TRUE, atm_to_vvix=1.1, skew_slope=0.15)
    got = fit_chain(prepared, VVIX, start, ("atm_to_vvix", "skew_slope"))
    assert got.atm_to_vvix == pytest.approx(0.85, abs=0.01)
    assert got.skew_slope == pytest.approx(0.30, abs=0.01)


def test_fit_mask_drops_a_print_that_breaks_monotonicity_and_itm_rows() -> None:
    chain = hand_chain()
    exp = pd.Timestamp("2024-07-03")
    sel = (chain["expiration"] == exp) & (chain["option_type"] == "call")
    c18 = chain.index[sel & (chain["strike"] == 18.0)][0]
    c16 = chain.index[sel & (chain["strike"] == 16.0)][0]
    # the 18 call printed above the 16 call with 2 contracts: the 18 is the stale one
    chain.loc[c18, ["close", "volume"]] = [chain.loc[c16, "close"] + 0.05, 2.0]
    prepared = prepare_chain(chain, FORWARDS, RATE)
    keep = fit_mask(prepared, min_price=0.0)
    row = prepared[(prepared["expiration"] == exp) & (prepared["strike"] == 18.0)]
    stale = row[row["option_type"] == "call"].index[0]
    assert not keep[stale]
    c16_row = prepared[(prepared["expiration"] == exp) & (prepared["strike"] == 16.0)]
    assert keep[c16_row[c16_row["option_type"] == "call"].index[0]]
    # in the money (a call at 11 on F = 14) is left to its put
    itm = prepared[(prepared["strike"] == 11.0) & (prepared["option_type"] == "call")].index
    assert not keep[itm].any()


def test_fidelity_table_is_zero_on_the_truth_and_signed_on_a_rich_model() -> None:
    prepared = prepare_chain(hand_chain(), FORWARDS, RATE)
    rows = prepared[fit_mask(prepared, min_price=0.0)]
    table = vix_option_fidelity(rows, VixOptionModel(VVIX, TRUE))
    assert set(table.columns) >= {"expiry", "delta_bucket", "count", "median_abs_err_pct"}
    assert table["median_abs_err_pct"].max() < 1e-8
    alls = table[table["delta_bucket"] == "all"]
    np.testing.assert_allclose(alls["atm_err_pts"], 0.0, atol=1e-5)
    assert alls["count"].sum() == (rows["option_type"] == "call").sum()
    rich = vix_option_fidelity(rows, VixOptionModel(VVIX * 1.2, TRUE))
    assert (rich["median_err_pct"] > 0).all()
    assert (rich[rich["delta_bucket"] == "all"]["atm_err_pts"] > 0).all()


def test_parity_forward_of_consistent_prices_is_the_forward() -> None:
    chain = hand_chain()
    got = parity_forward(chain, pd.Timestamp("2024-09-01"), RATE, 16.0)
    assert got == pytest.approx(16.0, abs=1e-9)
    assert math.isnan(parity_forward(chain, pd.Timestamp("2024-09-01"), RATE, 60.0))


def test_read_vix_chain_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "chain.csv"
    path.write_text(
        "quote_date,root,expiration,option_type,strike,close,volume\n"
        "2024-06-03,VIX,2024-06-18,call,15,0.43,10\n"
        "2024-06-03,VIX,2024-06-18,cal,16,0.33,10\n"
    )
    with pytest.raises(DataFormatError, match=r"line 3, column 'option_type'"):
        read_vix_chain(path)
    path.write_text("quote_date,root,expiration,strike,close\n")
    with pytest.raises(DataFormatError, match="option_type"):
        read_vix_chain(path)


def test_realised_vol_by_dte_and_the_samuelson_fit() -> None:
    # one contract, daily log changes alternating +a, -a: std a * sqrt(n/(n-1)), here by hand
    days = pd.bdate_range("2020-01-01", periods=41)
    a = 0.03
    logs = np.cumsum(np.r_[0.0, np.tile([a, -a], 20)])
    panel = pd.DataFrame(
        {
            "trade_date": days,
            "contract": "VXA",
            "expiry": days[-1] + pd.Timedelta(days=3),
            "settle": 15.0 * np.exp(logs),
        }
    )
    table = realised_vx_vol_by_dte(panel, bucket_days=1000, max_days=1000)
    assert table["count"].iloc[0] == 40
    assert table["vol"].iloc[0] == pytest.approx(a * math.sqrt(40 / 39) * math.sqrt(252))
    # an exact table of L^2 + S^2 exp(-2 kappa tau) gives back its parameters
    tau_days = np.arange(5.0, 240.0, 10.0)
    vol = np.sqrt(0.3**2 + 0.9**2 * np.exp(-2 * 5.0 * tau_days / 365.0))
    exact = pd.DataFrame({"dte_mid": tau_days, "count": 100, "vol": vol})
    np.testing.assert_allclose(fit_samuelson(exact), (0.9, 0.3, 5.0), rtol=1e-5)
