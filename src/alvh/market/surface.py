"""The SPX implied-volatility surface implied by what a ``MarketSnapshot`` knows.

Every public name of the surface is importable from here; the code lives in
``surface_params`` (parameters, the shipped JSON), ``surface_regime`` (the day's regime terms),
``surface_ssvi`` (SSVI slice, ATM term structure, time conventions), ``surface_smile`` (the
``SmileSurface`` protocol, greeks, strike by delta), this module (``SpxVolSurface``, one day)
and ``surface_panel`` (``SurfacePanel``, many days, and ``daily_inputs``).

Model (fitted by ``scripts/calibrate_regimes.py``, see docs/calibration.md):

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

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alvh._typing import ArrayLike, Float64Array, Int64Array
from alvh.errors import NoDataError
from alvh.kernel import ssvi as _ssvi
from alvh.kernel._numba import HAVE_NUMBA
from alvh.kernel._scalar import atm_theta_one
from alvh.kernel.black import Greeks
from alvh.market.rates import CarryCurve
from alvh.market.surface_params import (
    DEFAULT_SURFACE_PARAMS,
    LEGACY_SURFACE_PARAMS,
    SURFACE_PARAMS_FILE,
    SurfaceParams,
    load_surface_params,
    save_surface_params,
)
from alvh.market.surface_regime import day_eta, regime_terms, regime_terms_one
from alvh.market.surface_smile import SmileSurface, solve_strike_for_delta, spot_greeks
from alvh.market.surface_ssvi import (
    _AM_SETTLE_NS,
    _CLOSE_NS,
    _DAY_NS,
    _EPOCH_ORDINAL,
    _MIN_T_YEARS,
    _PHI_CAP_MARGIN,
    VIX_TENORS_DAYS,
    AtmTermStructure,
    capped_phi,
    is_am_settled,
    power_law_phi,
    ssvi_total_variance,
    t_years_between,
)

if TYPE_CHECKING:
    from alvh.market.snapshot import MarketSnapshot


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

        Notes
        -----
        A surface is a function of what the snapshot knows (its data and ``as_of``) and of
        ``params`` only, and ``MarketData`` does not change once built; so each is built once
        per (data, ``as_of``, ``params``) and kept by the data: a sweep's next config on the
        same data, or a second run, reads the surfaces of the first (docs/engine.md, "Speed").
        """
        built = snap.data._surfaces
        key = (snap.as_of.value, params)
        surf = built.get(key)
        if surf is None:
            surf = built[key] = cls._build(snap, params)
        return surf

    @classmethod
    def _build(cls, snap: MarketSnapshot, params: SurfaceParams) -> SpxVolSurface:
        """Build the day's surface (``from_snapshot`` without its memo)."""
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
        ratio, eta, rho = regime_terms_one(params, vix_bar[1], vix3m, skew_index)
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
        par, nodes = self._kernel_args()
        return _ssvi.iv(par, nodes, t.ravel(), k.ravel()).reshape(t.shape)

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
        # Dates become integer day numbers here (proleptic ordinals, day 0 of the clock being
        # the epoch's); the kernel sees integers only.
        ordinals = np.ascontiguousarray(expiry_ordinal, dtype=np.int64)
        am = np.ascontiguousarray(am_settled, dtype=bool)
        par, nodes = self._kernel_args()
        val_ns = self.valuation_time.value
        return _ssvi.atm_vols_at_days(
            par, nodes, val_ns, ordinals, _EPOCH_ORDINAL, am, _AM_SETTLE_NS, _CLOSE_NS, out
        )

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
        par, nodes = self._kernel_args()
        rows = _ssvi.greeks_iv(par, nodes, t.ravel(), k.ravel(), c.ravel()).reshape((6, *t.shape))
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
        # Dates become integer day numbers (proleptic ordinals; the kernel sees integers only):
        # arrays in, or one expiry for every strike (np.full: broadcast_to costs ~2 us).
        if isinstance(expiry_ordinal, np.ndarray):
            ordinals = np.ascontiguousarray(expiry_ordinal, dtype=np.int64)
        else:
            ordinals = np.full(n, expiry_ordinal, dtype=np.int64)
        if isinstance(am_settled, np.ndarray):
            am = np.ascontiguousarray(am_settled, dtype=bool)
        else:
            am = np.full(n, am_settled, dtype=bool)
        c = np.ascontiguousarray(is_call, dtype=bool)
        par, nodes = self._kernel_args()
        val_ns = self.valuation_time.value
        out = _ssvi.greeks_iv_at_days(
            par, nodes, val_ns, ordinals, _EPOCH_ORDINAL, am, _AM_SETTLE_NS, _CLOSE_NS, k, c
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
        par, nodes = self._kernel_args()
        out = _ssvi.grid_scores(par, nodes, float(t_years), k)
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


# The many-day panel builds SpxVolSurface objects (imported there when called), so it is
# re-exported here after the class exists.
from alvh.market.surface_panel import SurfacePanel, daily_inputs  # noqa: E402

__all__ = [
    "DEFAULT_SURFACE_PARAMS",
    "LEGACY_SURFACE_PARAMS",
    "SURFACE_PARAMS_FILE",
    "VIX_TENORS_DAYS",
    "AtmTermStructure",
    "SmileSurface",
    "SpxVolSurface",
    "SurfacePanel",
    "SurfaceParams",
    "capped_phi",
    "daily_inputs",
    "day_eta",
    "is_am_settled",
    "load_surface_params",
    "power_law_phi",
    "regime_terms",
    "regime_terms_one",
    "save_surface_params",
    "solve_strike_for_delta",
    "spot_greeks",
    "ssvi_total_variance",
    "t_years_between",
]
