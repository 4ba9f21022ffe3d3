"""Black-76 implied volatility, vectorised numpy reference (the numba twin is in ``fast``).

Method
------
Work on the out-of-the-money option (put-call parity removes the intrinsic value, so deep ITM
and deep OTM quotes are the same problem) in Jaeckel's normalised form: with
``x = -|ln(F/K)|`` and ``beta = (undiscounted price - intrinsic) / sqrt(F K)``, solve
``b(x, s) = exp(x/2) N(x/s + s/2) - exp(-x/2) N(x/s - s/2) = beta`` for the total vol
``s = vol * sqrt(t_years)``. ``b`` is convex below the inflection point ``s_c = sqrt(2|x|)`` and
concave above it, so the solve is split there (Jaeckel, "By implication", 2006):

- below ``s_c``: objective ``1/ln beta - 1/ln b(s)``, close to quadratic in ``s`` for tiny
  prices; guess = geometric mean of Jaeckel's asymptotic guess and ``1/ln b`` interpolated in
  ``s**2`` (they err on opposite sides);
- above ``s_c``: objective ``ln b - ln beta``, or ``ln(bmax - beta) - ln(bmax - b)`` once beta
  passes half its upper bound ``bmax = exp(x/2)``; guess = the larger of the tangent at ``s_c``
  (a lower bound there) and Jaeckel's upper-branch guess.

Halley steps are kept inside a bracket that every evaluation tightens; a step that leaves it is
replaced by bisection (or doubling while the bracket is open above). Typically 2-4 evaluations.

Codes
-----
0 ``IV_OK``; 1 ``IV_BELOW_INTRINSIC``: price at or below the discounted intrinsic value (no
time value, includes prices whose time value is lost to rounding or is below 1e-300 of
``sqrt(F K)``, where double precision cannot resolve a vol); 2 ``IV_ABOVE_UPPER_BOUND``:
price at or above the discounted forward (call) or strike (put); 3 ``IV_BAD_INPUT``: a
non-finite input, or non-positive time, price, forward, strike or discount;
4 ``IV_NO_CONVERGENCE``: ``max_iter`` evaluations without meeting ``tol``.
``vol`` is NaN exactly where ``code != 0``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from alvh._typing import ArrayLike, Float64Array
from alvh.kernel._scalar import (
    _A,
    _B,
    _C,
    _D,
    IV_ABOVE_UPPER_BOUND,
    IV_BAD_INPUT,
    IV_BELOW_INTRINSIC,
    IV_NO_CONVERGENCE,
    IV_OK,
    MIN_NORM_TIME_VALUE,
    P_LOW,
    SQRT_2PI,
)

Int8Array = npt.NDArray[np.int8]

DEFAULT_MAX_ITER = 50
IV_CODE_MEANING: dict[int, str] = {
    IV_OK: "ok",
    IV_BELOW_INTRINSIC: "price at or below discounted intrinsic value",
    IV_ABOVE_UPPER_BOUND: "price at or above discounted forward (call) / strike (put)",
    IV_BAD_INPUT: "non-finite input or non-positive time, price, forward, strike or discount",
    IV_NO_CONVERGENCE: "no convergence within max_iter",
}


class IVResult(NamedTuple):
    """Implied vols (decimal, NaN where ``code != 0``) and int8 status codes (see module)."""

    vol: Float64Array
    code: Int8Array


def _poly(coefs: tuple[float, ...], z: Float64Array) -> Float64Array:
    acc = np.full_like(z, coefs[0])
    for c in coefs[1:]:
        acc = acc * z + c
    return acc


def _ndtri_approx(p: Float64Array) -> Float64Array:
    """Acklam's inverse normal CDF (1e-9 relative), mirrored from ``_scalar.ndtri_approx``."""
    out = np.empty_like(p)
    lo = p < P_LOW
    hi = p > 1.0 - P_LOW
    mid = ~(lo | hi)
    q = np.sqrt(-2.0 * np.log(p[lo]))
    out[lo] = _poly(_C, q) / (_poly(_D, q) * q + 1.0)
    q = np.sqrt(-2.0 * np.log1p(-p[hi]))
    out[hi] = -_poly(_C, q) / (_poly(_D, q) * q + 1.0)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = _poly(_A, r) * q / (_poly(_B, r) * r + 1.0)
    return out


