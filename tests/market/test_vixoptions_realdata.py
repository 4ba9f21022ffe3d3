"""The fitted VIX option model against the real 2024-06-03 VIX chain (floors = measured errors).

Reads ``$ALVH_SHARED_DATA`` at run time (``calibration/vix_options_2024-06-03_closes.csv``, the VX
settlement panel, VVIX, VIX, IRX). Reproduce the figures with
``.venv/bin/python scripts/calibrate_vix_options.py``; docs/vix-models.md has the tables.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.market.vixoptions import VixOptionModel
from alvh.market.vixoptions_fit import (
    CHAIN_FIT_PARAMS,
    CalibrationDay,
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

pytestmark = pytest.mark.realdata

DATA = Path(os.environ.get("ALVH_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data"))


@pytest.fixture(scope="module")
def day() -> CalibrationDay:
    if not (DATA / "calibration" / "vix_options_2024-06-03_closes.csv").exists():
        pytest.skip("shared calibration data not available")
    return load_calibration_day(DATA)


def test_the_day_inputs_are_the_real_ones(day: CalibrationDay) -> None:
    assert day.vvix == 78.79 and day.vix == 13.11
    assert day.forwards[pd.Timestamp("2024-08-21")] == 15.1131  # VXQ24 settle
    assert len(day.chain) == 1100 and int((day.chain["volume"] > 0).sum()) == 379
    # weeklies: interpolated forwards sit 0.33-0.46 below the parity forwards of the prints
    # (last trades made while VIX was above its 13.11 close); monthlies within 0.14 of theirs
    for exp, f in day.forwards.items():
        gap = f - day.parity_forwards[exp]
        limit = 0.14 if exp.day in (18, 17, 21, 16, 20) else 0.47
        assert abs(gap) <= limit, (exp, gap)


def test_monthly_calls_within_the_goal_and_atm_within_5_points(day: CalibrationDay) -> None:
    used = day.used
    monthly = used[used["root"] == "VIX"]
    model = VixOptionModel(day.vvix)
    goal = goal_errors(monthly, model)
    assert len(goal) == 6
    # measured 7.7, 2.3, 7.6, 5.6, 6.0, 5.5 (%); goal 10
    assert goal.max() <= 8.0, goal
    table = vix_option_fidelity(monthly, model)
    atm = table[table["delta_bucket"] == "all"]["atm_err_pts"].dropna()
    assert len(atm) == 6
    assert atm.abs().max() <= 5.0, atm  # measured max 4.7 (2024-11-20)


def test_leave_one_expiry_out_errors(day: CalibrationDay) -> None:
    used = day.used
    monthly = used[used["root"] == "VIX"]
    errs = {}
    for exp in sorted(monthly["expiration"].unique()):
        rest = monthly[monthly["expiration"] != exp]
        fitted = fit_chain(rest, day.vvix, FITTED_VIX_OPTION_PARAMS, atm=market_atm_by_expiry(rest))
        held = monthly[monthly["expiration"] == exp]
        errs.update(goal_errors(held, VixOptionModel(day.vvix, fitted)).to_dict())
    errs = pd.Series(errs)
    # 44-170 days: measured 2.3, 8.4, 6.2, 10.8, 2.6 (%)
    assert errs.iloc[1:].max() <= 11.0, errs
    # without the only expiry under 44 days the flat front (min_days) is not identified:
    # the 15-day error is 21.8% (documented, not a goal met)
    assert errs.iloc[0] <= 23.0, errs


def test_weeklies_out_of_sample(day: CalibrationDay) -> None:
    model = VixOptionModel(day.vvix)
    weekly_chain = day.chain[day.chain["root"] == "VIXW"]
    on_parity = prepare_chain(weekly_chain, day.parity_forwards, day.rate)
    goal = goal_errors(on_parity[fit_mask(on_parity)], model)
    assert goal.max() <= 17.0, goal  # measured 5.6, 4.3, 16.6, 6.9 % on the prints' own forwards
    used = day.used
    interp = goal_errors(used[used["root"] == "VIXW"], model)
    assert interp.max() <= 30.0, interp  # measured 11-29 % on the interpolated forwards


def test_shipped_parameters_are_the_fit(day: CalibrationDay) -> None:
    panel = pd.read_csv(DATA / "vx_settle_panel_2004_2026.csv.gz")
    s, ell, kappa = fit_samuelson(realised_vx_vol_by_dte(panel))
    p = FITTED_VIX_OPTION_PARAMS
    np.testing.assert_allclose(
        [s, ell, kappa], [p.rv_short_vol, p.rv_long_vol, p.samuelson_kappa], rtol=1e-3
    )
    used = day.used
    monthly = used[used["root"] == "VIX"]
    start = replace(p, atm_to_vvix=1.0, term_exponent=0.5, skew_slope=0.3, call_skew_range=8.0)
    fitted = fit_chain(monthly, day.vvix, start, atm=market_atm_by_expiry(monthly))
    for name in CHAIN_FIT_PARAMS:
        assert getattr(fitted, name) == pytest.approx(getattr(p, name), rel=2e-3), name
