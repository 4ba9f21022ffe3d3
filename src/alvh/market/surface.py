"""The SPX implied-volatility surface implied by what a ``MarketSnapshot`` knows.

Model (fitted on real SPXW chains by ``scripts/calibrate_surface.py``, see docs/calibration.md):

1. **ATM level.** The VIX-family indices are variance-swap levels at fixed tenors (VIX9D 9 days,
   VIX 30, VIX3M 93, VIX6M 182; those not known on the snapshot's day are skipped). Each becomes
   an ATM vol ``max(vix_atm_ratio * index, index - max_atm_gap_pts) / 100`` -- a variance swap prices the whole smile, and with
   SPX's put skew it sits above ATM vol (SPEC 5) -- and ATM total variance ``theta = vol^2 T`` is
   interpolated linearly in ``T`` between tenors. Node total variances are made non-decreasing
   first (a calendar-arbitrage guard for a steeply inverted term structure). Outside the quoted
   tenor range the variance *rate* is held flat: ``theta(T) = vol_node^2 T`` with the nearest
   node's vol, i.e. flat implied ATM vol.
2. **Smile.** SSVI (Gatheral and Jacquier 2014) with the power-law ``phi``::

       w(k, theta) = theta / 2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)),
       phi(theta)  = eta / (theta^gamma (1 + theta)^(1 - gamma)),

   ``k = ln(K / F)``. The ATM skew ``d vol / d k`` is ``rho phi sqrt(theta) / (2 sqrt T)``; for
   small ``theta`` it scales as ``T^(-gamma)``, so ``gamma = 1/2`` is the "~1/sqrt(T)" of SPX.
   ``eta`` rises with the CBOE SKEW index: ``eta = eta_ref exp(skew_beta (SKEW - skew_ref)/10)``.
3. **No arbitrage.** ``phi`` is capped at ``0.999 min(4 / (theta (1 + |rho|)),
   sqrt(4 / (theta (1 + |rho|))))``, so ``theta phi (1 + |rho|) < 4`` and
   ``theta phi^2 (1 + |rho|) <= 4`` hold at every ``theta``: no butterfly arbitrage
   (Gatheral-Jacquier Theorem 4.2). ``theta phi(theta)`` stays increasing under the cap and
   ``theta(T)`` is non-decreasing, which with ``0 < gamma <= 1/2`` rules out calendar arbitrage
   (their Theorem 4.1). The tests check both on grids (density >= 0, ``w`` increasing in ``T``).

Time convention: ``t_years`` = calendar time / 365 days, with the intraday fraction: the surface
values options at the SPX close (16:00 ET) of its day; PM-settled expiries (SPXW weeklies,
end-of-month) expire at 16:00 ET, AM-settled standard monthlies at the open, 09:30 ET (6.5 hours
less). ``SpxVolSurface.t_years(expiry)`` applies it.

Greeks are Black-76 on the forward at the smile vol of each strike (sticky strike), with delta
and gamma expressed per unit of SPX (spot) and theta holding spot, vol and rates fixed.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from alvh._typing import ArrayLike, Float64Array, Int64Array
from alvh.calendar.expiries import spx_monthly_expiry
from alvh.errors import DataFormatError, NoDataError, PricingError
from alvh.kernel._numba import HAVE_NUMBA
from alvh.kernel._scalar import (
    _atm_vols_at_expiries,
    _ssvi_delta_serial,
    _ssvi_greeks_at_expiries,
    _ssvi_greeks_serial,
    _ssvi_iv_serial,
    atm_theta_one,
)
from alvh.kernel.black import Greeks
from alvh.kernel.fast import black76_greeks  # compiled twin, pinned to the reference
from alvh.market.rates import DEFAULT_DIV_YIELD, CarryCurve

if TYPE_CHECKING:
    from alvh.market.data import MarketData
    from alvh.market.snapshot import MarketSnapshot

VIX_TENORS_DAYS: Final[tuple[tuple[str, int], ...]] = (
    ("VIX9D", 9),
    ("VIX", 30),
    ("VIX3M", 93),
    ("VIX6M", 182),
)
"""The VIX-family indices and their constant-maturity tenors in calendar days."""

_DAY_NS: Final = 86_400_000_000_000
_CLOSE_OFFSET: Final = pd.Timedelta(hours=16)
_AM_SETTLE_OFFSET: Final = pd.Timedelta(hours=9, minutes=30)
_CLOSE_NS: Final = _CLOSE_OFFSET.value
_AM_SETTLE_NS: Final = _AM_SETTLE_OFFSET.value
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MIN_T_YEARS: Final = 1e-6  # smiles need T > 0; ~30 seconds
_PHI_CAP_MARGIN: Final = 0.999  # strictly inside the no-butterfly bounds


@dataclass(frozen=True)
class SurfaceParams:
    """Parameters of the SPX surface model (see the module docstring for their roles).

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


def ssvi_total_variance(k: ArrayLike, theta: ArrayLike, phi: ArrayLike, rho: float) -> Float64Array:
    """Return SSVI total implied variance ``w(k, theta)`` (broadcasting).

    Parameters
    ----------
    k
        Log-moneyness ``ln(K / F)``.
    theta
        ATM total variance ``vol_atm^2 T``.
    phi
        Curvature ``phi(theta)``.
    rho
        Correlation parameter in (-1, 1).
    """
    k_, th, ph = (np.asarray(a, dtype=np.float64) for a in (k, theta, phi))
    pk = ph * k_
    return 0.5 * th * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))


