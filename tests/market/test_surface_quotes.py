"""Quote-backed surface: recovers the vols behind quoted prices, falls back to the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_surface_support import AS_OF, BASE_CLOSES, DAY, make_market

from alvh.kernel.black import black76_price
from alvh.market.schema import OPTION_CHAINS
from alvh.market.surface import SpxVolSurface
from alvh.market.surface_quotes import QuoteSurface, implied_vols, surface_for

EXPIRY = pd.Timestamp("2020-06-17")  # a Wednesday: SPXW, PM-settled, 16 days after DAY
T = 16 / 365
FWD = 2990.0  # deliberately not the model forward (3000 x carry): parity must find it
STRIKES = np.arange(2700.0, 3301.0, 50.0)


def true_vol(k: np.ndarray) -> np.ndarray:
    return 0.20 - 0.4 * np.log(k / FWD)  # a plain linear skew


def quoted_chain(quote_date: pd.Timestamp = DAY) -> pd.DataFrame:
    df = float(np.exp(-0.01 * T))
    rows = []
    for right in ("C", "P"):
        px = black76_price(FWD, STRIKES, T, true_vol(STRIKES), df, right == "C")
        for k, p in zip(STRIKES, px, strict=True):
            rows.append((quote_date, "SPXW", EXPIRY, k, right, p - 0.05, p + 0.05, 3000.0))
    f = pd.DataFrame(
        rows,
        columns=["quote_date", "root", "expiry", "strike", "right", "bid", "ask", "underlying"],
    )
    f["known_at"] = f["quote_date"] + pd.Timedelta(hours=16, minutes=15)
    return OPTION_CHAINS.conform(f)


def test_implied_vols_round_trip_black76() -> None:
    vols = np.array([0.05, 0.2, 0.8, 2.0])
    k = np.array([2500.0, 3000.0, 3500.0, 3000.0])
    px = black76_price(3000.0, k, 0.25, vols, 0.99, [False, True, True, False])
    assert implied_vols(px, 3000.0, k, 0.25, 0.99, [False, True, True, False]) == pytest.approx(
        vols, rel=1e-9
    )
    # Below intrinsic: no vol exists.
    assert np.isnan(implied_vols(0.5, 3000.0, 2000.0, 0.25, 0.99, True))


def test_quote_surface_recovers_forward_and_smile_at_quoted_expiry() -> None:
    # The rate the chain was priced with (1%) is close to IRX 1.0% discount -> cc ~1.0%.
    snap = make_market(BASE_CLOSES, chains=quoted_chain()).snapshot(AS_OF)
    s = surface_for(snap)
    assert isinstance(s, QuoteSurface)
    t = s.t_years(EXPIRY)
    assert t == pytest.approx(T)
    assert float(s.forward(t)) == pytest.approx(FWD, abs=0.02)
    k = np.array([2750.0, 2925.0, 3000.0, 3150.0])  # quoted and between quotes
    assert s.iv(t, k) == pytest.approx(true_vol(k), abs=2e-3)
    # Outside the quoted range the vol is flat at the outermost quote.
    assert float(s.iv(t, 2000.0)) == pytest.approx(float(true_vol(np.array([2700.0]))[0]), abs=1e-3)
    # Delta solve on the quoted smile.
    k16 = s.strike_for_delta(t, -0.16, False)
    assert float(s.greeks(t, k16, False).delta) == pytest.approx(-0.16, abs=1e-8)


def test_unquoted_expiry_and_missing_day_fall_back_to_the_model() -> None:
    snap = make_market(BASE_CLOSES, chains=quoted_chain()).snapshot(AS_OF)
    s = surface_for(snap)
    model = SpxVolSurface.from_snapshot(snap)
    t = 45 / 365
    k = np.array([2800.0, 3100.0])
    assert s.iv(t, k) == pytest.approx(model.iv(t, k))
    assert float(s.forward(t)) == pytest.approx(float(model.forward(t)))
    # Chains quoted only on an earlier day: the model answers (stale quotes are not used).
    old = quoted_chain(quote_date=DAY - pd.Timedelta(days=3))
    s_old = surface_for(make_market(BASE_CLOSES, chains=old).snapshot(AS_OF))
    assert isinstance(s_old, SpxVolSurface)


def test_quote_surface_broadcasts_mixed_expiries() -> None:
    snap = make_market(BASE_CLOSES, chains=quoted_chain()).snapshot(AS_OF)
    s = surface_for(snap)
    t = np.array([[T], [60 / 365]])
    ivs = s.iv(t, np.array([[2900.0, 3100.0]]))
    assert ivs.shape == (2, 2)
    assert ivs[0] == pytest.approx(true_vol(np.array([2900.0, 3100.0])), abs=2e-3)
    assert ivs[1] == pytest.approx(SpxVolSurface.from_snapshot(snap).iv(60 / 365, [2900, 3100]))
