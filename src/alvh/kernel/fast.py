"""numba fast path for Black-76 price, greeks and implied vol, pinned to the numpy references.

Same signatures and results as :func:`alvh.kernel.black.black76_price`,
:func:`alvh.kernel.black.black76_greeks` and :func:`alvh.kernel.implied_vol.implied_vol` (tests
pin them to rtol ~1e-12 and 1e-9 in vol). Each call broadcasts its inputs, runs a compiled loop
(``cache=True``; ``parallel=True`` spreads it over all cores with ``prange``) and reshapes. Without
numba installed every function delegates to its numpy reference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from alvh._typing import ArrayLike, Float64Array
from alvh.kernel import black as _ref
from alvh.kernel import implied_vol as _ref_iv
from alvh.kernel._numba import HAVE_NUMBA
from alvh.kernel._scalar import (
    _greeks_parallel,
    _greeks_serial,
    _iv_parallel,
    _iv_serial,
    _price_parallel,
    _price_serial,
)
from alvh.kernel.black import Greeks
from alvh.kernel.implied_vol import DEFAULT_MAX_ITER, IVResult

_LOOPS: dict[tuple[str, bool], Callable[..., None]] = {
    ("price", False): _price_serial,
    ("price", True): _price_parallel,
    ("greeks", False): _greeks_serial,
    ("greeks", True): _greeks_parallel,
    ("iv", False): _iv_serial,
    ("iv", True): _iv_parallel,
}


def _flat(*arrays: ArrayLike, is_call: ArrayLike) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast float inputs and ``is_call`` together; return the shape and 1-D contiguous arrays."""
    arrs = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in arrays), np.asarray(is_call, dtype=bool)
    )
    shape = arrs[0].shape
    return shape, [np.ascontiguousarray(a).reshape(-1) for a in arrs]


def black76_price(
    forward: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    vol: ArrayLike,
    discount: ArrayLike,
    is_call: ArrayLike,
    *,
    parallel: bool = False,
) -> Float64Array:
    """Return Black-76 prices (compiled twin of :func:`alvh.kernel.black.black76_price`).

    Parameters
    ----------
    forward, strike, t_years, vol, discount, is_call
        As in the reference.
    parallel
        Spread the loop over all cores (numba ``prange``).
    """
    if not HAVE_NUMBA:
        return _ref.black76_price(forward, strike, t_years, vol, discount, is_call)
    shape, (f, k, t, v, df, c) = _flat(forward, strike, t_years, vol, discount, is_call=is_call)
    out = np.empty(f.shape[0])
    _LOOPS["price", parallel](f, k, t, v, df, c, out)
    return out.reshape(shape)


def black76_greeks(
    forward: ArrayLike,
    strike: ArrayLike,
    t_years: ArrayLike,
    vol: ArrayLike,
    discount: ArrayLike,
    is_call: ArrayLike,
    *,
    parallel: bool = False,
) -> Greeks:
    """Return price and greeks (compiled twin of :func:`alvh.kernel.black.black76_greeks`).

    Parameters
    ----------
    forward, strike, t_years, vol, discount, is_call
        As in the reference.
    parallel
        Spread the loop over all cores (numba ``prange``).
    """
    if not HAVE_NUMBA:
        return _ref.black76_greeks(forward, strike, t_years, vol, discount, is_call)
    shape, (f, k, t, v, df, c) = _flat(forward, strike, t_years, vol, discount, is_call=is_call)
    outs = [np.empty(f.shape[0]) for _ in range(5)]
    _LOOPS["greeks", parallel](f, k, t, v, df, c, *outs)
    return Greeks(*(o.reshape(shape) for o in outs))


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
    parallel: bool = False,
) -> IVResult:
    """Return Black-76 implied vols and codes (compiled twin of the reference ``implied_vol``).

    Parameters
    ----------
    price, forward, strike, t_years, discount, is_call, tol, max_iter
        As in :func:`alvh.kernel.implied_vol.implied_vol`.
    parallel
        Spread the loop over all cores (numba ``prange``).
    """
    if not HAVE_NUMBA:
        return _ref_iv.implied_vol(
            price, forward, strike, t_years, discount, is_call, tol=tol, max_iter=max_iter
        )
    shape, (p, f, k, t, df, c) = _flat(price, forward, strike, t_years, discount, is_call=is_call)
    vol = np.empty(f.shape[0])
    code = np.empty(f.shape[0], dtype=np.int8)
    _LOOPS["iv", parallel](p, f, k, t, df, c, float(tol), int(max_iter), vol, code)
    return IVResult(vol.reshape(shape), code.reshape(shape))
