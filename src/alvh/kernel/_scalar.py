"""Scalar numerics shared by the numba loops in :mod:`alvh.kernel.fast`.

Each function is plain Python that numba compiles (``cache=True``) when available. The formulas
mirror the numpy references in :mod:`alvh.kernel.black` and :mod:`alvh.kernel.implied_vol`
operation by operation, so that the pinning tests can demand agreement to ~1e-12.
"""

from __future__ import annotations

import math

import numpy as np

from alvh.kernel._numba import jit, prange

SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
DAYS_PER_YEAR = 365.0
DAY_NS = 86_400_000_000_000
YEAR_NS = 365.0 * DAY_NS  # exactly representable (2**16 x 1971 x 5**12)

IV_OK = 0
IV_BELOW_INTRINSIC = 1
IV_ABOVE_UPPER_BOUND = 2
IV_BAD_INPUT = 3
IV_NO_CONVERGENCE = 4

# Acklam's rational approximation of the inverse normal CDF (relative error < 1.15e-9). It only
# seeds the implied-vol iteration, so full double precision is not needed here.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
P_LOW = 0.02425
# Normalised time values below this (near the subnormal range) cannot be resolved: code 1.
MIN_NORM_TIME_VALUE = 1e-300


@jit()
def ndtr(a: float) -> float:
    """Standard normal CDF, the cephes algorithm scipy's ``ndtr`` uses (erf near 0, erfc in tails)."""
    x = a * _SQRT_HALF
    z = abs(x)
    if z < _SQRT_HALF:
        return 0.5 + 0.5 * math.erf(x)
    y = 0.5 * math.erfc(z)
    if x > 0.0:
        return 1.0 - y
    return y