def power_law_phi(theta: ArrayLike, eta: float, gamma: float) -> Float64Array:
    """Return the Gatheral-Jacquier power-law ``phi(theta) = eta theta^-g (1+theta)^(g-1)``."""
    th = np.asarray(theta, dtype=np.float64)
    return eta / (th**gamma * (1.0 + th) ** (1.0 - gamma))


def capped_phi(theta: ArrayLike, eta: float, gamma: float, rho: float) -> Float64Array:
    """Return the power-law ``phi`` capped inside the SSVI no-butterfly bounds (module doc)."""
    th = np.asarray(theta, dtype=np.float64)
    lim = 4.0 / (th * (1.0 + abs(rho)))
    cap = _PHI_CAP_MARGIN * np.minimum(lim, np.sqrt(lim))
    return np.minimum(power_law_phi(th, eta, gamma), cap)


def t_years_between(
    valuation: pd.Timestamp, expiry: date | pd.Timestamp, am_settled: bool
) -> float:
    """Return the year fraction (ACT/365 with intraday time) from ``valuation`` to expiry.

    Parameters
    ----------
    valuation
        Naive US/Eastern valuation time (the surface uses its day's 16:00 ET close).
    expiry
        Expiration date.
    am_settled
        True for AM-settled options (they expire at 09:30 ET), False for PM-settled (16:00 ET).
    """
    start = pd.Timestamp(expiry).normalize()
    end = start + (_AM_SETTLE_OFFSET if am_settled else _CLOSE_OFFSET)
    return (end.value - pd.Timestamp(valuation).value) / (365.0 * _DAY_NS)


def is_am_settled(expiry: date | pd.Timestamp) -> bool:
    """Return whether ``expiry`` is a standard AM-settled SPX monthly (third-Friday) expiration.

    Every other SPX expiration is taken as PM-settled (SPXW). PM-settled SPXW contracts on the
    third Friday exist too; callers pricing those pass ``am_settled=False`` explicitly.
    """
    ts = pd.Timestamp(expiry)
    return ts.date() == spx_monthly_expiry(ts.year, ts.month)


@dataclass(frozen=True)
class AtmTermStructure:
    """ATM total variance ``theta(T)`` from VIX-family nodes (see the module docstring).

    Attributes
    ----------
    t_nodes
        Node tenors in years, increasing.
    w_nodes
        ATM total variance at the nodes, non-decreasing.
    """

    t_nodes: Float64Array
    w_nodes: Float64Array

    def theta(self, t_years: ArrayLike) -> Float64Array:
        """Return ATM total variance at ``t_years`` (flat vol outside the node range)."""
        t = np.maximum(np.asarray(t_years, dtype=np.float64), _MIN_T_YEARS)
        tn, wn = self.t_nodes, self.w_nodes
        inside = np.interp(t, tn, wn)
        below = t * (wn[0] / tn[0])
        above = t * (wn[-1] / tn[-1])
        return np.where(t < tn[0], below, np.where(t > tn[-1], above, inside))


