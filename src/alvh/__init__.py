"""alvh: an SPX iron-condor book with an Adaptive Layered VIX Hedge, backtested on evidence.

Layers (imports point downward only)::

    cli -> sweep/report/live -> engine -> strategy -> book -> market -> calendar -> kernel
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("alvh")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
