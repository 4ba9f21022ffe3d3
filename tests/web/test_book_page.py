"""The Book pages over a live book (conftest.book_env: a condor, a put spread and a VX future
on the synthetic market, config ic-ladder tiers + alvh-442): the figures are those of
``alvh book status`` and ``alvh signal --book``; opening a book never writes to it; a book that
cannot be read shows its typed error."""

from __future__ import annotations

import html
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_fixtures import BOOK_DAY

from alvh.web.app import create_app


@pytest.fixture(scope="module")
def client(book_env: dict[str, Path]) -> TestClient:
    return TestClient(
        create_app([book_env["root"]], books=[str(book_env["books"])], store=book_env["store"])
    )


def _state(db: Path) -> tuple[bytes, int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    return db.read_bytes(), db.stat().st_mtime_ns, n


def test_book_page_shows_the_status_and_the_triggers_of_alvh_book_status(
    client: TestClient,
    book_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alvh.cli.app import main

    before = _state(book_env["db"])
    r = client.get("/book", params={"name": "b1", "date": BOOK_DAY})
    assert r.status_code == 200
    page = html.unescape(r.text)
    # The same figures as the CLI's --json, computed by the same functions.
    monkeypatch.setenv("ALVH_STORE", str(book_env["store"]))
    assert (
        main(["book", "status", "b1", "--db", str(book_env["db"]), "--date", BOOK_DAY, "--json"])
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    assert page.count('<tr class="position">') == len(cli["lots"]) == 7
    for lot in cli["lots"]:
        assert lot["contract_id"] in page and lot["mark_source"] in page
    assert f"cash <b>${cli['cash_usd']:,.0f}</b>" in page
    assert f"equity <b>${cli['equity_usd']:,.0f}</b>" in page
    rows = cli["triggers"]["rows"]
    assert page.count('<tr class="trigger') == len(rows) > 9
    for t in rows:
        assert t["rule"] in page and t["reason"] in page
        if t["value"] is not None:
            assert f"{t['value']:,.3f}" in page
    assert "not a condor the rules read: medium #c2: 2 legs, not one iron condor" in page
    assert "clear sessions" in page and "decision tree:" in page
    api = client.get("/api/book", params={"name": "b1", "date": BOOK_DAY}).json()
    assert api["status"]["cash_usd"] == pytest.approx(cli["cash_usd"])
    assert [t["rule"] for t in api["triggers"]["rows"]] == [t["rule"] for t in rows]
    assert _state(book_env["db"]) == before  # read-only: bytes, mtime and events unchanged


def test_book_signal_is_the_signal_of_alvh_signal_book(
    client: TestClient,
    book_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alvh.cli.app import main

    before = _state(book_env["db"])
    monkeypatch.setenv("ALVH_STORE", str(book_env["store"]))
    day = "2026-09-29"
    assert (
        main(["signal", "--book", "b1", "--db", str(book_env["db"]), "--date", day, "--json"]) == 0
    )
    cli = json.loads(capsys.readouterr().out)
    r = client.get("/book/signal", params={"name": "b1", "date": day})
    assert r.status_code == 200 and "signal-error" not in r.text
    frag = html.unescape(r.text)
    assert f"orders decided at <b>{day}</b>" in frag and cli["run_id"] in frag
    assert frag.count("<tr><td>condor_") + frag.count("<tr><td>hedge") == len(cli["orders"])
    for o in cli["orders"]:
        assert o["contract"] in frag and o["reason"] in frag
    journal = frag.split("Journal of")[1]
    assert journal.count('<tr class="outcome-') == len(cli["journal"]) > 0
    for e in cli["journal"]:
        assert e["rule"] in journal and e["reason"] in journal
    assert cli["book"]["not_managed"]  # the imported positions: reported, left alone
    for u in cli["book"]["not_managed"]:
        assert u["contract"] in frag
    assert _state(book_env["db"]) == before


def test_books_page_and_a_book_that_fails_to_load(
    book_env: dict[str, Path], tmp_path: Path
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(book_env["db"], books / "good.sqlite")
    shutil.copy(book_env["db"], books / "broken.sqlite")
    con = sqlite3.connect(books / "broken.sqlite")
    with con:
        con.execute("UPDATE book SET name = 'b2', config_toml = 'not [toml'")
        con.execute("UPDATE events SET book = 'b2'")
    con.close()
    (books / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    c = TestClient(create_app([tmp_path], books=[str(books)], store=book_env["store"]))
    lst = c.get("/books")
    assert lst.status_code == 200
    assert 'href="/book?name=b1"' in lst.text and 'href="/book?name=b2"' in lst.text
    assert "stored config is not TOML" in lst.text  # the broken book, listed with its error
    assert "junk.sqlite" in lst.text and "not a book database" in lst.text
    bad = c.get("/book", params={"name": "b2"})
    assert bad.status_code == 200 and 'class="warn book-error"' in bad.text
    assert "BookReadError" in bad.text and "Traceback" not in bad.text
    # A day the market data has no session for: the typed error of the status, not a 500.
    late = c.get("/book", params={"name": "b1", "date": "2031-01-06"})
    assert late.status_code == 200 and "NoDataError" in late.text
    sig = c.get("/book/signal", params={"name": "b1", "date": "2026-09-27"})  # a Sunday
    assert sig.status_code == 200 and "signal-error" in sig.text and "not" in sig.text
    assert c.get("/book", params={"name": "b1", "date": "15/09/2026"}).status_code == 400


def test_the_same_book_name_in_two_files_gets_two_keys(
    book_env: dict[str, Path], tmp_path: Path
) -> None:
    from alvh.web.books import discover_books

    (tmp_path / "x").mkdir()
    shutil.copy(book_env["db"], tmp_path / "x" / "one.sqlite")
    shutil.copy(book_env["db"], tmp_path / "x" / "two.sqlite")
    found, errors = discover_books([str(tmp_path / "x"), str(tmp_path / "missing.sqlite")])
    assert sorted(found) == ["one@b1", "two@b1"] and {b.name for b in found.values()} == {"b1"}
    assert len(errors) == 1 and "missing.sqlite" in errors[0][0]


def test_book_pages_on_postgresql_do_not_write(book_env: dict[str, Path], pg_url: str) -> None:
    import sqlalchemy as sa

    from alvh.live.service import MarketFacts, import_positions, init_book
    from alvh.live.store import BookStore

    root = book_env["root"]
    bs = BookStore(pg_url, create=True)
    init_book(bs, "pg1", root / "book.toml", capital_usd=None, data_id=None)
    import_positions(bs, "pg1", root / "pos.csv", MarketFacts(date(2026, 9, 30), None))
    bs.close()
    eng = sa.create_engine(pg_url)

    def counts() -> tuple[int, ...]:
        with eng.connect() as con:
            return tuple(
                con.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
                for t in ("book", "events", "sessions", "inputs")
            )

    before = counts()
    assert before[:2] == (1, 7), before  # the book and its 7 import events
    c = TestClient(create_app([root], books=[pg_url], store=book_env["store"]))
    lst = c.get("/books").text
    assert 'href="/book?name=pg1"' in lst
    password = sa.engine.make_url(pg_url).password
    assert not password or f":{password}@" not in lst  # the URL is shown without it
    r = c.get("/book", params={"name": "pg1", "date": BOOK_DAY})
    assert r.status_code == 200 and r.text.count('<tr class="position">') == 7
    assert counts() == before
    eng.dispose()
