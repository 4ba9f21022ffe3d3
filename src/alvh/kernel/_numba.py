"""Optional numba: ``jit`` compiles with ``cache=True`` when numba is importable, else is a no-op.

The fast kernels in :mod:`alvh.kernel.fast` check :data:`HAVE_NUMBA` and fall back to the numpy
reference implementations when numba is missing, so numba stays an optional accelerator
(bashtage/arch's pattern), never a requirement for correctness.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])
prange: Any

try:
    import numba as _nb

    HAVE_NUMBA = True
    prange = _nb.prange

    def jit(*, parallel: bool = False) -> Callable[[F], F]:
        """Return a decorator compiling a function in nopython mode with an on-disk cache."""

        def deco(func: F) -> F:
            return cast(F, _nb.njit(cache=True, parallel=parallel, error_model="numpy")(func))

        return deco

except ImportError:  # pragma: no cover - exercised only where numba is not installed
    HAVE_NUMBA = False
    prange = range

    def jit(*, parallel: bool = False) -> Callable[[F], F]:
        """Return the identity decorator (numba is not installed)."""

        def deco(func: F) -> F:
            return func

        return deco


__all__ = ["HAVE_NUMBA", "jit", "prange"]
