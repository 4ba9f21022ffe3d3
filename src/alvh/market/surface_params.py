"""Parameters of the SPX surface model: the dataclass, the shipped fit and its JSON file.

The roles of the parameters are in ``alvh.market.surface`` (the model) and
``alvh.market.surface_regime`` (the regime terms); docs/calibration.md says where the shipped
values come from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Final

from alvh.errors import DataFormatError, PricingError
from alvh.market.rates import DEFAULT_DIV_YIELD


@dataclass(frozen=True)
class SurfaceParams:
    """Parameters of the SPX surface model (their roles: ``alvh.market.surface``).

    Attributes
    ----------
    vix_atm_ratio
        ATM implied vol as a fraction of the VIX-family index at the same tenor.
    eta_ref
        SSVI power-law level ``eta`` when SKEW equals ``skew_ref``.
    gamma
        Power-law exponent: the ATM skew scales as ``T^(-gamma)`` for short expiries.
    rho
        SSVI correlation parameter (negative: put skew).
    skew_beta
        Log change of ``eta`` per 10 points of the CBOE SKEW index above ``skew_ref``.
    skew_ref
        SKEW level at which ``eta = eta_ref`` (used when SKEW is unknown).
    div_yield
        Continuous S&P 500 dividend yield (decimal), see ``alvh.market.rates``.
    max_atm_gap_pts
        Largest gap, in vol points, between an index and the ATM vol derived from it (a cap on
        the ratio's effect at high VIX; the regime terms below make the cap rarely bind).
    ratio_vix_beta, ratio_term_beta
        Regime terms of the ATM ratio: ``ratio = vix_atm_ratio + ratio_vix_beta ln(VIX/vix_ref)
        + ratio_term_beta ln(VIX/VIX3M)`` (clipped to [0.4, 1.2]).
    eta_vix_beta
        Regime term of ``eta``: times ``exp(eta_vix_beta ln(VIX/vix_ref))``.
    rho_vix_beta, rho_term_beta
        Regime terms of ``rho``: ``tanh(atanh(rho) + rho_vix_beta ln(VIX/vix_ref) +
        rho_term_beta ln(VIX/VIX3M))``; a more negative ``rho`` in stress lowers the call wing.
    vix_ref
        VIX level at which the regime terms vanish.
    """

    vix_atm_ratio: float
    eta_ref: float
    gamma: float
    rho: float
    skew_beta: float
    skew_ref: float = 130.0
    div_yield: float = DEFAULT_DIV_YIELD
    max_atm_gap_pts: float = 3.0
    ratio_vix_beta: float = 0.0
    ratio_term_beta: float = 0.0
    eta_vix_beta: float = 0.0
    rho_vix_beta: float = 0.0
    rho_term_beta: float = 0.0
    vix_ref: float = 20.0

    def __post_init__(self) -> None:
        if not 0.0 < self.gamma <= 0.5:
            raise PricingError(f"SurfaceParams.gamma = {self.gamma}; expected 0 < gamma <= 0.5")
        if not -1.0 < self.rho < 1.0:
            raise PricingError(f"SurfaceParams.rho = {self.rho}; expected -1 < rho < 1")
        if self.eta_ref <= 0.0 or self.vix_atm_ratio <= 0.0:
            raise PricingError("SurfaceParams.eta_ref and vix_atm_ratio must be positive")


# Fitted by scripts/calibrate_surface.py (run 2026-11-20) on the 18 January-2018 SPXW quote dates
# with at least 3 days to expiry (2018-01-02 .. 2018-01-26, expiry 2018-01-31), gamma held at 1/2,
# no regime terms. Kept to compare against (docs/calibration.md, "before").
LEGACY_SURFACE_PARAMS: Final = SurfaceParams(
    vix_atm_ratio=0.7677,
    eta_ref=1.2250,
    gamma=0.5,
    rho=-0.3753,
    skew_beta=0.1595,
    skew_ref=130.0,
    div_yield=DEFAULT_DIV_YIELD,
)

SURFACE_PARAMS_FILE: Final = Path(__file__).with_name("surface_params.json")
"""The versioned fitted parameters shipped with the package (``scripts/calibrate_regimes.py``)."""


def load_surface_params(path: Path | None = None) -> SurfaceParams:
    """Return the parameters stored in ``path`` (default ``SURFACE_PARAMS_FILE``).

    The file is JSON: ``{"version", "note", "data_id", "params": {field: value}}``.

    Raises
    ------
    DataFormatError
        If the file is not that shape or a field is unknown.
    """
    p = path or SURFACE_PARAMS_FILE
    try:
        doc = json.loads(p.read_text())
        values = doc["params"]
        known = {f.name for f in fields(SurfaceParams)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise DataFormatError(p, None, "params", unknown, f"fields of SurfaceParams: {known}")
        return SurfaceParams(**{k: float(v) for k, v in values.items()})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(p, None, None, str(exc), "a surface parameters JSON file") from None


def save_surface_params(
    params: SurfaceParams, note: str, data_id: str, path: Path | None = None
) -> None:
    """Write ``params`` with where they came from (``note``, ``data_id``) as JSON."""
    doc = {
        "version": 2,
        "note": note,
        "data_id": data_id,
        "params": {k: round(float(v), 6) for k, v in asdict(params).items()},
    }
    (path or SURFACE_PARAMS_FILE).write_text(json.dumps(doc, indent=2) + "\n")


DEFAULT_SURFACE_PARAMS: Final = (
    load_surface_params() if SURFACE_PARAMS_FILE.is_file() else LEGACY_SURFACE_PARAMS
)
"""The parameters every surface uses unless told otherwise: the shipped fit."""
