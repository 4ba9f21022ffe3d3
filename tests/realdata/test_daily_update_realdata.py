"""The daily routine on real data: import the newer files, then step the book onto the new days.

The real files are cut at 2026-06-30 (every dated row after it dropped, in a temporary folder)
and imported; a paper book (ic-ladder + alvh-442 from 2026-01-02) is advanced through the cut.
Then each file is rewritten whole at the same path and imported again, as a user does with the
day's CBOE/CFE downloads: the new sessions are appended (the rows through the cut unchanged),
the data id changes, and the book advances through the new last session. Its log then equals a
book advanced over the whole period on the whole data at once, event for event: importing day
by day decides nothing differently.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from .test_advance_realdata import _etf_span

pytestmark = pytest.mark.realdata

CUT = date(2026, 6, 30)
DATE_COLUMNS = ("date", "trade_date")  # files whose rows are dated in their first column


def _cut(src: Path, dst: Path, cut: date) -> None:
    """Write ``src`` to ``dst`` without the rows dated after ``cut`` (undated files whole)."""
    opener = gzip.open if src.name.endswith(".csv.gz") else open
    if not (src.name.endswith(".csv") or src.name.endswith(".csv.gz")):
        shutil.copyfile(src, dst)
        return
    with opener(src, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        lines = f.read().splitlines(keepends=True)
    if lines[0].split(",")[0] not in DATE_COLUMNS:
        shutil.copyfile(src, dst)
        return
    iso = cut.isoformat()
    kept = [lines[0], *(ln for ln in lines[1:] if ln[:10] <= iso)]
    if src.name.endswith(".gz"):
        with gzip.GzipFile(dst, "wb", mtime=0) as g:
            g.write("".join(kept).encode("utf-8"))
    else:
        dst.write_text("".join(kept), encoding="utf-8")


def _config():  # type: ignore[no-untyped-def]
    from alvh.config.hedge import hedge_preset
    from alvh.config.load import config_with_overrides, load_preset

    over = {"data.start": date(2026, 1, 2), "data.end": date(2026, 7, 22), "data.source": "store"}
    cfg = config_with_overrides(load_preset("ic-ladder"), **over)
    return cfg.model_copy(update={"hedge": hedge_preset("alvh-442")})


def _log(book, name: str) -> tuple[list, list, list]:  # type: ignore[no-untyped-def,type-arg]
    from alvh.live.step import STATE_RULE

    with book.engine.connect() as conn:
        events = [(e.session_date, e.kind, e.payload) for e in book.events(conn, name)]
    journal = [(d, p) for d, k, p in events if k == "journal" and p["rule"] != STATE_RULE]
    orders = [(d, p) for d, k, p in events if k == "order"]
    fills = [(d, p) for d, k, p in events if k == "fill"]
    return _etf_span(journal), orders, fills


def test_import_newer_files_then_advance_the_book(shared_data: Path, tmp_path: Path) -> None:
    from alvh.config.load import dump_toml
    from alvh.live.advance import advance_book
    from alvh.live.context import market_facts
    from alvh.live.service import init_book
    from alvh.live.signal import SignalDateError, check_day, load_for_signal
    from alvh.live.store import BookStore
    from alvh.market.store import Store, import_paths

    files = sorted(p for p in shared_data.iterdir() if p.is_file() and p.suffix in (".csv", ".gz"))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for f in files:
        _cut(f, downloads / f.name, CUT)
    store_path = tmp_path / "store"
    store = Store(store_path)
    first = import_paths(store, sorted(downloads.iterdir()))
    id_cut = first.data_id_after
    before = store.load(end=CUT).tables["index_bars"]
    assert before["date"].max() == pd.Timestamp(CUT)

    cfg = _config()
    cfg_file = tmp_path / "b.toml"
    cfg_file.write_text(dump_toml(cfg), encoding="utf-8")
    book = BookStore(f"sqlite:///{tmp_path / 'b.sqlite'}", create=True)
    init_book(book, "b", cfg_file)
    capital = cfg.capital.initial_usd
    advance_book(
        book,
        "b",
        cfg,
        capital,
        load_for_signal(cfg, store_path, CUT),
        CUT,
        market_facts(store_path),
    )
    # The next session is not in the store yet: the signal says so rather than guess.
    with pytest.raises(SignalDateError, match="import the newer files first"):
        check_day(load_for_signal(cfg, store_path, date(2026, 7, 1)), cfg, date(2026, 7, 1))

    # The day's downloads: each file again, whole, at the same path.
    for f in files:
        shutil.copyfile(f, downloads / f.name)
    second = import_paths(store, sorted(downloads.iterdir()))
    assert second.data_id_before == id_cut and second.changed
    now = Store(store_path).load()
    assert now.source.data_id == second.data_id_after != id_cut
    spx = now.tables["index_bars"]
    spx = spx[spx["symbol"] == "SPX"]
    assert spx["date"].max() > pd.Timestamp(date(2026, 7, 22)) - pd.Timedelta(days=1)
    # Appended: the rows through the cut are the ones the first import gave.
    after = Store(store_path).load(end=CUT).tables["index_bars"]
    pd.testing.assert_frame_equal(
        after.sort_values(["symbol", "date"]).reset_index(drop=True),
        before.sort_values(["symbol", "date"]).reset_index(drop=True),
    )

    end = cfg.data.end
    facts = market_facts(store_path)
    assert facts.data_id == second.data_id_after
    advance_book(book, "b", cfg, capital, load_for_signal(cfg, store_path, end), end, facts)
    # One book advanced over the whole half-year on the whole data at once.
    whole = BookStore(f"sqlite:///{tmp_path / 'w.sqlite'}", create=True)
    init_book(whole, "w", cfg_file)
    advance_book(whole, "w", cfg, capital, load_for_signal(cfg, store_path, end), end, facts)
    day_by_day, at_once = _log(book, "b"), _log(whole, "w")
    assert day_by_day[0] == at_once[0]  # journal
    assert day_by_day[1] == at_once[1]  # orders, prices included
    assert day_by_day[2] == at_once[2]  # fills
    new_days = {d for d, _ in day_by_day[1] if d > CUT}
    assert len({d for d, _ in day_by_day[0] if d > CUT}) >= 15 and new_days
