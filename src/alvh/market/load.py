"""Choose the market a command runs on: the local store when it holds data, else synthetic.

Every result names what it ran on through ``MarketData.source``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from alvh.market.data import MarketData

DEFAULT_SYNTHETIC_START = "2004-01-02"
DEFAULT_SYNTHETIC_END = "2026-09-30"
DEFAULT_SEED = 7


def load_market(
    store: Path | None = None,
    *,
    source: str = "auto",
    seed: int = DEFAULT_SEED,
    start: str | date | None = None,
    end: str | date | None = None,
) -> MarketData:
    """Return the market data a command should run on.

    Parameters
    ----------
    store
        Store folder; None means ``$ALVH_STORE`` or the default user data folder.
    source
        ``"auto"`` (the store when it holds data, else synthetic), ``"store"`` (the store, an
        error if empty) or ``"synthetic"``.
    seed
        Seed of the synthetic market.
    start, end
        Range of the synthetic market (the store loads what it holds in this range).

    Raises
    ------
    alvh.errors.NoDataError
        If ``source="store"`` and the store holds nothing.
    """
    from alvh.errors import NoDataError

    if source not in ("auto", "store", "synthetic"):
        raise NoDataError(f"unknown data source {source!r}; expected auto, store or synthetic")
    if source != "synthetic":
        from alvh.market.store import Store, default_store_path

        path = store or (Path(os.environ["ALVH_STORE"]) if "ALVH_STORE" in os.environ else None)
        st = Store(path or default_store_path())
        if not st.is_empty():
            return st.load(start=start, end=end)
        if source == "store":
            raise NoDataError(
                f"the store at {st.root} holds no data; run 'alvh data import PATH...' first"
            )
    from alvh.market.synthetic import generate_market

    return generate_market(
        start or DEFAULT_SYNTHETIC_START, end or DEFAULT_SYNTHETIC_END, seed=seed
    )