def _initial(
    x: Float64Array, beta: Float64Array, ehx: Float64Array, ustar: Float64Array
) -> tuple[Float64Array, ...]:
    """Return (s0, lo, hi, mode, ln_beta) per option; mode 0 low, 1 middle, 2 near the bound."""
    sc = np.sqrt(-2.0 * x)
    live = sc > 0.0
    sc_safe = np.where(live, sc, 1.0)
    bc = np.where(
        live, ehx * ndtr(x / sc_safe + 0.5 * sc_safe) - ndtr(x / sc_safe - 0.5 * sc_safe) / ehx, 0.0
    )
    ln_beta = np.log(beta)
    low = beta < bc
    s = np.empty_like(x)
    lo = np.empty_like(x)
    hi = np.empty_like(x)
    # low branch
    xl, lbl, bcl, scl = x[low], ln_beta[low], bc[low], sc[low]
    ln_bc = np.log(bcl)
    s_asym = np.sqrt(2.0 * xl * xl / (-xl - 4.0 * (lbl - ln_bc)))
    s_interp = scl * np.sqrt(ln_bc / lbl)
    s[low] = np.sqrt(s_asym * s_interp)
    lo[low] = 0.0
    hi[low] = scl
    # upper branches
    up = ~low
    scu, bcu, ehu = sc[up], bc[up], ehx[up]
    s_tan = scu + (beta[up] - bcu) * SQRT_2PI / ehu
    p_u = ustar[up] / (ehu - bcu) * ndtr(-0.5 * scu)
    inside = (p_u > 0.0) & (p_u < 1.0)
    s_u = np.zeros_like(p_u)
    s_u[inside] = -2.0 * _ndtri_approx(p_u[inside])
    s[up] = np.maximum(s_tan, s_u)
    lo[up] = scu
    hi[up] = np.inf
    mode = np.where(low, 0.0, np.where(beta > 0.5 * ehx, 2.0, 1.0))
    return s, lo, hi, mode, ln_beta


def _solve(
    x: Float64Array, beta: Float64Array, tol: float, max_iter: int
) -> tuple[Float64Array, Int8Array]:
    """Vectorised twin of ``_scalar.solve_normalised``: total vol ``s`` and code per option."""
    n = x.shape[0]
    s_out = np.full(n, np.nan)
    code = np.full(n, IV_NO_CONVERGENCE, dtype=np.int8)
    ehx = np.exp(0.5 * x)
    ustar = ehx - beta
    above = ~(ustar > 0.0)
    code[above] = IV_ABOVE_UPPER_BOUND
    idx = np.flatnonzero(~above)
    x, beta, ehx, ustar = x[idx], beta[idx], ehx[idx], ustar[idx]
    emx = np.exp(-0.5 * x)
    s, lo, hi, mode, ln_beta = _initial(x, beta, ehx, ustar)
    for _ in range(max_iter):
        if idx.size == 0:
            break
        d1 = x / s + 0.5 * s
        d2 = d1 - s
        bp = ehx * np.exp(-0.5 * d1 * d1) / SQRT_2PI
        r2 = x * x / (s * s * s) - 0.25 * s
        g = np.empty_like(s)
        gp = np.zeros_like(s)
        h2 = np.zeros_like(s)
        m2 = mode == 2.0
        u = ehx[m2] * ndtr(-d1[m2]) + emx[m2] * ndtr(d2[m2])
        upos = u > 0.0
        u_safe = np.where(upos, u, 1.0)
        g[m2] = np.where(upos, np.log(ustar[m2] / u_safe), np.inf)
        gp[m2] = np.where(upos, bp[m2] / u_safe, 0.0)
        h2[m2] = r2[m2] + gp[m2]
        mb = ~m2
        b = ehx[mb] * ndtr(d1[mb]) - emx[mb] * ndtr(d2[mb])
        bpos = b > 0.0
        ln_b = np.log(np.where(bpos, b, 1.0))
        lp = bp[mb] / np.where(bpos, b, 1.0)
        low = mode[mb] == 0.0
        ln_b_safe = np.where(bpos & low, ln_b, -1.0)
        g_b = np.where(low, 1.0 / ln_beta[mb] - 1.0 / ln_b_safe, ln_b - ln_beta[mb])
        gp_b = np.where(low, lp / (ln_b_safe * ln_b_safe), lp)
        h2_b = np.where(low, r2[mb] - lp - 2.0 * lp / ln_b_safe, r2[mb] - lp)
        g[mb] = np.where(bpos, g_b, -np.inf)
        gp[mb] = np.where(bpos, gp_b, 0.0)
        h2[mb] = np.where(bpos, h2_b, 0.0)

        done = g == 0.0
        s_final = s.copy()
        hi = np.where(g > 0.0, np.minimum(hi, s), hi)
        lo = np.where(g > 0.0, lo, np.maximum(lo, s))
        halley = (gp > 0.0) & np.isfinite(g)
        gp_safe = np.where(halley, gp, 1.0)
        nu = np.where(halley, g, 0.0) / gp_safe
        den = 1.0 - 0.5 * nu * h2
        s_new = np.where(
            halley, s - np.where(den > 0.5, nu / np.where(den > 0.5, den, 1.0), nu), np.nan
        )
        conv = ~done & halley & (np.abs(s_new - s) <= tol * s)
        s_final = np.where(conv, s_new, s_final)
        done |= conv
        out = ~((lo < s_new) & (s_new < hi))
        s_new = np.where(out, np.where(np.isinf(hi), 2.0 * s, 0.5 * (lo + hi)), s_new)
        conv = ~done & out & (hi - lo <= tol * lo)
        s_final = np.where(conv, s_new, s_final)
        done |= conv

        s_out[idx[done]] = s_final[done]
        code[idx[done]] = IV_OK
        keep = ~done
        idx = idx[keep]
        x, beta, ehx, emx, ustar = x[keep], beta[keep], ehx[keep], emx[keep], ustar[keep]
        s, lo, hi, mode, ln_beta = s_new[keep], lo[keep], hi[keep], mode[keep], ln_beta[keep]
    return s_out, code


