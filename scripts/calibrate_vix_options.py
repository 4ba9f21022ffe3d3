"""Fit the VIX option vol model and print its errors (tables pasted into docs/vix-models.md).

Reads, at run time and read-only, from the shared data folder (``$ALVH_SHARED_DATA``):
``vx_settle_panel_2004_2026.csv.gz`` (realised VX vol by days to expiry; the VX curve of the
chain day), ``calibration/vix_options_2024-06-03_closes.csv`` (the chain), VVIX, VIX and IRX
closes. Nothing is written; the fitted numbers are copied by hand into
``alvh.market.vixoptions_params.FITTED_VIX_OPTION_PARAMS``.

Steps
-----
1. Samuelson shape: realised vol of VX futures in 10-day buckets of days to expiry (0-240),
   fitted by ``vol(tau)**2 = L**2 + S**2 exp(-2 kappa tau)``.
2. Chain: monthly expiries on their VX settles, weekly expiries on forwards interpolated along
   the VX curve (``option_forward``), compared with put-call-parity forwards of traded pairs.
3. Fit ``CHAIN_FIT_PARAMS`` on the monthly expiries only (robust, log-volume weights).
4. Errors: in sample (monthlies), out of sample (weeklies, on interpolated and on parity
   forwards), leave-one-expiry-out (refit without each monthly expiry, error on it), and the
   old model (VVIX x (30/days)^0.4, relative skew 0.6/0.3) on the same rows.

Usage: ``.venv/bin/python scripts/calibrate_vix_options.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from alvh.market.vixoptions import VixOptionModel, option_forward, samuelson_shape
from alvh.market.vixoptions_fit import (
    CHAIN_FIT_PARAMS,
    fit_chain,
    fit_mask,
    goal_errors,
    load_calibration_day,
    market_atm_by_expiry,
    prepare_chain,
    vix_option_fidelity,
)
from alvh.market.vixoptions_params import FITTED_VIX_OPTION_PARAMS
from alvh.market.vx_realised import fit_samuelson, realised_vx_vol_by_dte


def default_data_dir() -> Path:
    env = os.environ.get("ALVH_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def legacy_model_prices(rows: pd.DataFrame, vvix: float) -> np.ndarray:
    """Prices of the model this fit replaced (alvh before 2024-06-03.1), for the before column."""
    from alvh.kernel.black import black76_price

    d = np.clip(rows["dte_days"].to_numpy(float), 7.0, 365.0)
    atm = np.clip(vvix / 100.0 * (30.0 / d) ** 0.4, 0.2, 5.0)
    x = np.tanh(np.log(rows["strike"].to_numpy(float) / rows["forward"].to_numpy(float)))
    vol = np.clip(atm * (1.0 + np.where(x > 0, 0.6, 0.3) * x), 0.2, 5.0)
    return np.asarray(
        black76_price(
            rows["forward"].to_numpy(float),
            rows["strike"].to_numpy(float),
            rows["t_years"].to_numpy(float),
            vol,
            rows["discount"].to_numpy(float),
            (rows["option_type"] == "call").to_numpy(),
        )
    )


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The per-expiry line and the 0.1-0.6 delta goal figure of a fidelity table."""
    goal_buckets = {"0.10-0.20", "0.20-0.30", "0.30-0.45", "0.45-0.60"}
    allrows = table[table["delta_bucket"] == "all"].set_index("expiry")
    return allrows[
        [
            "root",
            "dte_days",
            "count",
            "median_abs_err_pct",
            "median_err_pct",
            "atm_vol_model_pct",
            "atm_vol_market_pct",
            "atm_err_pts",
        ]
    ].assign(
        goal_count=table[table["delta_bucket"].isin(goal_buckets)].groupby("expiry")["count"].sum()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--data", type=Path, default=default_data_dir())
    args = ap.parse_args()
    data: Path = args.data
    pd.set_option("display.width", 120)

    # 1. Samuelson shape over the whole panel
    panel = pd.read_csv(data / "vx_settle_panel_2004_2026.csv.gz")
    rv = realised_vx_vol_by_dte(panel)
    s, ell, kappa = fit_samuelson(rv)
    base = replace(FITTED_VIX_OPTION_PARAMS, rv_short_vol=s, rv_long_vol=ell, samuelson_kappa=kappa)
    fitted_rv = np.sqrt(ell**2 + s**2 * np.exp(-2 * kappa * rv["dte_mid"] / 365.0))
    print("1. realised VX vol by days to expiry (whole panel)")
    print(rv.assign(fit=fitted_rv).round(3).to_string(index=False))
    print(
        f"   S = {s:.4f}, L = {ell:.4f}, kappa = {kappa:.3f}/year "
        f"(half-life of the short part {math.log(2) / kappa * 365:.0f} days)"
    )
    print(
        "   h(T) =",
        {d: round(float(samuelson_shape(d / 365, base)), 3) for d in (7, 15, 30, 45, 90, 180)},
    )

    # 2. chain and forwards
    day = load_calibration_day(data)
    vvix, chain, rate = day.vvix, day.chain, day.rate
    print(f"\n2. forwards (VVIX {vvix}, VIX {day.vix}, rate {rate:.5f})")
    for exp, fwd in day.forwards.items():
        pt = option_forward(day.curve, exp)
        pcp = day.parity_forwards[exp]
        kind = "interpolated" if pt.interpolated else str(pt.contract)
        print(
            f"   {exp.date()} {pt.dte_days:4d} d  curve {fwd:7.3f} ({kind:12s})  "
            f"parity {pcp:7.3f}  diff {fwd - pcp:+.3f}"
        )
    prepared = day.prepared
    use = day.used
    monthly = use[use["root"] == "VIX"]
    weekly = use[use["root"] == "VIXW"]
    print(
        f"   rows traded {len(prepared)}, used {len(use)} "
        f"({len(monthly)} monthly, {len(weekly)} weekly)"
    )

    # 3. fit on the monthlies
    params = fit_chain(monthly, vvix, base, atm=market_atm_by_expiry(monthly))
    model = VixOptionModel(vvix, params)
    print("\n3. fitted on monthlies:", {n: round(getattr(params, n), 4) for n in CHAIN_FIT_PARAMS})

    # 4. errors
    print("\n4a. in sample, monthlies (calls, all deltas used in the fit)")
    print(summary(vix_option_fidelity(monthly, model)).round(2).to_string())
    print("\n4b. out of sample, weeklies on interpolated forwards")
    print(summary(vix_option_fidelity(weekly, model)).round(2).to_string())
    wk_p = prepare_chain(chain[chain["root"] == "VIXW"], day.parity_forwards, rate)
    wk_p = wk_p[fit_mask(wk_p)]
    print("\n4c. out of sample, weeklies on put-call-parity forwards")
    print(summary(vix_option_fidelity(wk_p, model)).round(2).to_string())
    print("\n4d. goal: median |err| % of calls, market delta 0.1-0.6")
    loeo = {}
    for exp in sorted(monthly["expiration"].unique()):
        rest = monthly[monthly["expiration"] != exp]
        m = VixOptionModel(vvix, fit_chain(rest, vvix, base, atm=market_atm_by_expiry(rest)))
        loeo.update(goal_errors(monthly[monthly["expiration"] == exp], m).to_dict())
    legacy = use.assign(model=legacy_model_prices(use, vvix))
    lc = legacy[(legacy["option_type"] == "call") & legacy["market_delta"].between(0.1, 0.6)]
    old = (100 * (lc["model"] / lc["close"] - 1).abs()).groupby(lc["expiration"].dt.date).median()
    goal = pd.DataFrame(
        {
            "fit": pd.concat([goal_errors(monthly, model), goal_errors(weekly, model)]),
            "leave_one_out": pd.Series(loeo),
            "old_model": old,
        }
    )
    print(goal.round(1).to_string())
    print("\n   shipped parameters (FITTED_VIX_OPTION_PARAMS):")
    print(
        "   ",
        {
            n: round(getattr(params, n), 4)
            for n in (
                "atm_to_vvix",
                "term_exponent",
                "rv_short_vol",
                "rv_long_vol",
                "samuelson_kappa",
                "skew_slope",
                "call_skew_range",
                "put_skew_range",
            )
        },
    )


if __name__ == "__main__":
    main()
