"""The book commands as functions: init, import, fills, diff, log, the config check.

Each writing command reads and checks its whole input first, then writes in one transaction
(``BookStore.begin``), so bad input or a crash leaves the book as it was. An input already
applied (same bytes, same sha256) is reported and applied nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alvh.errors import DataFormatError
from alvh.live.context import BookConfig as BookConfig
from alvh.live.context import MarketFacts as MarketFacts
from alvh.live.context import config_hash as config_hash
from alvh.live.context import current_config as current_config
from alvh.live.context import market_facts as market_facts
from alvh.live.csvio import ParsedFile, Row, read_fills, read_positions
from alvh.live.errors import BookError
from alvh.live.fold import IMPORTED_TIER, BookFold, fill_payload, fold_book
from alvh.live.schema import SCHEMA_VERSION
from alvh.live.store import AppliedInput, BookRow, BookStore, Event, now_utc
from alvh.live.symbols import Foreign

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


MANUAL_TIER = "manual"  # tier of an opening fill the file did not tag
Progress = Callable[[int], None]


# -- init ----------------------------------------------------------------------------------------
def init_book(
    store: BookStore,
    name: str,
    config_path: Path,
    *,
    capital_usd: float | None = None,
    data_id: str | None = None,
) -> BookRow:
    """Create a book from a config file; return its row.

    Parameters
    ----------
    capital_usd
        Cash before any imported position was opened; default ``[capital] initial_usd``.

    Raises
    ------
    alvh.errors.ConfigError
        If the config file is unreadable or invalid.
    BookError
        If the name is not a plain word, the capital is not positive, or the book exists.
    """
    from alvh.config.load import load_config

    if not name or len(name) > 80 or not all(c.isalnum() or c in "-_." for c in name):
        raise BookError(f"book name {name!r}; expected 1-80 letters, digits, '-', '_' or '.'")
    cfg = load_config(config_path)
    capital = cfg.capital.initial_usd if capital_usd is None else float(capital_usd)
    if not capital > 0:
        raise BookError(f"--capital = {capital_usd!r}; expected a positive amount in USD")
    row = BookRow(
        name=name,
        created_at=now_utc(),
        config_path=str(Path(config_path).resolve()),
        config_toml=Path(config_path).read_text(encoding="utf-8"),
        config_hash=config_hash(cfg),
        capital_usd=capital,
        data_id=data_id,
        schema_version=SCHEMA_VERSION,
    )
    with store.begin() as conn:
        store.insert_book(conn, row)
    return row


# -- import and fills ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What applying an input did.

    Attributes
    ----------
    applied
        False when the same input had been applied before (nothing written).
    n_events
        Events written (0 when not applied).
    foreign
        Lines the strategy does not recognise (recorded, left alone), as (line, symbol, why).
    previous
        The earlier application, when ``applied`` is False.
    """

    applied: bool
    n_events: int
    foreign: tuple[tuple[int, str, str], ...] = ()
    previous: AppliedInput | None = None
    first_seq: int | None = None
    last_seq: int | None = None


def _foreign_payload(r: Row, source: str) -> dict[str, Any]:
    assert isinstance(r.contract, Foreign)
    return {
        "foreign": r.contract.symbol,
        "why": r.contract.why,
        "qty": r.qty,
        "price": r.price,
        "date": r.day.isoformat(),
        "source": source,
        "line": r.line,
    }


def _check_not_future(pf: ParsedFile, r: Row, field: str, facts: MarketFacts) -> None:
    if r.day > facts.last_session:
        raise DataFormatError(
            pf.path,
            r.line,
            field,
            r.day.isoformat(),
            f"a date on or before the market data's last session {facts.last_session}",
        )


def _load_fold(store: BookStore, conn: Connection, name: str) -> BookFold:
    return fold_book(store.events(conn, name))


