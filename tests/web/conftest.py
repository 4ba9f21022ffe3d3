"""Fixtures of the web dashboard tests: run directories made by the test, never real data.

``backtest_root`` holds a short synthetic backtest (ic-ladder + alvh-442, Jan-Feb 2018, seed
7: about 40 sessions) made once per test session, and a copy of it under a second name for
the Compare page. ``hand_root`` holds the hand run of web_fixtures.py, whose every figure can
be checked with a pencil.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from web_fixtures import write_hand_run

from alvh.cli.app import main

START, END = "2018-01-02", "2018-02-28"


@pytest.fixture(scope="session")
def backtest_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``ladder/jan-feb`` (a real synthetic backtest) and ``ladder/copy``."""
    root = tmp_path_factory.mktemp("webruns")
    run = root / "ladder" / "jan-feb"
    code = main(
        [
            "backtest",
            "--preset",
            "ic-ladder",
            "--hedge",
            "alvh-442",
            "--data",
            "synthetic",
            "--seed",
            "7",
            "--start",
            START,
            "--end",
            END,
            "--out",
            str(run),
        ]
    )
    assert code == 0
    shutil.copytree(run, root / "ladder" / "copy")
    return root


@pytest.fixture
def hand_root(tmp_path: Path) -> Path:
    """A folder holding the hand run as ``hand``."""
    write_hand_run(tmp_path / "served" / "hand")
    return tmp_path / "served"


# A live book on the synthetic market (an empty store): an iron condor of 2026-11-20 in the
# medium tier (credit 1.60 + 1.40 - 1.10 - 0.70 = 1.20 a condor, 2 condors), a put spread of
# another group (not a condor: reported), one VX future; config ic-ladder tiers + alvh-442,
# replayed for the signal from 2026-07-01 on the synthetic market.
BOOK_CONFIG = """name = "web-book"

[data]
source = "synthetic"
start = 2026-07-01
end = 2026-09-30

[capital]
initial_usd = 250000.0

[hedge]
preset = "alvh-442"
"""


def book_positions(store: Path) -> str:
    """The positions file of the web book: strikes around the synthetic SPX of 2026-09-01."""
    import pandas as pd

    from alvh.market.load import load_market

    spot = (
        load_market(store, source="synthetic")
        .snapshot(pd.Timestamp("2026-09-01 16:15"))
        .close("SPX")
    )
    atm = 5 * round(spot / 5)
    lp, sp, sc, lc = atm - 300, atm - 250, atm + 250, atm + 300
    rows = [
        ("P", lp, 2, 1.10, "c1"),
        ("P", sp, -2, 1.60, "c1"),
        ("C", sc, -2, 1.40, "c1"),
        ("C", lc, 2, 0.70, "c1"),
        ("P", sp, -1, 1.60, "c2"),
        ("P", lp, 1, 1.10, "c2"),
    ]
    text = "symbol,quantity,avg_price,opened,tier,group\n" + "".join(
        f"SPXW  261120{r}{k * 1000:08d},{q},{p},2026-09-01,medium,{g}\n" for r, k, q, p, g in rows
    )
    return text + "VXV26,1,18.5,2026-09-02,vx_futures,t1\n"


@pytest.fixture(scope="session")
def book_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A books folder holding ``b1.sqlite`` (the web book) and an empty store (synthetic)."""
    from datetime import date

    from alvh.live.service import MarketFacts, import_positions, init_book
    from alvh.live.store import BookStore

    root = tmp_path_factory.mktemp("webbooks")
    store, books = root / "store", root / "books"
    store.mkdir()
    books.mkdir()
    (root / "book.toml").write_text(BOOK_CONFIG)
    (root / "pos.csv").write_text(book_positions(store))
    bs = BookStore(f"sqlite:///{books / 'b1.sqlite'}", create=True)
    init_book(bs, "b1", root / "book.toml", capital_usd=None, data_id=None)
    import_positions(bs, "b1", root / "pos.csv", MarketFacts(date(2026, 9, 30), None))
    bs.close()
    return {"root": root, "store": store, "books": books, "db": books / "b1.sqlite"}


@pytest.fixture
def pg_url():  # type: ignore[no-untyped-def]
    """A PostgreSQL URL on a fresh schema (dropped after the test); skipped without
    ``ALVH_TEST_POSTGRES_URL`` unless ``ALVH_REQUIRE_POSTGRES=1`` (as tests/live/conftest.py)."""
    import os
    import uuid
    from urllib.parse import quote

    url = os.environ.get("ALVH_TEST_POSTGRES_URL")
    if not url:
        msg = "PostgreSQL book tests need ALVH_TEST_POSTGRES_URL (bash .ci/postgres.sh)"
        if os.environ.get("ALVH_REQUIRE_POSTGRES") == "1":
            pytest.fail(msg + "; ALVH_REQUIRE_POSTGRES=1 requires them")
        pytest.skip(msg)
    import sqlalchemy as sa

    schema = f"alvh_web_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
