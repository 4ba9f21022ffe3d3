"""Static assets served by the dashboard that do not live in ``static/``: plotly.js."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# The partial plotly.js bundle (scatter, bar, heatmap and the other cartesian traces: all the
# pages draw), vendored from npm's plotly.js-cartesian-dist-min at the plotly.js version the
# installed plotly package ships (scripts/fetch_plotly_bundle.py re-fetches and checks it). A
# third of the full bundle's size, so the browser parses a third of the code on each page.
PLOTLY_PARTIAL = Path(__file__).parent / "static" / "vendor" / "plotly-cartesian-3.7.0.min.js"


@lru_cache(maxsize=1)
def plotly_bundle() -> tuple[bytes, str]:
    """Return the plotly.js served to the pages and which one it is (``partial``/``full``).

    The vendored partial bundle when it is installed, else the full bundle of the installed
    ``plotly`` package; either way served from here, so the pages work offline (no CDN).
    """
    if PLOTLY_PARTIAL.is_file():
        return PLOTLY_PARTIAL.read_bytes(), "partial"
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode(), "full"