def import_positions(
    store: BookStore,
    name: str,
    path: Path,
    facts: MarketFacts,
    *,
    accept_config_change: bool = False,
    progress: Progress | None = None,
) -> ApplyResult:
    """Import a broker's positions file into the book (one ``import`` event per line).

    Each position enters as a fill at its average price on its opened date, tagged with its
    ``tier``/``group`` columns (default tier ``imported``), so cash = capital - premiums paid +
    premiums received. Foreign lines are recorded and left out of the account.

    Raises
    ------
    alvh.errors.DataFormatError
        Any bad line (see ``alvh.live.csvio.read_positions``), an opened date after the market
        data's last session, a contract expired by then, or a lot the book already holds.
    ConfigChangedError
        If the config changed and ``accept_config_change`` is False.
    """
    with store.begin() as conn:
        cfg = current_config(store, conn, name, accept_change=accept_config_change)
        pf = read_positions(path, etf_symbol=cfg.config.hedge.instruments.etf_symbol)
        prev = store.applied(conn, name, pf.sha256)
        if prev is not None:
            return ApplyResult(False, 0, previous=prev)
        held = _load_fold(store, conn, name).open_positions()
        events: list[tuple[date, str, dict[str, Any]]] = []
        foreign: list[tuple[int, str, str]] = []
        source = pf.path.name
        for r in pf.rows:
            _check_not_future(pf, r, "opened", facts)
            if isinstance(r.contract, Foreign):
                foreign.append((r.line, r.contract.symbol, r.contract.why))
                events.append((r.day, "import", _foreign_payload(r, source)))
                continue
            expiry = r.contract.expiry
            if expiry is not None and expiry < facts.last_session:
                raise DataFormatError(
                    pf.path,
                    r.line,
                    "symbol",
                    r.symbol,
                    f"a contract still open on {facts.last_session} (it expired on {expiry})",
                )
            tier = r.tier or IMPORTED_TIER
            key = (r.contract.id, tier, r.group)
            if key in held:
                raise DataFormatError(
                    pf.path,
                    r.line,
                    "symbol",
                    r.symbol,
                    f"a position the book does not hold yet (it holds {held[key].qty:g} of "
                    f"{r.contract.id} in tier {tier!r}); record changes with 'alvh book fills'",
                )
            payload = fill_payload(
                contract=r.contract,
                qty=r.qty,
                price=r.price,
                day=r.day,
                fees_usd=0.0,
                tier=tier,
                group=r.group,
                reason="import",
                source=source,
                line=r.line,
            )
            events.append((r.day, "import", payload))
        seqs = store.append(conn, name, events, input_hash=pf.sha256, progress=progress)
        store.touch_sessions(conn, name, sorted({d for d, _, _ in events}), facts.data_id, "import")
        store.record_input(conn, name, pf.sha256, "import", str(pf.path), seqs)
    return ApplyResult(True, len(events), tuple(foreign), None, *seqs)


@dataclass
class _Sim:
    """The book's lots while a fills file is checked line by line (nothing written yet)."""

    qty: dict[tuple[str, str, str], float] = field(default_factory=dict)
    foreign: dict[str, int] = field(default_factory=dict)

    def lots_of(self, contract_id: str) -> list[tuple[str, str, str]]:
        return [k for k, q in self.qty.items() if k[0] == contract_id and q != 0]


def _fill_key(pf: ParsedFile, r: Row, sim: _Sim) -> tuple[str, str, str]:
    """The lot a fill belongs to; raises for a close of something not held."""
    cid = r.contract.id
    lots = sim.lots_of(cid)
    if r.tier or r.group:
        key = (cid, r.tier or MANUAL_TIER, r.group)
        if r.effect == "close" and sim.qty.get(key, 0.0) == 0:
            held = ", ".join(f"{t or '-'}/{g or '-'}" for _, t, g in lots) or "none"
            raise DataFormatError(
                pf.path,
                r.line,
                "tier/group",
                f"{r.tier}/{r.group}",
                f"a lot the book holds to close (lots of {cid}: {held})",
            )
        return key
    if r.effect == "open" or (r.effect == "auto" and not lots):
        return (cid, MANUAL_TIER, "")
    if not lots:
        raise DataFormatError(
            pf.path,
            r.line,
            "symbol",
            r.symbol,
            f"a position the book holds (effect=close, but the book holds no {cid})",
        )
    if len(lots) > 1:
        held = ", ".join(f"{t or '-'}/{g or '-'} ({sim.qty[k]:g})" for k in lots for _, t, g in [k])
        raise DataFormatError(
            pf.path,
            r.line,
            "tier/group",
            None,
            f"tier and group columns naming one lot: {cid} is held in several ({held})",
        )
    return lots[0]


def _check_close(pf: ParsedFile, r: Row, held: float, key: tuple[str, str, str]) -> None:
    closing = held != 0 and (held > 0) != (r.qty > 0)
    if r.effect == "close" and not closing:
        raise DataFormatError(
            pf.path,
            r.line,
            "quantity",
            str(r.qty),
            f"a quantity of the opposite sign to the {held:g} held (effect=close)",
        )
    if closing and abs(r.qty) > abs(held):
        raise DataFormatError(
            pf.path,
            r.line,
            "quantity",
            str(r.qty),
            f"at most {abs(held):g} to close ({key[0]} held {held:g} in tier {key[1]!r}); "
            "write the reversal as two lines, a close and an open",
        )


