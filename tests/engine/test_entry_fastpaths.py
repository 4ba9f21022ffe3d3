"""Shortcuts of the entry path give the same decisions as the plain rules they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import spx_expiries
from alvh.market.rates import CarryCurve
from alvh.market.surface import DEFAULT_SURFACE_PARAMS, AtmTermStructure, SpxVolSurface
from alvh.strategy.condor import select_strikes
from alvh.strategy.expiry_choice import ListedExpiries

DAYS = pd.bdate_range("2006-01-03", "2026-07-22")


@pytest.mark.parametrize("product", ["spx", "spxw", "any"])
@pytest.mark.parametrize(
    ("dte_min", "dte_max", "target"),
    [
        (7, 21, None),
        (30, 45, None),
        (60, 90, None),
        (7, 21, 14),  # the ic-ladder tiers: with "any", most days walk past unlisted weeklies
        (30, 45, 38),
        (60, 90, 75),
        (25, 50, 35),
        (1, 3, 2),
        (0, 1, 0),
        (5, 10, 30),
    ],
)
def test_expiry_for_every_session_equals_the_per_day_choice(
    product: str, dte_min: int, dte_max: int, target: int | None
) -> None:
    end = (DAYS[-1] + pd.Timedelta(days=400)).date()
    listed = ListedExpiries(spx_expiries(DAYS[0].date(), end, product))  # type: ignore[arg-type]
    fast = listed.choose_all(DAYS, dte_min, dte_max, target)
    assert fast == [listed.choose(d, dte_min, dte_max, target) for d in DAYS]


class _NumpyOnly:
    """The same surface without its compiled scorer: select_strikes' generic path."""

    def __init__(self, surf: SpxVolSurface) -> None:
        self.surf, self.spot = surf, surf.spot

    def iv(self, t: np.ndarray, k: np.ndarray) -> np.ndarray:
        return self.surf.iv_reference(t, k)

    def forward(self, t: float) -> np.ndarray:
        return self.surf.carry.forward(self.surf.spot, t)


def test_compiled_strike_selection_picks_the_same_strikes() -> None:
    rng = np.random.default_rng(2)
    tn = np.array([9, 30, 93, 182]) / 365
    rules = [
        ("delta", 0.16, "width", 50.0),
        ("delta", 0.2, "delta", 0.05),
        ("pop", 0.7, "width", 25.0),
    ]
    for _ in range(60):
        vix = rng.uniform(9, 80)
        atm = np.array([0.8, 1.0, 1.05, 1.1]) * vix / 100 * 0.77
        surf = SpxVolSurface(
            rng.uniform(800, 7000),
            pd.Timestamp("2020-01-02 15:45"),
            pd.Timestamp("2020-01-02 16:00"),
            CarryCurve(rng.uniform(0.0, 0.05)),
            AtmTermStructure(tn, np.maximum.accumulate(atm**2 * tn)),
            rng.uniform(0.8, 2.0),
            DEFAULT_SURFACE_PARAMS,
        )
        for t in (7 / 365, rng.uniform(1 / 365, 100 / 365)):
            for method, value, wings, wing_value in rules:
                fast = select_strikes(surf, t, method, value, wings, wing_value)  # type: ignore[arg-type]
                plain = select_strikes(_NumpyOnly(surf), t, method, value, wings, wing_value)  # type: ignore[arg-type]
                assert fast == plain
