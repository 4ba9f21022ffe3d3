from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from alvh.kernel.black import black76_greeks
from alvh.strategy.condor import (
    check_exit,
    choose_expiry,
    condor_contracts,
    select_strikes,
    strike_grid,
)


class FlatSurface:
    """Flat 20% vol, zero rates: a fixture where every number can be worked out by hand."""

    def __init__(self, spot: float = 4000.0, vol: float = 0.20) -> None:
        self.spot, self.vol = spot, vol

    def iv(self, t_years, strikes):
        return np.full(np.broadcast(np.asarray(t_years), np.asarray(strikes)).shape, self.vol)

    def forward(self, t_years):
        return np.asarray(self.spot * np.ones_like(np.asarray(t_years, dtype=float)))

    def discount(self, t_years):
        return np.ones_like(np.asarray(t_years, dtype=float))

    def greeks(self, t_years, strikes, is_call):
        return black76_greeks(self.spot, strikes, t_years, self.vol, 1.0, is_call)


def test_strike_grid_is_on_five_points() -> None:
    g = strike_grid(4012.3)
    assert np.all(np.mod(g, 5.0) == 0)
    assert g[0] <= 0.3 * 4012.3 + 5 and g[-1] >= 1.6 * 4012.3 - 5


def test_choose_expiry_picks_closest_to_window_middle() -> None:
    exps = pd.DatetimeIndex(["2024-01-05", "2024-01-12", "2024-01-19", "2024-02-16"])
    today = pd.Timestamp("2024-01-02")
    # DTE 3, 10, 17, 45; window 7-21 -> middle 14 -> 17 (3 away) beats 10 (4 away).
    assert choose_expiry(exps, today, 7, 21) == pd.Timestamp("2024-01-19")
    # Target 11 -> 10 (1 away); a tie (target 13.5 can't tie on integers) goes earlier.
    assert choose_expiry(exps, today, 7, 21, dte_target=11) == pd.Timestamp("2024-01-12")
    assert choose_expiry(exps, today, 30, 45) == pd.Timestamp("2024-02-16")
    assert choose_expiry(exps, today, 60, 90) is None


def test_delta_selection_matches_closed_form_strike() -> None:
    s, vol, t = 4000.0, 0.20, 30 / 365
    k = select_strikes(FlatSurface(s, vol), t, "delta", 0.16, "width", 50)
    assert k is not None
    # Forward call delta N(d1) = 0.16 -> ln(F/K) = (N^-1(0.16) - 0.5 sd) sd.
    sd = vol * math.sqrt(t)
    k_call = s * math.exp(-(norm.ppf(0.16) - 0.5 * sd) * sd)
    k_put = s * math.exp(-(norm.ppf(0.84) - 0.5 * sd) * sd)
    assert abs(k.short_call - k_call) <= 2.5 and abs(k.short_put - k_put) <= 2.5
    assert k.put_width == 50 and k.call_width == 50
    assert "16% delta" in k.reason


def test_sd_selection_by_hand() -> None:
    # SD = 4000 x 0.20 x sqrt(0.25) = 400 points: 1 SD shorts at 3600 / 4400.
    k = select_strikes(FlatSurface(), 0.25, "sd", 1.0, "width", 25)
    assert (k.long_put, k.short_put, k.short_call, k.long_call) == (3575, 3600, 4400, 4425)


def test_pop_selection_tails() -> None:
    k = select_strikes(FlatSurface(), 45 / 365, "pop", 0.80, "delta", 0.05)
    sd = 0.2 * math.sqrt(45 / 365)
    d2_call = math.log(4000 / k.short_call) / sd - 0.5 * sd
    assert norm.cdf(d2_call) == pytest.approx(0.10, abs=0.01)
    assert k.long_put < k.short_put < k.short_call < k.long_call


def test_condor_contracts_respects_five_percent_cap() -> None:
    # 5% of 100,000 = 5,000 of max loss; 50-pt wings with 1.50 credit -> 4,850 per condor -> 1.
    assert condor_contracts(100_000, 50 * 100 - 150, 5.0) == 1
    assert condor_contracts(1_000_000, 4_850, 5.0) == 10
    assert condor_contracts(1_000_000, 4_850, 5.0, max_contracts=3) == 3
    assert condor_contracts(10_000, 4_850, 5.0) == 0


@pytest.mark.parametrize(
    ("cost", "dte", "spot", "rule"),
    [
        (0.90, 20, 4000, "profit_target"),  # 2.00 credit, 0.90 to close: 55% captured >= 50%
        (6.10, 20, 4000, "stop"),  # loss 4.10 >= 2 x 2.00
        (3.00, 20, 3800, "short_strike_tested"),  # spot at the 3800 short put
        (1.50, 5, 4000, "exit_dte"),
        (1.50, 20, 4000, "hold"),
    ],
)
def test_exit_rules_by_hand(cost: float, dte: int, spot: float, rule: str) -> None:
    e = check_exit(2.00, cost, dte, spot, 3800, 4200, 50.0, 2.0, 7, True)
    assert e.rule == rule
    assert e.exit == (rule != "hold")
    assert e.reason
