"""Pure iron-condor rules: expiry choice, strike selection, sizing and exits.

Each function takes plain numbers (and a surface that answers ``iv``/``greeks``/``forward``)
and returns a decision with its reason; none trades. The engine maps config fields to these
arguments, so the rules can be tested on fixture numbers by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd
from scipy.special import ndtr

from alvh._typing import ArrayLike, Float64Array, Int64Array
from alvh.kernel.select import nearest_masked

STRIKE_GRID_PTS = 5.0
# Leg order: long put, short put, short call, long call; signs of a short condor.
LEG_SIGN = np.array([1.0, -1.0, -1.0, 1.0])
LEG_IS_CALL = np.array([False, False, True, True])


@dataclass(frozen=True)
class TierRules:
    """Entry, selection, sizing and exit rules of one condor tier."""

    name: str
    dte_min: int
    dte_max: int
    dte_target: int | None = None
    product: Literal["spx", "spxw", "any"] = "spxw"  # "any": SPX monthlies and SPXW together
    entry_weekday: int | None = 0  # Monday=0; None with entry_every_sessions or monthly
    entry_every_sessions: int | None = None
    entry_monthly: bool = False  # CNDR: enter on the standard monthly expiry cycle
    strike_method: Literal["delta", "pop", "sd", "atm"] = "delta"
    strike_value: float = 0.16
    wing_method: Literal["width", "delta", "pct_otm"] = "width"
    wing_value: float = 50.0
    risk_pct_of_equity: float = 5.0
    max_open_condors: int = 4
    max_contracts: int | None = None
    collateral_multiple: float | None = None  # index-style sizing (CNDR/BFLY: 10), else None
    strike_reference: Literal["close", "cboe_1100"] = "close"  # SPX level for atm / pct_otm
    profit_target_pct: float | None = 50.0
    stop_multiple: float | None = 2.0
    exit_dte: int | None = None
    exit_on_touch: bool = False


@dataclass(frozen=True)
class EventRules:
    """What to do around macro events."""

    kinds: tuple[str, ...] = ("FOMC", "CPI", "PPI")
    sessions_before: int = 0
    sessions_after: int = 0
    action: Literal["none", "skip", "reduce"] = "none"
    reduce_factor: float = 0.5


class SurfaceLike(Protocol):
    """What the condor rules need from a volatility surface."""

    @property
    def spot(self) -> float: ...

    def iv(self, t_years: ArrayLike, strikes: ArrayLike) -> Float64Array: ...

    def forward(self, t_years: ArrayLike) -> Float64Array: ...


@dataclass(frozen=True)
class CondorStrikes:
    """Four strikes of one iron condor on one expiry, with what chose them."""

    long_put: float
    short_put: float
    short_call: float
    long_call: float
    reason: str

    @property
    def put_width(self) -> float:
        return self.short_put - self.long_put

    @property
    def call_width(self) -> float:
        return self.long_call - self.short_call

    def as_array(self) -> Float64Array:
        return np.array([self.long_put, self.short_put, self.short_call, self.long_call])


def strike_grid(
    spot: float, lo: float = 0.3, hi: float = 1.6, step: float = STRIKE_GRID_PTS
) -> Float64Array:
    """Return listed-like strikes on the ``step`` grid between ``lo*spot`` and ``hi*spot``."""
    a = math.floor(spot * lo / step) * step
    b = math.ceil(spot * hi / step) * step
    return np.arange(max(a, step), b + step / 2, step)


def choose_expiry(
    expiries: pd.DatetimeIndex,
    today: pd.Timestamp,
    dte_min: int,
    dte_max: int,
    dte_target: int | None = None,
) -> pd.Timestamp | None:
    """Return the expiry in ``[dte_min, dte_max]`` calendar days closest to the target DTE.

    The target defaults to the middle of the window; ties go to the earlier expiry.
    """
    if len(expiries) == 0:
        return None
    # Whole calendar days from integer nanoseconds: pandas' Timedelta arithmetic costs ~0.3 ms.
    dte = (np.asarray(expiries.asi8) - today.normalize().value) // 86_400_000_000_000
    best = choose_expiry_index(dte, dte_min, dte_max, dte_target)
    return None if best is None else pd.Timestamp(expiries[best])


def choose_expiry_index(
    dte_days: Int64Array, dte_min: int, dte_max: int, dte_target: int | None = None
) -> int | None:
    """Return the index in ``dte_days`` that ``choose_expiry`` picks (None when none fits)."""
    ok = (dte_days >= dte_min) & (dte_days <= dte_max)
    if not ok.any():
        return None
    target = (dte_min + dte_max) / 2 if dte_target is None else dte_target
    cand = np.nonzero(ok)[0]
    return int(cand[np.argmin(np.abs(dte_days[cand] - target))])


def _pick(strikes: Float64Array, score: Float64Array, target: float, mask: np.ndarray) -> float:
    """Return the strike whose score is closest to target among ``mask``."""
    # The first strike with the smallest gap among ``mask`` (compiled; numpy's argmin order).
    j = nearest_masked(score, target, mask)
    return math.nan if j < 0 else float(strikes[j])


def select_strikes(
    surface: SurfaceLike,
    t_years: float,
    method: Literal["delta", "pop", "sd", "atm"],
    value: float,
    wing_method: Literal["width", "delta", "pct_otm"],
    wing_value: float,
    grid: Float64Array | None = None,
    reference_spot: float | None = None,
) -> CondorStrikes | None:
    """Return condor strikes chosen on the strike grid, or None when none fit.

    Parameters
    ----------
    surface
        Volatility surface of the day.
    t_years
        Time to the condor's expiry.
    method
        ``delta``: shorts at |delta| closest to ``value`` (e.g. 0.16);
        ``pop``: shorts so that the risk-neutral probability of expiring between them is
        ``value`` (each tail ``(1 - value) / 2``, from N(d2) with the smile's vol);
        ``sd``: shorts ``value`` standard deviations away, SD = S x IV_atm x sqrt(t);
        ``atm``: short put and short call both at the grid strike nearest the spot (an iron
        butterfly; ``value`` is unused).
    wing_method
        ``width``: longs ``wing_value`` points beyond the shorts; ``delta``: longs at |delta|
        closest to ``wing_value`` (e.g. 0.05) beyond the shorts; ``pct_otm``: the long put at
        the highest grid strike at or below ``S x (1 - wing_value / 100)``, the long call at
        the lowest at or above ``S x (1 + wing_value / 100)``.
    reference_spot
        SPX level for ``atm`` shorts and ``pct_otm`` wings instead of the surface's spot (e.g.
        Cboe's 11:00 ET value for BFLY); deltas always come from the surface.
    """
    s = float(surface.spot)
    k = strike_grid(s) if grid is None else np.asarray(grid, dtype=float)
    # A surface with a compiled scorer (SpxVolSurface) computes the same arrays in one pass.
    scorer = getattr(surface, "grid_scores", None)
    scored = scorer(t_years, k) if scorer is not None else None
    if scored is not None:
        f, vol, d1, call_delta = scored
        sd_t = vol * math.sqrt(t_years)
    else:
        vol = surface.iv(np.full_like(k, t_years), k)
        f = float(np.asarray(surface.forward(t_years)))
        sd_t = vol * math.sqrt(t_years)
        d1 = np.log(f / k) / sd_t + 0.5 * sd_t
        call_delta = ndtr(d1)  # undiscounted forward delta: the convention traders quote
    d2 = d1 - sd_t
    put_delta = call_delta - 1.0
    ref = s if reference_spot is None else float(reference_spot)
    below, above = k < f, k > f
    if method == "delta":
        sp = _pick(k, -put_delta, value, below)
        sc = _pick(k, call_delta, value, above)
        why = f"shorts at {value:.0%} delta"
    elif method == "pop":
        tail = (1.0 - value) / 2.0
        sp = _pick(k, ndtr(-d2), tail, below)
        sc = _pick(k, ndtr(d2), tail, above)
        why = f"probability of profit {value:.0%} (each tail {tail:.1%})"
    elif method == "sd":
        atm = float(surface.iv(np.array([t_years]), np.array([f]))[0])
        sd_pts = s * atm * math.sqrt(t_years)
        sp = float(k[np.argmin(np.abs(k - (s - value * sd_pts)))])
        sc = float(k[np.argmin(np.abs(k - (s + value * sd_pts)))])
        why = f"shorts {value:g} SD away (SD {sd_pts:.1f} pts)"
    elif method == "atm":
        sp = sc = float(k[np.argmin(np.abs(k - ref))])
        why = f"short straddle at {sp:g} (strike nearest SPX {ref:.2f})"
    else:
        raise ValueError(f"unknown strike method {method!r}")
    if not (math.isfinite(sp) and math.isfinite(sc)) or sp > sc or (sp == sc and method != "atm"):
        return None
    if wing_method == "width":
        lp, lc = sp - wing_value, sc + wing_value
        why += f", wings {wing_value:g} pts"
    elif wing_method == "delta":
        lp = _pick(k, -put_delta, wing_value, k < sp)
        lc = _pick(k, call_delta, wing_value, k > sc)
        why += f", wings at {wing_value:.0%} delta"
    elif wing_method == "pct_otm":
        # At or beyond the % level, as Cboe's rules pick strikes ("the closest strike below"
        # for puts, above for calls), so a wing is never narrower than stated.
        lo, hi = ref * (1.0 - wing_value / 100.0), ref * (1.0 + wing_value / 100.0)
        lp = float(k[k <= lo].max()) if (k <= lo).any() else math.nan
        lc = float(k[k >= hi].min()) if (k >= hi).any() else math.nan
        why += f", wings {wing_value:g}% out of the money"
    else:
        raise ValueError(f"unknown wing method {wing_method!r}")
    if not (math.isfinite(lp) and math.isfinite(lc)) or lp >= sp or lc <= sc:
        return None
    return CondorStrikes(lp, sp, sc, lc, why)


def condor_contracts(
    equity_usd: float,
    max_loss_per_condor_usd: float,
    risk_pct: float,
    max_contracts: int | None = None,
) -> int:
    """Return how many condors fit the risk cap: max loss <= ``risk_pct``% of equity.

    ``max_loss_per_condor_usd`` is the max loss of one condor (widest wing x 100 - credit).
    """
    if max_loss_per_condor_usd <= 0 or equity_usd <= 0:
        return 0
    n = math.floor(equity_usd * risk_pct / 100.0 / max_loss_per_condor_usd + 1e-9)
    if max_contracts is not None:
        n = min(n, max_contracts)
    return max(n, 0)


def index_contracts(equity_usd: float, wing_owed_per_condor_usd: float, multiple: float) -> int:
    """Return how many condors a CBOE-style index holds: T-bills = ``multiple`` x what they owe.

    CBOE's CNDR and BFLY hold T-bills worth ten times the spread's maximum loss. Read here as
    what the spread can owe at expiry, the widest wing x 100 per condor (the premium received
    goes into the T-bills), so ``contracts = equity / (multiple x widest wing x 100)``. This
    reading gives CNDR's published volatility (7.2% a year; netting the premium would give
    ~8%, and ~23% for BFLY against a published figure above 10%): docs/book-and-config.md.
    The index holds fractional units; a book holds whole contracts, rounded down.
    """
    if wing_owed_per_condor_usd <= 0 or equity_usd <= 0 or multiple <= 0:
        return 0
    return max(math.floor(equity_usd / (multiple * wing_owed_per_condor_usd) + 1e-9), 0)


@dataclass(frozen=True)
class ExitCheck:
    """Verdict of the exit rules on one open condor."""

    exit: bool
    rule: str
    reason: str


def check_exit(
    credit_per_condor: float,
    cost_to_close_per_condor: float,
    dte_days: int,
    spot: float,
    short_put: float,
    short_call: float,
    profit_target_pct: float | None,
    stop_multiple: float | None,
    exit_dte: int | None,
    exit_on_touch: bool,
) -> ExitCheck:
    """Return whether an open condor must be closed and by which rule (first that fires).

    Conventions (per condor, in index points x 1, i.e. option price units):
    profit target: close when the cost to close <= credit x (1 - target%);
    stop: close when the loss (cost to close - credit) >= ``stop_multiple`` x credit;
    exit DTE: close when calendar days to expiry <= ``exit_dte``;
    touch: close when the spot is at or beyond a short strike.
    """
    pnl = credit_per_condor - cost_to_close_per_condor
    if profit_target_pct is not None and cost_to_close_per_condor <= credit_per_condor * (
        1 - profit_target_pct / 100
    ):
        return ExitCheck(
            True,
            "profit_target",
            f"captured {pnl / credit_per_condor:.0%} of credit {credit_per_condor:.2f} >= target {profit_target_pct:g}%",
        )
    if stop_multiple is not None and -pnl >= stop_multiple * credit_per_condor:
        return ExitCheck(
            True, "stop", f"loss {-pnl:.2f} >= {stop_multiple:g} x credit {credit_per_condor:.2f}"
        )
    if exit_on_touch and (spot <= short_put or spot >= short_call):
        side = "put" if spot <= short_put else "call"
        k = short_put if side == "put" else short_call
        return ExitCheck(
            True, "short_strike_tested", f"SPX {spot:.2f} tested the short {side} {k:g}"
        )
    if exit_dte is not None and dte_days <= exit_dte:
        return ExitCheck(True, "exit_dte", f"{dte_days} days to expiry <= exit at {exit_dte}")
    return ExitCheck(
        False,
        "hold",
        f"P&L {pnl:+.2f} on credit {credit_per_condor:.2f}, {dte_days} DTE: no exit rule fired",
    )