@dataclass(frozen=True)
class SpxVolSurface:
    """Model SPX implied volatility, forward and discounting for one day.

    Build with ``SpxVolSurface.from_snapshot``. All methods broadcast over numpy arrays.

    Attributes
    ----------
    spot
        SPX close of the surface's day.
    as_of
        The snapshot time the surface was built from.
    valuation_time
        16:00 ET of the SPX close's date: the origin of ``t_years``.
    carry
        Rate and dividend yield.
    atm
        ATM total-variance term structure.
    eta
        SSVI ``eta`` of the day (after the SKEW adjustment; ``phi`` is capped separately).
    params
        The model parameters used.
    skew_index
        The CBOE SKEW close used (NaN when unknown; ``eta_ref`` applies then).
    rho
        SSVI ``rho`` of the day (after the regime terms); NaN at construction means
        ``params.rho``.
    """

    def __post_init__(self) -> None:
        if math.isnan(self.rho):
            object.__setattr__(self, "rho", self.params.rho)

    spot: float
    as_of: pd.Timestamp
    valuation_time: pd.Timestamp
    carry: CarryCurve
    atm: AtmTermStructure
    eta: float
    params: SurfaceParams = field(repr=False)
    skew_index: float = math.nan
    rho: float = math.nan
    _packed: tuple[Float64Array, Float64Array] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_snapshot(
        cls, snap: MarketSnapshot, params: SurfaceParams = DEFAULT_SURFACE_PARAMS
    ) -> SpxVolSurface:
        """Build the day's surface from SPX, the VIX family, SKEW and rates known at ``snap``.

        Raises
        ------
        NoDataError
            If SPX, VIX or a rate (IRX or DFF) is not known at ``snap.as_of``.
        """
        spx = snap.last_bar("SPX")
        if spx is None:
            raise NoDataError(f"no SPX bar known at {snap.as_of}")
        day_ns, spot = spx
        vix_bar = snap.last_bar("VIX")
        if vix_bar is None:
            raise NoDataError(f"no VIX close known at {snap.as_of}; the SPX surface needs it")
        vix3m_bar = snap.last_bar("VIX3M")
        vix3m = vix3m_bar[1] if vix3m_bar is not None and vix3m_bar[0] == vix_bar[0] else math.nan
        skew = snap.last_bar("SKEW")
        skew_index = math.nan if skew is None else skew[1]
        ratio, eta, rho = _regime_terms_one(params, vix_bar[1], vix3m, skew_index)
        t_nodes: list[float] = []
        vols: list[float] = []
        for symbol, days in VIX_TENORS_DAYS:
            # A node counts only if quoted on the SPX day: VIX6M stops in 2021 in real data,
            # and a stale close would pin the long end to a years-old level.
            bar = snap.last_bar(symbol)
            if bar is not None and bar[0] == day_ns:
                t_nodes.append(days / 365.0)
                level = bar[1]
                atm_pts = max(ratio * level, level - params.max_atm_gap_pts)
                vols.append(atm_pts / 100.0)
        if not t_nodes:
            day = pd.Timestamp(day_ns)
            raise NoDataError(f"no VIX close for {day.date()} known at {snap.as_of}")
        t_arr = np.asarray(t_nodes)
        w_arr = np.maximum.accumulate(np.asarray(vols) ** 2 * t_arr)
        return cls(
            spot=spot,
            as_of=snap.as_of,
            valuation_time=pd.Timestamp(day_ns - day_ns % _DAY_NS + _CLOSE_NS),
            carry=CarryCurve.from_snapshot(snap, params.div_yield),
            atm=AtmTermStructure(t_arr, w_arr),
            eta=eta,
            params=params,
            skew_index=skew_index,
            rho=rho,
        )

    # -- carry --------------------------------------------------------------------------
    def t_years(self, expiry: date | pd.Timestamp, am_settled: bool | None = None) -> float:
        """Return the year fraction to ``expiry`` (AM/PM inferred when ``am_settled`` is None)."""
        am = is_am_settled(expiry) if am_settled is None else am_settled
        return t_years_between(self.valuation_time, expiry, am)

    def t_years_of_ordinals(self, expiry_ordinal: ArrayLike, am_settled: ArrayLike) -> Float64Array:
        """Return ``t_years`` of expiries given as proleptic ordinals (``date.toordinal``).

        Vectorised twin of ``t_years`` (same integer nanoseconds, so the same floats) for the
        engine's daily marking, which holds expiries as ordinals.
        """
        if isinstance(expiry_ordinal, int):  # one expiry: plain integers, no array overhead
            offset_ns = _AM_SETTLE_NS if am_settled else _CLOSE_NS
            end = (expiry_ordinal - _EPOCH_ORDINAL) * _DAY_NS + offset_ns
            return np.float64((end - self.valuation_time.value) / (365.0 * _DAY_NS))
        o = np.asarray(expiry_ordinal, dtype=np.int64)
        offset = np.where(np.asarray(am_settled, dtype=bool), _AM_SETTLE_NS, _CLOSE_NS)
        end_ns = (o - _EPOCH_ORDINAL) * _DAY_NS + offset
        return (end_ns - self.valuation_time.value) / (365.0 * _DAY_NS)

    def forward(self, t_years: ArrayLike) -> Float64Array:
        """Return the SPX forward to ``t_years``."""
        return self.carry.forward(self.spot, t_years)

    def discount(self, t_years: ArrayLike) -> Float64Array:
        """Return the discount factor to ``t_years``."""
        return self.carry.discount(t_years)

    # -- vols ---------------------------------------------------------------------------
    def total_variance(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array:
        """Return SSVI total implied variance at ``(t_years, strikes)`` (broadcasting)."""
        t = np.maximum(np.asarray(t_years, dtype=np.float64), _MIN_T_YEARS)
        k = np.log(np.asarray(strikes, dtype=np.float64) / self.forward(t))
        theta = self.atm.theta(t)
        phi = capped_phi(theta, self.eta, self.params.gamma, self.rho)
        return ssvi_total_variance(k, theta, phi, self.rho)

    def iv(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array:
        """Return implied vols (decimal) at ``(t_years, strikes)`` (broadcasting)."""
        if not HAVE_NUMBA:
            return self.iv_reference(t_years, strikes)
        t, k = np.broadcast_arrays(
            np.asarray(t_years, dtype=np.float64), np.asarray(strikes, dtype=np.float64)
        )
        out = np.empty(t.size)
        par, nodes = self._kernel_args()
        _ssvi_iv_serial(par, nodes, t.ravel(), k.ravel(), out)
        return out.reshape(t.shape)

    def iv_reference(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array:
        """Return ``iv`` by the numpy formulas (the reference the compiled path is pinned to)."""
        t = np.maximum(np.asarray(t_years, dtype=np.float64), _MIN_T_YEARS)
        return np.sqrt(self.total_variance(t, strikes) / t)

    def atm_vol(self, t_years: ArrayLike) -> Float64Array:
        """Return the at-the-money-forward implied vol at ``t_years``."""
        t = np.maximum(np.asarray(t_years, dtype=np.float64), _MIN_T_YEARS)
        return np.sqrt(self.atm.theta(t) / t)

    def atm_vol_one(self, t_years: float) -> float:
        """Return ``float(atm_vol(t_years))`` for one tenor, the same float without numpy's
        per-call cost (the hedge's view asks for a few condors' expiries every session)."""
        t = max(float(t_years), _MIN_T_YEARS)
        return math.sqrt(atm_theta_one(t, self.atm.t_nodes, self.atm.w_nodes, _MIN_T_YEARS) / t)

    def atm_vols_of_ordinals(
        self, expiry_ordinal: Int64Array, am_settled: np.ndarray, out: Float64Array | None = None
    ) -> Float64Array:
        """Return ``atm_vol(t_years_of_ordinals(expiry_ordinal, am_settled))`` in one compiled
        pass, the same floats (the hedge's view asks for its condors' expiries every session).

        Parameters
        ----------
        expiry_ordinal
            Expiries as proleptic ordinals (``date.toordinal``), a 1-D array.
        am_settled
            Whether each expiry is AM-settled, aligned with ``expiry_ordinal``.
        out
            Where to write the vols (a 1-D float array of the same length), if given.
        """
        if not HAVE_NUMBA:
            vols = self.atm_vol(self.t_years_of_ordinals(expiry_ordinal, am_settled))
            if out is None:
                return vols
            out[:] = vols
            return out
        ordinals = np.ascontiguousarray(expiry_ordinal, dtype=np.int64)
        am = np.ascontiguousarray(am_settled, dtype=bool)
        if out is None:
            out = np.empty(ordinals.shape[0])
        par, nodes = self._kernel_args()
        val_ns = self.valuation_time.value
        _atm_vols_at_expiries(par, nodes, val_ns, ordinals, am, _AM_SETTLE_NS, _CLOSE_NS, out)
        return out

    # -- pricing ------------------------------------------------------------------------
    def greeks(self, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike) -> Greeks:
        """Return price and greeks per unit of SPX at the smile vol of each strike."""
        return self.greeks_iv(t_years, strikes, is_call)[0]

    def greeks_iv(
        self, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike
    ) -> tuple[Greeks, Float64Array]:
        """Return (``greeks``, the smile vols they used) in one compiled pass.

        Same numbers as ``spot_greeks`` with ``iv`` (the tests pin them to ~1e-12), without
        the numpy temporaries: a session marks a few dozen options, so fixed costs dominate.
        """
        if not HAVE_NUMBA:
            return spot_greeks(self, t_years, strikes, is_call), self.iv_reference(t_years, strikes)
        t, k, c = np.broadcast_arrays(
            np.asarray(t_years, dtype=np.float64),
            np.asarray(strikes, dtype=np.float64),
            np.asarray(is_call, dtype=bool),
        )
        out = np.empty((6, t.size))
        par, nodes = self._kernel_args()
        _ssvi_greeks_serial(par, nodes, t.ravel(), k.ravel(), c.ravel(), out)
        rows = out.reshape((6, *t.shape))
        return Greeks(rows[0], rows[1], rows[2], rows[3], rows[4]), rows[5]

    def greeks_iv_of_ordinals(
        self,
        expiry_ordinal: Int64Array | int,
        am_settled: np.ndarray | bool,
        strikes: Float64Array,
        is_call: np.ndarray,
    ) -> tuple[Greeks, Float64Array]:
        """Return ``greeks_iv`` at ``t_years_of_ordinals(expiry_ordinal, am_settled)``.

        One compiled pass from the expiries to the greeks (the same floats as the two calls):
        what the engine's daily marking of every open leg and its fill quotes use.

        Parameters
        ----------
        expiry_ordinal
            Expiries as proleptic ordinals (``date.toordinal``), one per strike or one for all.
        am_settled
            Whether each expiry is AM-settled (one per strike or one for all).
        strikes
            Strikes, a 1-D array.
        is_call
            Whether each option is a call, aligned with ``strikes``.
        """
        if not HAVE_NUMBA:
            return self.greeks_iv(
                self.t_years_of_ordinals(expiry_ordinal, am_settled), strikes, is_call
            )
        k = np.ascontiguousarray(strikes, dtype=np.float64)
        n = k.shape[0]
        # Arrays in, or one expiry for every strike (np.full: broadcast_to costs ~2 us).
        if isinstance(expiry_ordinal, np.ndarray):
            ordinals = np.ascontiguousarray(expiry_ordinal, dtype=np.int64)
        else:
            ordinals = np.full(n, expiry_ordinal, dtype=np.int64)
        if isinstance(am_settled, np.ndarray):
            am = np.ascontiguousarray(am_settled, dtype=bool)
        else:
            am = np.full(n, am_settled, dtype=bool)
        c = np.ascontiguousarray(is_call, dtype=bool)
        out = np.empty((6, n))
        par, nodes = self._kernel_args()
        val_ns = self.valuation_time.value
        _ssvi_greeks_at_expiries(
            par, nodes, val_ns, ordinals, am, _AM_SETTLE_NS, _CLOSE_NS, k, c, out
        )
        return Greeks(out[0], out[1], out[2], out[3], out[4]), out[5]

    def grid_scores(
        self, t_years: float, strikes: Float64Array
    ) -> tuple[float, Float64Array, Float64Array, Float64Array] | None:
        """Return (forward, smile vols, d1, N(d1)) over one expiry's strike grid, compiled.

        What ``alvh.strategy.condor.select_strikes`` computes from ``iv`` and ``forward``
        (``N(d1)`` is the undiscounted call delta); None without numba, and the caller then
        computes them itself.
        """
        if not HAVE_NUMBA or not t_years > 0.0:
            return None
        k = np.ascontiguousarray(strikes, dtype=np.float64)
        out = np.empty((3, k.shape[0]))
        par, nodes = self._kernel_args()
        _ssvi_delta_serial(par, nodes, float(t_years), k, out)
        fwd = float(self.spot * math.exp((self.carry.rate - self.carry.div_yield) * t_years))
        return fwd, out[0], out[1], out[2]

    def _kernel_args(self) -> tuple[Float64Array, Float64Array]:
        """The surface packed for the compiled loops (built once per surface)."""
        packed = self._packed
        if packed is None:
            p = self.params
            par = np.array(
                [
                    self.spot,
                    self.carry.rate,
                    self.carry.div_yield,
                    self.eta,
                    p.gamma,
                    self.rho,
                    _MIN_T_YEARS,
                    _PHI_CAP_MARGIN,
                ]
            )
            nodes = np.empty((2, self.atm.t_nodes.shape[0]))  # np.stack costs ~5 us
            nodes[0], nodes[1] = self.atm.t_nodes, self.atm.w_nodes
            packed = (par, nodes)
            object.__setattr__(self, "_packed", packed)  # a cache on a frozen dataclass
        return packed

    def strike_for_delta(self, t_years: float, target_delta: float, is_call: bool) -> float:
        """Return the strike whose spot delta on the smile equals ``target_delta``.

        ``target_delta`` may be given as a magnitude (0.16) or signed (-0.16 for a put).

        Raises
        ------
        PricingError
            If ``|target_delta|`` is not reachable (outside (0, exp(-q T)) for this expiry).
        """
        return solve_strike_for_delta(self, t_years, target_delta, is_call)


class SmileSurface(Protocol):
    """What the engine needs from any SPX surface, model (``SpxVolSurface``) or quotes."""

    @property
    def spot(self) -> float: ...
    @property
    def as_of(self) -> pd.Timestamp: ...

    def forward(self, t_years: ArrayLike) -> Float64Array: ...
    def discount(self, t_years: ArrayLike) -> Float64Array: ...
    def iv(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array: ...
    def atm_vol(self, t_years: ArrayLike) -> Float64Array: ...
    def t_years(self, expiry: date | pd.Timestamp, am_settled: bool | None = None) -> float: ...


def day_eta(params: SurfaceParams, skew_index: float) -> float:
    """Return the day's SSVI ``eta``, scaled by the SKEW index (``eta_ref`` if SKEW unknown).

    The SKEW term only; ``regime_terms`` adds the VIX term.
    """
    skew = params.skew_ref if math.isnan(skew_index) else skew_index
    return params.eta_ref * math.exp(params.skew_beta * (skew - params.skew_ref) / 10.0)


_RATIO_BOUNDS: Final = (0.4, 1.2)
_RHO_BOUND: Final = 0.98
_LOG_VIX_BOUNDS: Final = (-0.9, 1.6)
_SLOPE_BOUNDS: Final = (-0.4, 0.4)


def _regime_terms_one(
    params: SurfaceParams, vix: float, vix3m: float, skew_index: float
) -> tuple[float, float, float]:
    """``regime_terms`` for one day with ``math`` (the engine builds a surface every session;
    numpy's per-call cost would dominate). ``tests/market/test_surface_panel.py`` pins the two."""
    lv = min(max(math.log(vix / params.vix_ref), _LOG_VIX_BOUNDS[0]), _LOG_VIX_BOUNDS[1])
    slope = 0.0 if math.isnan(vix3m) else math.log(vix / vix3m)
    slope = min(max(slope, _SLOPE_BOUNDS[0]), _SLOPE_BOUNDS[1])
    ratio = params.vix_atm_ratio + params.ratio_vix_beta * lv + params.ratio_term_beta * slope
    ratio = min(max(ratio, _RATIO_BOUNDS[0]), _RATIO_BOUNDS[1])
    skew = params.skew_ref if math.isnan(skew_index) else skew_index
    eta = params.eta_ref * math.exp(
        params.skew_beta * (skew - params.skew_ref) / 10.0 + params.eta_vix_beta * lv
    )
    z = math.atanh(params.rho) + params.rho_vix_beta * lv + params.rho_term_beta * slope
    rho = min(max(math.tanh(z), -_RHO_BOUND), _RHO_BOUND)
    return ratio, eta, rho


def regime_terms(
    params: SurfaceParams, vix: ArrayLike, vix3m: ArrayLike, skew_index: ArrayLike
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Return the day's (ATM ratio, ``eta``, ``rho``) from what is known that day (broadcasting).

    Parameters
    ----------
    params
        Surface parameters (the regime coefficients are zero in the 2018 fit: constants then).
    vix, vix3m
        VIX and VIX3M closes of the day; a NaN VIX3M drops the term-structure terms.
    skew_index
        CBOE SKEW close (NaN: ``skew_ref``).

    Returns
    -------
    tuple of arrays
        ``ratio`` (clipped to [0.4, 1.2]), ``eta`` and ``rho`` (inside +-0.98).
    """
    v = np.asarray(vix, dtype=np.float64)
    v3 = np.asarray(vix3m, dtype=np.float64)
    sk = np.asarray(skew_index, dtype=np.float64)
    # Clipped to the range seen in 2006-2026 (ln(VIX/20) in [-0.78, 1.42], ln(VIX/VIX3M) in
    # [-0.34, 0.36]): never binding on real data, it stops the terms extrapolating.
    lv = np.clip(np.log(v / params.vix_ref), *_LOG_VIX_BOUNDS)
    slope = np.where(np.isnan(v3), 0.0, np.log(v / np.where(np.isnan(v3), 1.0, v3)))
    slope = np.clip(slope, *_SLOPE_BOUNDS)
    ratio = np.clip(
        params.vix_atm_ratio + params.ratio_vix_beta * lv + params.ratio_term_beta * slope,
        *_RATIO_BOUNDS,
    )
    skew = np.where(np.isnan(sk), params.skew_ref, sk)
    eta = params.eta_ref * np.exp(
        params.skew_beta * (skew - params.skew_ref) / 10.0 + params.eta_vix_beta * lv
    )
    z = math.atanh(params.rho) + params.rho_vix_beta * lv + params.rho_term_beta * slope
    rho = np.clip(np.tanh(z), -_RHO_BOUND, _RHO_BOUND)
    return ratio, eta, rho


def spot_greeks(
    surface: SmileSurface, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike
) -> Greeks:
    """Return Black-76 greeks at the surface's smile vols, delta/gamma per unit of spot.

    Black-76 delta is ``dV/dF``; with ``F = S exp((r - q) T)`` the spot delta is
    ``dV/dF * F/S`` and the spot gamma ``d2V/dF2 (F/S)^2``. Theta holds spot fixed, so it adds
    the forward's carry drift: ``theta_S = theta_F - dV/dF (r - q) F / 365`` with ``(r - q)``
    read off ``F/S``.
    """
    t = np.asarray(t_years, dtype=np.float64)
    f = surface.forward(t)
    df = surface.discount(t)
    vol = surface.iv(t, strikes)
    g = black76_greeks(f, strikes, t, vol, df, is_call)
    ratio = f / surface.spot
    with np.errstate(divide="ignore", invalid="ignore"):
        carry = np.where(t > 0.0, np.log(ratio) / np.where(t > 0.0, t, 1.0), 0.0)
    return Greeks(
        price=g.price,
        delta=g.delta * ratio,
        gamma=g.gamma * ratio * ratio,
        vega_per_vol_pt=g.vega_per_vol_pt,
        theta_per_day=g.theta_per_day - g.delta * carry * f / 365.0,
    )


def solve_strike_for_delta(
    surface: SmileSurface, t_years: float, target_delta: float, is_call: bool
) -> float:
    """Return the strike where the surface's spot delta equals ``target_delta`` (see method)."""
    t = max(float(t_years), _MIN_T_YEARS)
    f = float(surface.forward(t))
    df = float(surface.discount(t))
    spot_df = df * f / surface.spot  # = exp(-q T): the largest reachable |delta|
    target = abs(float(target_delta))
    if not 0.0 < target < spot_df:
        raise PricingError(
            f"target delta {target_delta} not reachable at t_years={t:.4f}; "
            f"expected 0 < |delta| < {spot_df:.4f}"
        )
    sd = float(surface.atm_vol(t)) * math.sqrt(t)

    def gap(k: float) -> float:
        kk = np.asarray(f * math.exp(k))
        d = spot_greeks(surface, t, kk, is_call).delta
        return abs(float(d)) - target

    # |delta| falls from ~exp(-qT) to 0 as the strike rises (calls) and rises for puts;
    # widen the bracket until it holds the root (smiles can be far wider than ATM vol).
    lo, hi = -6.0 * sd, 6.0 * sd
    for _ in range(8):
        if gap(lo) * gap(hi) < 0.0:
            break
        lo, hi = 2.0 * lo, 2.0 * hi
    else:
        raise PricingError(f"no strike with delta {target_delta} at t_years={t:.4f}")
    k_root = brentq(gap, lo, hi, xtol=1e-10, rtol=1e-12, maxiter=200)
    return f * math.exp(float(k_root))


# -- many days at once ------------------------------------------------------------------------
_PANEL_AS_OF: Final = pd.Timedelta(hours=16, minutes=15)  # the VIX family's close is known


@dataclass(frozen=True)
class SurfacePanel:
    """The model surface of many days as arrays: what ``from_snapshot`` builds, day by day.

    Each day ``i`` is the surface ``SpxVolSurface.from_snapshot`` builds at 16:15 ET of
    ``dates[i]`` (when the VIX family's closes are known); the tests pin the two together.
    Strategy replicas and fits evaluate thousands of (day, expiry, strike) triples in one call.

    Attributes
    ----------
    dates
        Session dates (midnight), increasing.
    spot
        SPX close per day.
    rate
        Continuous ACT/365 rate per day (IRX, else DFF, as ``CarryCurve.from_snapshot``).
    t_nodes
        VIX-family tenors in years (``VIX_TENORS_DAYS``).
    w_nodes
        ATM total variance per (day, node); NaN where the index was not quoted that day.
    eta, rho
        Per-day SSVI ``eta`` and ``rho`` (``regime_terms``).
    params
        The model parameters used.
    """

    dates: pd.DatetimeIndex
    spot: Float64Array
    rate: Float64Array
    t_nodes: Float64Array
    w_nodes: Float64Array
    eta: Float64Array
    rho: Float64Array
    params: SurfaceParams = field(repr=False)

    @classmethod
    def from_closes(
        cls,
        dates: pd.DatetimeIndex,
        spot: ArrayLike,
        rate: ArrayLike,
        indexes: dict[str, ArrayLike],
        skew_index: ArrayLike,
        params: SurfaceParams = DEFAULT_SURFACE_PARAMS,
    ) -> SurfacePanel:
        """Build from aligned per-day arrays.

        Parameters
        ----------
        dates
            Session dates.
        spot, rate
            SPX close and continuous rate per day.
        indexes
            Same-day closes of the VIX-family symbols in ``VIX_TENORS_DAYS`` (NaN: not quoted);
            ``"VIX"`` is required.
        skew_index
            Last known SKEW close per day (NaN: unknown).
        params
            Surface parameters.
        """
        n = len(dates)
        vix = np.asarray(indexes["VIX"], dtype=np.float64)
        nan = np.full(n, np.nan)
        vix3m = np.asarray(indexes.get("VIX3M", nan), dtype=np.float64)
        ratio, eta, rho = regime_terms(params, vix, vix3m, skew_index)
        t_nodes = np.array([days / 365.0 for _, days in VIX_TENORS_DAYS])
        w = np.full((n, t_nodes.shape[0]), np.nan)
        for j, (symbol, _) in enumerate(VIX_TENORS_DAYS):
            level = np.asarray(indexes.get(symbol, nan), dtype=np.float64)
            atm_pts = np.maximum(ratio * level, level - params.max_atm_gap_pts)
            w[:, j] = (atm_pts / 100.0) ** 2 * t_nodes[j]
        present = ~np.isnan(w)
        # Non-decreasing over the quoted nodes (fmax skips NaN), as from_snapshot does.
        w = np.where(present, np.fmax.accumulate(w, axis=1), np.nan)
        return cls(
            pd.DatetimeIndex(dates),
            np.asarray(spot, dtype=np.float64),
            np.asarray(rate, dtype=np.float64),
            t_nodes,
            w,
            np.broadcast_to(eta, (n,)).astype(np.float64),
            np.broadcast_to(rho, (n,)).astype(np.float64),
            params,
        )

    @classmethod
    def from_market(
        cls,
        data: MarketData,
        params: SurfaceParams = DEFAULT_SURFACE_PARAMS,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> SurfacePanel:
        """Build the panel of every SPX session of ``data`` in [start, end] with a VIX close."""
        inputs = daily_inputs(data, start, end)
        return cls.from_closes(
            pd.DatetimeIndex(inputs.index),
            inputs["SPX"].to_numpy(),
            inputs["rate"].to_numpy(),
            {s: inputs[s].to_numpy() for s, _ in VIX_TENORS_DAYS if s in inputs},
            inputs["SKEW"].to_numpy(),
            params,
        )

    def theta(self, day: Int64Array, t_years: ArrayLike) -> Float64Array:
        """Return ATM total variance of day ``day`` (row index) at ``t_years`` (broadcasting)."""
        d, t = np.broadcast_arrays(np.asarray(day, dtype=np.int64), np.asarray(t_years, float))
        t = np.maximum(t, _MIN_T_YEARS)
        w = self.w_nodes[d]  # (..., m)
        tn = self.t_nodes
        present = ~np.isnan(w)
        m = tn.shape[0]
        idx = np.arange(m)
        te = t[..., None]
        below = present & (tn <= te)
        above = present & (tn >= te)
        lo = np.where(below.any(-1), np.max(np.where(below, idx, -1), -1), -1)
        hi = np.where(above.any(-1), np.min(np.where(above, idx, m), -1), m)
        first = np.argmax(present, -1)
        last = m - 1 - np.argmax(present[..., ::-1], -1)
        take = np.take_along_axis
        w_first = take(w, first[..., None], -1)[..., 0]
        w_last = take(w, last[..., None], -1)[..., 0]
        lo_c, hi_c = np.clip(lo, 0, m - 1), np.clip(hi, 0, m - 1)
        w_lo = take(w, lo_c[..., None], -1)[..., 0]
        w_hi = take(w, hi_c[..., None], -1)[..., 0]
        t_lo, t_hi = tn[lo_c], tn[hi_c]
        span = np.where(hi_c > lo_c, t_hi - t_lo, 1.0)
        inside = np.where(hi_c > lo_c, w_lo + (w_hi - w_lo) * (t - t_lo) / span, w_lo)
        return np.where(
            lo < 0, t * (w_first / tn[first]), np.where(hi >= m, t * (w_last / tn[last]), inside)
        )

    def forward(self, day: Int64Array, t_years: ArrayLike) -> Float64Array:
        """Return the SPX forward of day ``day`` to ``t_years``."""
        d = np.asarray(day, dtype=np.int64)
        carry = self.rate[d] - self.params.div_yield
        return self.spot[d] * np.exp(carry * np.asarray(t_years, dtype=np.float64))

    def iv(self, day: Int64Array, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array:
        """Return model implied vols of day ``day`` at ``(t_years, strikes)`` (broadcasting)."""
        # The slice (theta, phi) depends on (day, t) only: compute it on their broadcast shape,
        # then spread over the strikes (a strike grid per expiry costs one slice per row).
        d, t = np.broadcast_arrays(
            np.asarray(day, dtype=np.int64), np.asarray(t_years, dtype=np.float64)
        )
        k = np.asarray(strikes, dtype=np.float64)
        tc = np.maximum(t, _MIN_T_YEARS)
        theta = self.theta(d, tc)
        rho = self.rho[d]
        eta = self.eta[d]
        g = self.params.gamma
        lim = 4.0 / (theta * (1.0 + np.abs(rho)))
        cap = _PHI_CAP_MARGIN * np.minimum(lim, np.sqrt(lim))
        phi = np.minimum(eta / (theta**g * (1.0 + theta) ** (1.0 - g)), cap)
        pk = phi * np.log(k / self.forward(d, tc))
        w = 0.5 * theta * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))
        return np.sqrt(w / tc)

    def greeks(
        self, day: Int64Array, t_years: ArrayLike, strikes: ArrayLike, is_call: ArrayLike
    ) -> tuple[Greeks, Float64Array]:
        """Return (Black-76 greeks per unit of SPX with spot delta, smile vols) per option.

        Expired options (``t_years <= 0``) get intrinsic value on the day's close.
        """
        vol = self.iv(day, t_years, strikes)
        d, t, k, c = np.broadcast_arrays(
            np.asarray(day, dtype=np.int64),
            np.asarray(t_years, dtype=np.float64),
            np.asarray(strikes, dtype=np.float64),
            np.asarray(is_call, dtype=bool),
        )
        f = self.forward(d, np.maximum(t, 0.0))
        df = np.exp(-self.rate[d] * np.maximum(t, 0.0))
        g = black76_greeks(f, k, t, vol, df, c)
        ratio = f / self.spot[d]
        return (
            Greeks(
                g.price, g.delta * ratio, g.gamma * ratio**2, g.vega_per_vol_pt, g.theta_per_day
            ),
            vol,
        )

    def surface(self, day: int) -> SpxVolSurface:
        """Return day ``day`` as an ``SpxVolSurface`` (for code that wants one day's object)."""
        present = ~np.isnan(self.w_nodes[day])
        ts = self.dates[day]
        return SpxVolSurface(
            spot=float(self.spot[day]),
            as_of=ts + _PANEL_AS_OF,
            valuation_time=ts.normalize() + _CLOSE_OFFSET,
            carry=CarryCurve(float(self.rate[day]), self.params.div_yield),
            atm=AtmTermStructure(self.t_nodes[present], self.w_nodes[day][present]),
            eta=float(self.eta[day]),
            params=self.params,
            rho=float(self.rho[day]),
        )


def daily_inputs(
    data: MarketData,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Return per-session model inputs known at 16:15 ET of each SPX session with a VIX close.

    Columns: ``SPX`` (close), ``SPX_open`` (NaN when the data has none), the VIX-family closes
    of the same date (NaN when not quoted that day), ``SKEW`` (last known), ``rate``
    (continuous, IRX else DFF, last known) and ``rate_source``.
    """
    bars = data.tables["index_bars"]
    wide = bars.pivot_table(index="date", columns="symbol", values="close", aggfunc="last")
    spx = bars[bars["symbol"] == "SPX"].set_index("date")
    out = pd.DataFrame(index=pd.DatetimeIndex(spx.index, name="date"))
    out["SPX"] = spx["close"].astype(float)
    out["SPX_open"] = spx["open"].astype(float)
    for symbol, _ in VIX_TENORS_DAYS:
        out[symbol] = wide[symbol].reindex(out.index) if symbol in wide else np.nan
    out["SKEW"] = (
        wide["SKEW"].reindex(wide.index).ffill().reindex(out.index) if "SKEW" in wide else np.nan
    )
    out = out[out["VIX"].notna()]
    as_of = pd.Series(out.index + _PANEL_AS_OF, index=out.index)
    rates = data.tables["rates"]
    out["rate"] = np.nan
    out["rate_source"] = ""
    for series, convert in (("DFF", _dff_to_cc), ("IRX", _irx_to_cc)):
        r = rates[rates["series"] == series].sort_values("known_at")
        if r.empty:
            continue
        known = pd.merge_asof(
            as_of.rename("as_of").reset_index(),
            r[["known_at", "value_pct"]],
            left_on="as_of",
            right_on="known_at",
        )["value_pct"].to_numpy(np.float64)
        ok = ~np.isnan(known)
        out.loc[ok, "rate"] = convert(known[ok])  # IRX overrides DFF where known
        out.loc[ok, "rate_source"] = series
    if start is not None:
        out = out[out.index >= pd.Timestamp(start)]
    if end is not None:
        out = out[out.index <= pd.Timestamp(end)]
    if out.empty or out["rate"].isna().any():
        raise NoDataError("daily_inputs: no sessions in range, or a session without IRX/DFF rate")
    return out


def _irx_to_cc(discount_yield_pct: Float64Array) -> Float64Array:
    """Vectorised ``tbill_discount_yield_to_cc`` (13-week bill)."""
    return -np.log(1.0 - discount_yield_pct / 100.0 * 91 / 360.0) / (91 / 365.0)


def _dff_to_cc(rate_pct: Float64Array) -> Float64Array:
    """Vectorised ``money_market_to_cc``."""
    return 365.0 * np.log1p(rate_pct / 100.0 / 360.0)
