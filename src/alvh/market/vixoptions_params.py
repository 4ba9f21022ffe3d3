"""Fitted parameters of the VIX option vol model (``alvh.market.vixoptions.VixOptionModel``).

Versioned: a refit changes ``version`` and the numbers below together, and docs/vix-models.md
quotes the version it describes. The numbers are written by hand from the output of
``scripts/calibrate_vix_options.py`` (run it to reproduce them; it reads the shared data at run
time and writes nothing into the repository).

Two groups, fitted on different data:

- the *shape* of the ATM term structure (``rv_short_vol``, ``rv_long_vol``, ``samuelson_kappa``):
  the realised volatility of VX futures by days to expiry over the whole settlement panel
  ``vx_settle_panel_2004_2026.csv.gz`` (2004-03-26 .. 2026-09-22, 273 contracts). A static
  shape fitted on the whole panel: a backtest in 2006 uses a number measured with data up to
  2026 (the only look-ahead of the model; the daily inputs, VVIX and the VX curve, are
  point-in-time);
- the *pricing* parameters (``atm_to_vvix``, ``term_exponent``, ``min_days``, ``skew_slope``,
  ``call_skew_range``, ``put_skew_range``): one real chain, the VIX monthly options traded on
  2024-06-03 (``calibration/vix_options_2024-06-03_closes.csv``, last trades), at VVIX 78.79.
  One date only: the fit says nothing about how the smile moves with the VIX level, and a
  calmer or more stressed day may be priced differently (docs/vix-models.md gives the errors).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FITTED_VIX_OPTION_PARAMS", "VixOptionParams"]


@dataclass(frozen=True)
class VixOptionParams:
    """Parameters of the VIX option vol model.

    Attributes
    ----------
    atm_to_vvix
        30-day ATM vol as a fraction of VVIX. VVIX is a variance-swap strip over all strikes:
        with the VIX call skew its level sits above the ATM vol.
    term_exponent
        How much of the realised Samuelson shape the option market prices: ATM vol at ``T`` is
        the 30-day ATM vol times ``(h(T) / h(30 days)) ** term_exponent``, ``h`` the realised
        shape below (1 = the full realised decay, 0 = flat).
    rv_short_vol, rv_long_vol, samuelson_kappa
        Realised vol of a VX future ``tau`` years from expiry:
        ``sqrt(rv_long_vol**2 + rv_short_vol**2 * exp(-2 kappa tau))`` (decimal, per year). An
        option expiring in ``T`` years sees the mean variance over ``tau`` in ``[0, T]``:
        ``h(T)**2 = rv_long_vol**2 + rv_short_vol**2 (1 - exp(-2 kappa T)) / (2 kappa T)``.
    skew_slope
        Relative vol change per unit of standardised moneyness ``z = ln(K/F) / (atm sqrt(T))``
        near the money (same slope on both sides: no kink at the forward).
    call_skew_range, put_skew_range
        Saturation of ``z`` above / below the forward: ``z_s = R tanh(z / R)``, so that far
        calls stop gaining vol (a vol growing without bound breaks Lee's moment bound and makes
        calls gain value with the strike) and put vols stay above ``1 - skew_slope *
        put_skew_range`` times ATM.
    min_days, max_days
        Bounds on the days used for the term structure: ATM vol is held flat below
        ``min_days`` (fitted: the chain's ATM vols are flat from 2 to 44 days while the realised
        shape keeps rising to the front) and beyond ``max_days``. The moneyness scale ``sqrt(T)``
        uses the true days.
    vol_floor, vol_cap
        Bounds on any vol (decimal).
    version, source
        Which fit these numbers come from.
    """

    atm_to_vvix: float
    term_exponent: float
    rv_short_vol: float
    rv_long_vol: float
    samuelson_kappa: float
    skew_slope: float
    call_skew_range: float
    put_skew_range: float
    min_days: float = 1.0
    max_days: float = 400.0
    vol_floor: float = 0.10
    vol_cap: float = 5.00
    version: str = "unversioned"
    source: str = "hand-made"


# Version 2024-06-03.1. Reproduce: `.venv/bin/python scripts/calibrate_vix_options.py`.
FITTED_VIX_OPTION_PARAMS = VixOptionParams(
    atm_to_vvix=0.9029,
    term_exponent=0.6598,
    rv_short_vol=0.9193,
    rv_long_vol=0.2973,
    samuelson_kappa=5.0097,
    skew_slope=0.3461,
    call_skew_range=6.9309,
    put_skew_range=2.5,  # at its bound (skew_slope x range < 1 keeps put vols positive)
    min_days=26.2555,
    version="2024-06-03.1",
    source=(
        "shape: realised VX vol by days to expiry, vx_settle_panel_2004_2026.csv.gz; "
        "pricing: VIX monthly options traded 2024-06-03 (last trades), VVIX 78.79"
    ),
)