@jit()
def ndtri_approx(p: float) -> float:
    """Inverse normal CDF to ~1e-9 relative (Acklam); ``p`` in (0, 1)."""
    if p < P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        return (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    if p > 1.0 - P_LOW:
        q = math.sqrt(-2.0 * math.log1p(-p))
        return -(((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    q = p - 0.5
    r = q * q
    return (
        (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
        * q
        / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
    )


@jit()
def black76_one(
    f: float, k: float, t: float, v: float, df: float, is_call: bool
) -> tuple[float, float, float, float, float]:
    """Return (price, delta, gamma, vega_per_vol_pt, theta_per_day) of one Black-76 option."""
    sign = 1.0 if is_call else -1.0
    sqrt_t = math.sqrt(max(t, 0.0))
    sd = v * sqrt_t
    if not sd > 0.0:
        diff = sign * (f - k)
        intrinsic = df * max(diff, 0.0)
        delta = df * sign if diff > 0.0 else 0.0
        return intrinsic, delta, 0.0, 0.0, 0.0
    d1 = math.log(f / k) / sd + 0.5 * sd
    d2 = d1 - sd
    nd1 = ndtr(sign * d1)
    nd2 = ndtr(sign * d2)
    pdf1 = math.exp(-0.5 * d1 * d1) / SQRT_2PI
    price = df * sign * (f * nd1 - k * nd2)
    delta = df * sign * nd1
    gamma = df * pdf1 / (f * sd)
    vega = df * f * pdf1 * sqrt_t
    r = -math.log(df) / t
    dv_dt = -df * f * pdf1 * v / (2.0 * sqrt_t) + r * price
    return price, delta, gamma, vega * 0.01, dv_dt / DAYS_PER_YEAR


@jit()
def otm_norm_price(x: float, s: float) -> float:
    """Normalised OTM call value b(x, s) for x = -|ln(F/K)| <= 0 and total vol s > 0."""
    d1 = x / s + 0.5 * s
    return math.exp(0.5 * x) * ndtr(d1) - math.exp(-0.5 * x) * ndtr(d1 - s)


@jit()
def solve_normalised(x: float, beta: float, tol: float, max_iter: int) -> tuple[float, int]:
    """Return (total vol s, code) with b(x, s) = beta for x <= 0 and 0 < beta < exp(x/2).

    Jaeckel's "By implication" split: below the inflection point s_c = sqrt(2|x|) solve
    ln b(s) = ln beta, above it ln(bmax - b(s)) = ln(bmax - beta) when beta is past half the
    bound (keeps precision for tiny and near-bound prices alike), each with his closed-form
    initial guess and Halley steps kept inside a bracket (bisection when a step leaves it).
    """
    ehx = math.exp(0.5 * x)
    emx = math.exp(-0.5 * x)
    ustar = ehx - beta
    if not ustar > 0.0:
        return math.nan, IV_ABOVE_UPPER_BOUND
    sc = math.sqrt(-2.0 * x)
    bc = otm_norm_price(x, sc) if sc > 0.0 else 0.0
    mode = 0  # 0: 1/ln b (low), 1: ln b (middle), 2: ln(bmax - b) (near the bound)
    ln_beta = 0.0
    if beta < bc:
        lo = 0.0
        hi = sc
        ln_beta = math.log(beta)
        # Geometric mean of two guesses that err on opposite sides: Jaeckel's asymptotic one
        # (right as beta -> 0) and 1/ln b interpolated in s**2 from 0 to s_c (right near s_c).
        s_asym = math.sqrt(2.0 * x * x / (-x - 4.0 * (ln_beta - math.log(bc))))
        s_interp = sc * math.sqrt(math.log(bc) / ln_beta)
        s = math.sqrt(s_asym * s_interp)
    else:
        lo = sc
        hi = math.inf
        mode = 2 if beta > 0.5 * ehx else 1
        ln_beta = math.log(beta)
        # Tangent at the inflection point: a lower bound of the root where b is concave.
        # (d1 = 0 there, so b'(s_c) = exp(x/2) phi(0)).
        s_tan = sc + (beta - bc) * SQRT_2PI / ehx
        p_u = ustar / (ehx - bc) * ndtr(-0.5 * sc)
        s_u = -2.0 * ndtri_approx(p_u) if 0.0 < p_u < 1.0 else 0.0
        s = max(s_tan, s_u)
    for _ in range(max_iter):
        d1 = x / s + 0.5 * s
        d2 = d1 - s
        bp = ehx * math.exp(-0.5 * d1 * d1) / SQRT_2PI
        r2 = x * x / (s * s * s) - 0.25 * s
        if mode == 2:
            u = ehx * ndtr(-d1) + emx * ndtr(d2)
            g = math.log(ustar / u) if u > 0.0 else math.inf
            gp = bp / u if u > 0.0 else 0.0
            h2 = r2 + gp
        else:
            b = ehx * ndtr(d1) - emx * ndtr(d2)
            if b > 0.0:
                ln_b = math.log(b)
                lp = bp / b
                if mode == 0:
                    # G = 1/ln beta - 1/ln b: nearly quadratic in s as b -> 0 (ln b ~ -x^2/2s^2).
                    g = 1.0 / ln_beta - 1.0 / ln_b
                    gp = lp / (ln_b * ln_b)
                    h2 = r2 - lp - 2.0 * lp / ln_b
                else:
                    g = ln_b - ln_beta
                    gp = lp
                    h2 = r2 - lp
            else:
                g = -math.inf
                gp = 0.0
                h2 = 0.0
        if g == 0.0:
            return s, IV_OK
        if g > 0.0:
            hi = min(hi, s)
        else:
            lo = max(lo, s)
        s_new = math.nan
        if gp > 0.0 and math.isfinite(g):
            nu = g / gp
            den = 1.0 - 0.5 * nu * h2
            s_new = s - (nu / den if den > 0.5 else nu)
            # Converged on a Halley step: accept it even if rounding put it on the bracket edge.
            if abs(s_new - s) <= tol * s:
                return s_new, IV_OK
        if not (lo < s_new < hi):
            s_new = 2.0 * s if math.isinf(hi) else 0.5 * (lo + hi)
            if hi - lo <= tol * lo:
                return s_new, IV_OK
        s = s_new
    return math.nan, IV_NO_CONVERGENCE


@jit()
def implied_vol_one(
    price: float, f: float, k: float, t: float, df: float, is_call: bool, tol: float, max_iter: int
) -> tuple[float, int]:
    """Return (vol, code) of one Black-76 price; see :mod:`alvh.kernel.implied_vol` for codes."""
    if not (
        math.isfinite(price)
        and math.isfinite(f)
        and math.isfinite(k)
        and math.isfinite(t)
        and math.isfinite(df)
    ):
        return math.nan, IV_BAD_INPUT
    if t <= 0.0 or f <= 0.0 or k <= 0.0 or df <= 0.0 or price <= 0.0:
        return math.nan, IV_BAD_INPUT
    p = price / df
    intrinsic = max(f - k, 0.0) if is_call else max(k - f, 0.0)
    upper = f if is_call else k
    if p <= intrinsic:
        return math.nan, IV_BELOW_INTRINSIC
    if p >= upper:
        return math.nan, IV_ABOVE_UPPER_BOUND
    x = -abs(math.log(f / k))
    beta = (p - intrinsic) / math.sqrt(f * k)
    if beta < MIN_NORM_TIME_VALUE:
        return math.nan, IV_BELOW_INTRINSIC
    s, code = solve_normalised(x, beta, tol, max_iter)
    if code != IV_OK:
        return math.nan, code
    return s / math.sqrt(t), IV_OK


# Array loops. They live in this file, not in fast.py, because numba's on-disk cache only checks
# the timestamp of the file defining the jitted function: loops elsewhere would keep running a
# stale inlined copy of the scalar code after it changed. Each exists twice (serial, parallel)
# because the cache keys entries by function, so one function with two flag sets could collide.
@jit()
def _price_serial(f, k, t, v, df, c, out):
    for i in range(f.shape[0]):
        out[i] = black76_one(f[i], k[i], t[i], v[i], df[i], c[i])[0]


@jit(parallel=True)
def _price_parallel(f, k, t, v, df, c, out):
    for i in prange(f.shape[0]):
        out[i] = black76_one(f[i], k[i], t[i], v[i], df[i], c[i])[0]


@jit()
def _greeks_serial(f, k, t, v, df, c, price, delta, gamma, vega, theta):
    for i in range(f.shape[0]):
        price[i], delta[i], gamma[i], vega[i], theta[i] = black76_one(
            f[i], k[i], t[i], v[i], df[i], c[i]
        )


@jit(parallel=True)
def _greeks_parallel(f, k, t, v, df, c, price, delta, gamma, vega, theta):
    for i in prange(f.shape[0]):
        price[i], delta[i], gamma[i], vega[i], theta[i] = black76_one(
            f[i], k[i], t[i], v[i], df[i], c[i]
        )


@jit()
def _iv_serial(p, f, k, t, df, c, tol, max_iter, vol, code):
    for i in range(f.shape[0]):
        vol[i], code[i] = implied_vol_one(p[i], f[i], k[i], t[i], df[i], c[i], tol, max_iter)


@jit(parallel=True)
def _iv_parallel(p, f, k, t, df, c, tol, max_iter, vol, code):
    for i in prange(f.shape[0]):
        vol[i], code[i] = implied_vol_one(p[i], f[i], k[i], t[i], df[i], c[i], tol, max_iter)


# -- the SSVI surface of alvh.market.surface, fused with Black-76 ---------------------------
# One pass per option: ATM total variance from the VIX-family nodes, the capped power-law phi,
# the SSVI smile, then Black-76 on the forward with spot-based delta/gamma/theta. The numpy
# path (SpxVolSurface.iv + spot_greeks) allocates ~30 temporaries per call; a session's marks
# are a few dozen options, so that fixed cost dominated. Tests pin this loop to the numpy path.
@jit()
def atm_theta_one(t: float, t_nodes, w_nodes, min_t: float) -> float:
    """ATM total variance at ``t``: linear between nodes, flat vol outside (module surface).

    ``AtmTermStructure.theta`` for one tenor, float for float: ``np.interp``'s operations,
    which return a node's own variance on the node.
    """
    t = max(t, min_t)
    n = t_nodes.shape[0]
    if t < t_nodes[0]:
        return t * (w_nodes[0] / t_nodes[0])
    if t > t_nodes[n - 1]:
        return t * (w_nodes[n - 1] / t_nodes[n - 1])
    j = 0
    while j < n - 1 and t >= t_nodes[j + 1]:
        j += 1
    if j == n - 1 or t == t_nodes[j]:
        return w_nodes[j]
    slope = (w_nodes[j + 1] - w_nodes[j]) / (t_nodes[j + 1] - t_nodes[j])
    return slope * (t - t_nodes[j]) + w_nodes[j]


@jit()
def ssvi_slice(
    t: float,
    spot: float,
    carry: float,
    t_nodes,
    w_nodes,
    eta: float,
    gamma: float,
    rho: float,
    min_t: float,
    phi_cap_margin: float,
) -> tuple[float, float, float, float]:
    """The smile of one expiry: (clipped t, forward, ATM total variance theta, capped phi)."""
    tc = max(t, min_t)
    fwd = spot * math.exp(carry * tc)
    theta = atm_theta_one(tc, t_nodes, w_nodes, min_t)
    lim = 4.0 / (theta * (1.0 + abs(rho)))
    cap = phi_cap_margin * min(lim, math.sqrt(lim))
    phi = min(eta / (theta**gamma * (1.0 + theta) ** (1.0 - gamma)), cap)
    return tc, fwd, theta, phi


@jit()
def ssvi_vol_at(
    strike: float, tc: float, fwd: float, theta: float, phi: float, rho: float
) -> float:
    """Implied vol at ``strike`` on the slice ``ssvi_slice`` returned."""
    pk = phi * math.log(strike / fwd)
    w = 0.5 * theta * (1.0 + rho * pk + math.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))
    return math.sqrt(w / tc)


# Packed inputs keep numba's per-call dispatch cheap (it type-checks every argument):
# ``par`` = (spot, rate, div_yield, eta, gamma, rho, min_t_years, phi_cap_margin), ``nodes`` =
# (2, m) ATM node tenors and total variances, ``out`` = rows of results. Options of one expiry
# come in runs (a strike grid, a condor's legs), so the slice is recomputed only when t changes.
@jit()
def _ssvi_iv_serial(par, nodes, t, k, out):
    spot, carry, rho = par[0], par[1] - par[2], par[5]
    tn, wn = nodes[0], nodes[1]
    t_prev = math.nan
    tc = fwd = theta = phi = 0.0
    for i in range(t.shape[0]):
        if t[i] != t_prev:
            t_prev = t[i]
            tc, fwd, theta, phi = ssvi_slice(
                t[i], spot, carry, tn, wn, par[3], par[4], rho, par[6], par[7]
            )
        out[i] = ssvi_vol_at(k[i], tc, fwd, theta, phi, rho)


@jit()
def _ssvi_greeks_serial(par, nodes, t, k, c, out):
    """``out`` rows: price, delta, gamma, vega per vol point, theta per day, implied vol."""
    spot, rate, carry = par[0], par[1], par[1] - par[2]
    _ssvi_iv_serial(par, nodes, t, k, out[5])
    for i in range(t.shape[0]):
        ti = t[i]
        f = spot * math.exp(carry * ti)
        df = math.exp(-rate * ti)
        p, d, g, v, th = black76_one(f, k[i], ti, out[5, i], df, c[i])
        ratio = f / spot
        drift = math.log(ratio) / ti if ti > 0.0 else 0.0
        out[0, i] = p
        out[1, i] = d * ratio
        out[2, i] = g * ratio * ratio
        out[3, i] = v
        out[4, i] = th - d * drift * f / DAYS_PER_YEAR


@jit()
def _ssvi_delta_serial(par, nodes, t, k, out):
    """Strike-selection scores on one expiry's grid: ``out`` rows vol, d1, N(d1).

    ``d1`` uses the forward at ``t`` itself (not clipped), as ``select_strikes`` does.
    """
    spot, carry, rho = par[0], par[1] - par[2], par[5]
    tc, fwd, theta, phi = ssvi_slice(
        t, spot, carry, nodes[0], nodes[1], par[3], par[4], rho, par[6], par[7]
    )
    f = spot * math.exp(carry * t)
    sqrt_t = math.sqrt(t)
    for i in range(k.shape[0]):
        vol = ssvi_vol_at(k[i], tc, fwd, theta, phi, rho)
        sd_t = vol * sqrt_t
        d1 = math.log(f / k[i]) / sd_t + 0.5 * sd_t
        out[0, i] = vol
        out[1, i] = d1
        out[2, i] = ndtr(d1)


# Tenors from integer times: ``t = ((day - day0) x DAY_NS + settle_ns - valuation_ns) / YEAR_NS``
# with ``settle_ns`` = ``am_ns`` or ``pm_ns`` (nanoseconds after the expiry day's midnight). The
# caller maps its dates to integer day numbers and gives the number of the day whose midnight
# is nanosecond 0 (``day0``); the kernel sees integers only. Fused into the loops: the numpy
# version of this conversion cost more than the SSVI pass itself for a session's few legs.
@jit()
def _t_of_day(day, day0, am, am_ns, pm_ns, valuation_ns):
    end_ns = (day - day0) * DAY_NS + (am_ns if am else pm_ns)
    return (end_ns - valuation_ns) / YEAR_NS


@jit()
def _ssvi_greeks_at_days(par, nodes, valuation_ns, day, day0, am, am_ns, pm_ns, k, c, out):
    """``_ssvi_greeks_serial`` with each option's ``t`` from its expiry day (``_t_of_day``)."""
    n = k.shape[0]
    t = np.empty(n)
    for i in range(n):
        t[i] = _t_of_day(day[i], day0, am[i], am_ns, pm_ns, valuation_ns)
    _ssvi_greeks_serial(par, nodes, t, k, c, out)


@jit()
def _ssvi_atm_vols_at_days(par, nodes, valuation_ns, day, day0, am, am_ns, pm_ns, out):
    """ATM vol ``sqrt(theta(t) / t)`` at each expiry, ``t`` from its day (``_t_of_day``) floored
    at ``par[6]`` (``SpxVolSurface.atm_vol_one``'s floats)."""
    min_t = par[6]
    for i in range(day.shape[0]):
        t = max(_t_of_day(day[i], day0, am[i], am_ns, pm_ns, valuation_ns), min_t)
        out[i] = math.sqrt(atm_theta_one(t, nodes[0], nodes[1], min_t) / t)