def apply_fills(
    store: BookStore,
    name: str,
    path: Path,
    facts: MarketFacts,
    *,
    accept_config_change: bool = False,
    progress: Progress | None = None,
) -> ApplyResult:
    """Apply a file of executions to the book (one ``fill`` event per line).

    Raises
    ------
    alvh.errors.DataFormatError
        Any bad line (see ``alvh.live.csvio.read_fills``); a date before the book's last
        session (out of order) or after the market data's last session (in the future); a
        close of a position not held or larger than held; an untagged close of a contract held
        in several lots.
    ConfigChangedError
        If the config changed and ``accept_config_change`` is False.
    """
    with store.begin() as conn:
        cfg = current_config(store, conn, name, accept_change=accept_config_change)
        pf = read_fills(path, etf_symbol=cfg.config.hedge.instruments.etf_symbol)
        prev = store.applied(conn, name, pf.sha256)
        if prev is not None:
            return ApplyResult(False, 0, previous=prev)
        book_fold = _load_fold(store, conn, name)
        last = store.last_session(conn, name)
        sim = _Sim(
            {k: p.qty for k, p in book_fold.open_positions().items()},
            {s: f.qty for s, f in book_fold.foreign.items()},
        )
        events: list[tuple[date, str, dict[str, Any]]] = []
        foreign: list[tuple[int, str, str]] = []
        source = pf.path.name
        for r in pf.rows:
            if last is not None and r.day < last:
                raise DataFormatError(
                    pf.path,
                    r.line,
                    "date",
                    r.day.isoformat(),
                    f"a date on or after the book's last session {last} (fills in order)",
                )
            _check_not_future(pf, r, "date", facts)
            if isinstance(r.contract, Foreign):
                held_f = sim.foreign.get(r.contract.symbol, 0)
                if r.effect == "close" and held_f == 0:
                    raise DataFormatError(
                        pf.path, r.line, "symbol", r.symbol, "a position the book holds"
                    )
                sim.foreign[r.contract.symbol] = held_f + r.qty
                foreign.append((r.line, r.contract.symbol, r.contract.why))
                events.append((r.day, "fill", _foreign_payload(r, source)))
                continue
            key = _fill_key(pf, r, sim)
            held = sim.qty.get(key, 0.0)
            _check_close(pf, r, held, key)
            sim.qty[key] = held + r.qty
            payload = fill_payload(
                contract=r.contract,
                qty=r.qty,
                price=r.price,
                day=r.day,
                fees_usd=r.fees_usd,
                tier=key[1],
                group=key[2],
                reason=r.reason or "fill",
                source=source,
                line=r.line,
            )
            events.append((r.day, "fill", payload))
        seqs = store.append(conn, name, events, input_hash=pf.sha256, progress=progress)
        store.touch_sessions(conn, name, sorted({d for d, _, _ in events}), facts.data_id, "fills")
        store.record_input(conn, name, pf.sha256, "fills", str(pf.path), seqs)
    return ApplyResult(True, len(events), tuple(foreign), None, *seqs)


# -- reads ---------------------------------------------------------------------------------------
def load_fold(store: BookStore, name: str) -> tuple[BookRow, BookFold, int]:
    """Return the book row, the fold of its log and the number of events (one read)."""
    with store.engine.connect() as conn:
        row = store.book(conn, name)
        events = store.events(conn, name)
    return row, fold_book(events), len(events)


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One contract where the book and the broker disagree (or a foreign position)."""

    symbol: str
    book_qty: float
    broker_qty: float
    status: str  # "missing" (book only), "extra" (broker only), "quantity", "foreign"

    @property
    def gap(self) -> float:
        """Broker minus book quantity."""
        return self.broker_qty - self.book_qty


def diff_positions(
    store: BookStore, name: str, path: Path, *, accept_config_change: bool = False
) -> tuple[list[DiffLine], int]:
    """Compare the book's net positions per contract with a broker's positions file.

    Returns the disagreements (sorted by symbol) and how many contracts agree. Lots are netted
    per contract (a broker shows one line per contract, not per condor). Nothing is written
    except a journaled config change when accepted.
    """
    with store.begin() as conn:
        cfg = current_config(store, conn, name, accept_change=accept_config_change)
        book_fold = _load_fold(store, conn, name)
    pf = read_positions(path, etf_symbol=cfg.config.hedge.instruments.etf_symbol)
    broker: dict[str, float] = {}
    broker_foreign: dict[str, float] = {}
    for r in pf.rows:
        if isinstance(r.contract, Foreign):
            broker_foreign[r.contract.symbol] = broker_foreign.get(r.contract.symbol, 0) + r.qty
        else:
            broker[r.contract.id] = broker.get(r.contract.id, 0.0) + r.qty
    mine = book_fold.held_by_contract()
    out: list[DiffLine] = []
    agree = 0
    for cid in sorted(mine.keys() | broker.keys()):
        b, k = mine.get(cid, 0.0), broker.get(cid, 0.0)
        if b == k:
            agree += 1
        else:
            status = "missing" if k == 0 else "extra" if b == 0 else "quantity"
            out.append(DiffLine(cid, b, k, status))
    mine_f = {s: float(f.qty) for s, f in book_fold.foreign.items()}
    for sym in sorted(mine_f.keys() | broker_foreign.keys()):
        b, k = mine_f.get(sym, 0.0), broker_foreign.get(sym, 0.0)
        if b == k:
            agree += 1
        else:
            status = "missing" if k == 0 else "extra" if b == 0 else "quantity"
            out.append(DiffLine(sym, b, k, status + " (foreign)"))
    return out, agree


def read_log(
    store: BookStore, name: str, *, after_seq: int = 0, limit: int = 50
) -> tuple[list[Event], int]:
    """Return one page of the event log (after ``after_seq``) and the total event count."""
    with store.engine.connect() as conn:
        store.book(conn, name)
        return store.events(conn, name, after_seq=after_seq, limit=limit), store.count_events(
            conn, name
        )
