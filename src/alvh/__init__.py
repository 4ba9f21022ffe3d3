"""alvh: an SPX iron-condor book with an Adaptive Layered VIX Hedge, backtested on evidence.

Layers (imports point downward only)::

    cli -> sweep/report/live -> engine -> strategy -> book -> market -> calendar -> kernel
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # ``__version__`` on first use: importlib.metadata costs about a third of ``alvh --help``'s
    # start-up, and most commands never print the version.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("alvh")
        except PackageNotFoundError:  # running from a source tree without an install
            v = "0.0.0+unknown"
        globals()["__version__"] = v
        return v
    raise AttributeError(f"module 'alvh' has no attribute {name!r}")
