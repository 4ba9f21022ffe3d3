"""The engine's scalar VIX-option path and the snapshot's VX curve arrays match their references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.market.data import DataSource, MarketData
from alvh.market.synthetic import generate_market
from alvh.market.vixoptions import VixOptionModel, strike_for_delta


@pytest.mark.parametrize("vvix", [70.0, 95.0, 180.0])
def test_greeks_one_matches_vectorised_greeks(vvix: float) -> None:
    model = VixOptionModel(vvix)
    fwd = np.array([12.0, 18.5, 35.0, 60.0])
    for f in fwd:
        for k in (0.6 * f, f, 1.3 * f, 2.5 * f):
            for days, call in ((3, True), (30, True), (64, False), (300, True)):
                ref = model.greeks(f, k, days, call, 0.045)
                one = model.greeks_one(float(f), float(k), days, call, 0.045)
                np.testing.assert_allclose(one, [float(x) for x in ref], rtol=1e-11, atol=1e-14)


def test_strike_for_delta_hits_the_delta_on_the_vectorised_model() -> None:
    model = VixOptionModel(110.0)
    k = strike_for_delta(19.0, 28, 0.30, model, True, 0.04)
    assert float(model.greeks(19.0, k, 28, True, 0.04).delta) == pytest.approx(0.30, abs=1e-9)


def test_vol_one_rejects_non_positive_strikes() -> None:
    from alvh.errors import PricingError

    with pytest.raises(PricingError):
        VixOptionModel(90.0).vol_one(20.0, 0.0, 30)


def test_vx_curve_arrays_equal_the_vx_curve_frame() -> None:
    m = generate_market("2012-01-03", "2012-06-29", seed=3)
    for day in ("2012-01-03 16:15", "2012-03-21 08:00", "2012-06-29 17:00"):
        snap = m.snapshot(day)
        rows = snap.vx_curve()
        d, codes, exps, settles = snap.vx_curve_arrays()
        assert pd.Timestamp(d) == pd.Timestamp(rows["date"].iloc[0])
        assert list(codes) == list(rows["contract"])
        assert np.array_equal(exps, rows["expiry"].to_numpy("datetime64[ns]").view("int64"))
        assert np.array_equal(settles, rows["settle"].to_numpy(np.float64))


def test_vx_curve_arrays_without_settlements_raise() -> None:
    from alvh.errors import NoDataError

    m = generate_market("2012-01-03", "2012-02-29", seed=3)
    empty = MarketData(
        {**m.tables, "vx_settlements": m.tables["vx_settlements"].iloc[:0]},
        DataSource("synthetic", "x", "no VX"),
    )
    with pytest.raises(NoDataError):
        empty.snapshot("2012-02-01 16:15").vx_curve_arrays()
