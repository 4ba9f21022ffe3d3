"""Small hand-written book inputs shared by the live tests (no real data in them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alvh.live.service import MarketFacts

FACTS = MarketFacts(last_session=date(2024, 6, 28), data_id="test-data-id")
CONFIG_TOML = 'name = "live-test"\n\n[capital]\ninitial_usd = 250000.0\n'

# One 5000/5050 - 5600/5650 SPXW iron condor of 2024-07-19, 3 lots, opened 2024-06-03 for a
# credit of 1.60 + 2.40 - ... (prices per leg below), one VX future and 100 VXX shares.
POSITIONS_CSV = """symbol,quantity,avg_price,opened,tier,group
SPXW  240719P05000000,3,4.10,2024-06-03,mid,c1
SPXW  240719P05050000,-3,5.70,2024-06-03,mid,c1
SPXW  240719C05600000,-3,3.20,2024-06-03,mid,c1
SPXW  240719C05650000,3,1.80,2024-06-03,mid,c1
VXN4,2,14.25,2024-06-10,vx_futures,t1
VXX,100,12.5,2024-06-10,etf,t1
"""


def write(tmp: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``tmp/name`` and return the path."""
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def new_book(tmp: Path, url: str, name: str = "b1", capital: float | None = None):  # type: ignore[no-untyped-def]
    """Create a book with the test config; return (store, config path)."""
    from alvh.live.service import init_book
    from alvh.live.store import BookStore

    cfg = write(tmp, "book.toml", CONFIG_TOML)
    store = BookStore(url, create=True)
    init_book(store, name, cfg, capital_usd=capital, data_id=FACTS.data_id)
    return store, cfg


def config_book(tmp: Path, url: str, cfg, name: str):  # type: ignore[no-untyped-def]
    """Create book ``name`` of a run config (written to ``tmp/NAME.toml``); return its store."""
    from alvh.config.load import dump_toml
    from alvh.live.service import init_book
    from alvh.live.store import BookStore

    path = write(tmp, f"{name}.toml", dump_toml(cfg))
    store = BookStore(url, create=True)
    init_book(store, name, path)
    return store


def log_rows(store, name: str) -> list[tuple[date, str, dict]]:  # type: ignore[no-untyped-def,type-arg]
    """Return a book's events as (session date, kind, payload), in log order."""
    with store.engine.connect() as conn:
        return [(e.session_date, e.kind, e.payload) for e in store.events(conn, name)]