def implied_vol(
    price: ArrayLike,
    forward: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    discount: ArrayLike,
    is_call: ArrayLike,
    *,
    tol: float = 1e-10,
    max_iter: int = DEFAULT_MAX_ITER,
) -> IVResult:
    """Return the Black-76 implied vols of option prices, with a status code per option.

    Parameters
    ----------
    price
        Option prices (discounted, units of ``forward``).
    forward, strike, t_years, discount
        Forward, strike, year fraction to expiry and discount factor to payment.
    is_call
        True for calls, False for puts.
    tol
        Relative tolerance on the total vol ``vol * sqrt(t_years)`` (last step size).
    max_iter
        Maximum number of function evaluations per option.

    Returns
    -------
    IVResult
        ``vol`` (decimal; NaN exactly where ``code != 0``) and ``code`` (int8, see module:
        0 ok, 1 below intrinsic, 2 above upper bound, 3 bad input, 4 no convergence), each of
        the broadcast input shape.
    """
    arrs = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (price, forward, strike, t_years, discount)),
        np.asarray(is_call, dtype=bool),
    )
    shape = arrs[0].shape
    p, f, k, t, df, c = (np.asarray(a).reshape(-1) for a in arrs)
    vol = np.full(p.shape[0], np.nan)
    code = np.zeros(p.shape[0], dtype=np.int8)
    finite = np.isfinite(p) & np.isfinite(f) & np.isfinite(k) & np.isfinite(t) & np.isfinite(df)
    good = finite & (t > 0.0) & (f > 0.0) & (k > 0.0) & (df > 0.0) & (p > 0.0)
    code[~good] = IV_BAD_INPUT
    g = np.flatnonzero(good)
    p, f, k, t, df, c = p[g], f[g], k[g], t[g], df[g], c[g]
    pu = p / df
    intrinsic = np.where(c, np.maximum(f - k, 0.0), np.maximum(k - f, 0.0))
    upper = np.where(c, f, k)
    below = pu <= intrinsic
    above = ~below & (pu >= upper)
    code[g[below]] = IV_BELOW_INTRINSIC
    code[g[above]] = IV_ABOVE_UPPER_BOUND
    rest = ~(below | above)
    g, pu, f, k, t, intrinsic = g[rest], pu[rest], f[rest], k[rest], t[rest], intrinsic[rest]
    x = -np.abs(np.log(f / k))
    beta = (pu - intrinsic) / np.sqrt(f * k)
    tiny = beta < MIN_NORM_TIME_VALUE
    code[g[tiny]] = IV_BELOW_INTRINSIC
    g, x, beta, t = g[~tiny], x[~tiny], beta[~tiny], t[~tiny]
    s, solve_code = _solve(x, beta, float(tol), int(max_iter))
    code[g] = solve_code
    vol[g] = np.where(solve_code == IV_OK, s / np.sqrt(t), np.nan)
    return IVResult(vol.reshape(shape), code.reshape(shape))
