"""``alvh book adopt``: the step takes imported iron condors over, or nothing is written.

An imported SPX condor adopted on 2008-09-12 in the synthetic stress quarter is managed from
the next session as if the step had opened it: the tier's exit fires with its journal reason
and the step closes all four legs, in lot group ``condor-1000000``; advancing in two calls, or
adopting after the book was stepped, writes the same fills, orders and journal. Groups that are
not an iron condor (3 legs, unequal quantities, two expiries, legs in the wrong order, a tier
that is ambiguous or missing) are refused, naming them, with nothing written; adopting twice
writes nothing the second time.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from helpers import FACTS, config_book, log_rows, write
from signal_fixtures import quarter_config

from alvh.cli.app import main
from alvh.config.load import dump_toml
from alvh.live.adopt import AdoptError, adopt_condors
from alvh.live.advance import advance_book
from alvh.live.context import MarketFacts
from alvh.live.fold import fold_book
from alvh.live.managed import ADOPT_RULE, NOT_MANAGED_RULE
from alvh.live.service import import_positions, init_book
from alvh.live.signal import load_for_signal
from alvh.live.store import BookStore

ADOPT_DAY = date(2008, 9, 12)
ON_ADOPT_DAY = MarketFacts(last_session=ADOPT_DAY, data_id=None)
QUARTER_END = MarketFacts(last_session=date(2008, 11, 28), data_id=None)
# The strikes the quarter's backtest opened as its medium condor 6 on 2008-09-09 (35 days to
# expiry on the adoption day: the medium tier's 30-45 window), 2 lots, credit 16 + 5 - 9 - 2.
CONDOR = """symbol,quantity,avg_price,opened,group
SPX   081017P01160000,2,9.0,2008-09-09,ic1
SPX   081017P01210000,-2,16.0,2008-09-09,ic1
SPX   081017C01475000,-2,5.0,2008-09-09,ic1
SPX   081017C01525000,2,2.0,2008-09-09,ic1
"""
GROUP = "condor-1000000"


@pytest.fixture(scope="module")
def quarter():  # type: ignore[no-untyped-def]
    cfg = quarter_config()
    return cfg, load_for_signal(cfg, None, cfg.data.end)


def _book(tmp_path: Path, url: str, cfg, name: str = "a") -> BookStore:  # type: ignore[no-untyped-def]
    return config_book(tmp_path, url, cfg, name)


def _events(store: BookStore, name: str = "a") -> list[tuple[date, str, dict]]:  # type: ignore[type-arg]
    return log_rows(store, name)


def _stepped(events: list[tuple[date, str, dict]]) -> list[tuple[date, str, dict]]:  # type: ignore[type-arg]
    """The step's events: its fills, orders and journal (no imports, no adoption)."""
    return [
        (d, k, p)
        for d, k, p in events
        if (k == "fill" and p["source"] == "paper")
        or k == "order"
        or (k == "journal" and p["rule"] != ADOPT_RULE)
    ]


def _imported(tmp_path: Path, store: BookStore, name: str = "a") -> None:
    import_positions(store, name, write(tmp_path, "ic.csv", CONDOR), ON_ADOPT_DAY)


def test_an_adopted_condor_is_closed_by_its_tiers_exit(
    quarter, tmp_path: Path, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    cfg, market = quarter
    cap = cfg.capital.initial_usd
    store = _book(tmp_path, db_url, cfg)
    _imported(tmp_path, store)
    res = adopt_condors(store, "a", ON_ADOPT_DAY)
    (a,) = res.adopted
    assert (a.cid, a.tier, a.qty, a.credit, res.day) == (1_000_000, "medium", 2, 10.0, ADOPT_DAY)
    assert a.strikes == (1160.0, 1210.0, 1475.0, 1525.0) and a.root == "SPX"
    advance_book(store, "a", cfg, cap, market, cfg.data.end, QUARTER_END)
    events = _events(store)
    exits = [
        (d, p)
        for d, k, p in events
        if k == "journal"
        and p["rule"] == "tier.medium.exit"
        and json.loads(p["inputs_json"]).get("condor") == a.cid
    ]
    # Judged from the first session after the adoption day, every session until it fires.
    assert exits[0][0] == date(2008, 9, 15) and exits[0][1]["outcome"] == "clear"
    ((decided, fired),) = [(d, p) for d, p in exits if p["outcome"] == "fired"]
    assert exits[-1] == (decided, fired)
    assert fired["reason"] == "stop: loss 21.03 >= 2 x credit 10.00"  # the tier's 2x stop
    closes = [(d, p) for d, k, p in events if k == "fill" and p["group"] == GROUP]
    assert sorted((p["contract"], p["qty"]) for _, p in closes) == [
        ("SPX 2008-10-17 C 1475", 2.0),
        ("SPX 2008-10-17 C 1525", -2.0),
        ("SPX 2008-10-17 P 1160", -2.0),
        ("SPX 2008-10-17 P 1210", 2.0),
    ]
    assert {(d, p["tier"], p["reason"], p["source"]) for d, p in closes} == {
        (date(2008, 9, 24), "medium", fired["reason"], "paper")  # filled at the next close
    }
    # Until it was adopted the legs were not managed; from the next session they are the step's.
    left = [(d, p) for d, k, p in events if k == "journal" and p["rule"] == NOT_MANAGED_RULE]
    assert left and max(d for d, _ in left) == ADOPT_DAY
    assert "SPX 2008-10-17 P 1210 -2" in left[-1][1]["reason"]
    with store.engine.connect() as conn:
        lots = fold_book(store.events(conn, "a")).open_positions()
    assert not [k for k in lots if k[2] in (GROUP, "ic1")]  # the closes net the imported legs


def test_an_adoption_steps_the_same_in_one_call_two_calls_or_after_stepping(
    quarter,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    cfg, market = quarter
    cap = cfg.capital.initial_usd
    one = _book(tmp_path, f"sqlite:///{tmp_path / 'one.sqlite'}", cfg)
    _imported(tmp_path, one)
    adopt_condors(one, "a", ON_ADOPT_DAY)
    advance_book(one, "a", cfg, cap, market, cfg.data.end, QUARTER_END)
    two = _book(tmp_path, f"sqlite:///{tmp_path / 'two.sqlite'}", cfg)
    _imported(tmp_path, two)
    adopt_condors(two, "a", ON_ADOPT_DAY)
    advance_book(two, "a", cfg, cap, market, date(2008, 10, 1), QUARTER_END)
    advance_book(two, "a", cfg, cap, market, cfg.data.end, QUARTER_END)
    assert _events(two) == _events(one)
    late = _book(tmp_path, f"sqlite:///{tmp_path / 'late.sqlite'}", cfg)
    _imported(tmp_path, late)
    advance_book(late, "a", cfg, cap, market, ADOPT_DAY, QUARTER_END)
    with pytest.raises(AdoptError, match="stepped through 2008-09-12"):
        adopt_condors(late, "a", QUARTER_END, day=date(2008, 9, 11))
    assert adopt_condors(late, "a", QUARTER_END).day == ADOPT_DAY  # the last stepped session
    advance_book(late, "a", cfg, cap, market, cfg.data.end, QUARTER_END)
    assert _stepped(_events(late)) == _stepped(_events(one))


# -- refusals and idempotence (no market needed: nothing is stepped) ----------------------------
def _csv(*legs: str) -> str:
    return "symbol,quantity,avg_price,opened,group\n" + "".join(
        f"{leg},2024-06-03,c1\n" for leg in legs
    )


LP, SP = "SPXW  240719P05000000,3,4.1", "SPXW  240719P05050000,-3,5.7"
SC, LC = "SPXW  240719C05600000,-3,3.2", "SPXW  240719C05650000,3,1.8"
OVERLAPPING = """name = "overlap"
[[tiers]]
name = "a"
dte = { min = 7, target = 14, max = 30 }
[[tiers]]
name = "b"
dte = { min = 14, target = 25, max = 45 }
"""


@pytest.mark.parametrize(
    ("legs", "config", "words"),
    [
        ((LP, SP, SC), None, r"group 'c1'.*3 legs; an iron condor has 4"),
        ((LP, SP, "SPXW  240719C05600000,-2,3.2", LC), None, r"quantities \+3/-3/-2/\+3"),
        ((LP, SP, SC, "SPXW  240726C05650000,3,1.8"), None, "legs of 2 expiries"),
        (
            ("SPXW  240719P05000000,-3,5.7", "SPXW  240719P05050000,3,4.1", SC, LC),
            None,
            r"the long put SPXW 2024-07-19 P 5000 is -3",
        ),
        ((LP, SP, SC, LC), OVERLAPPING, r"group 'c1'.*21 days to expiry.*tiers a and b"),
        (
            tuple(x.replace("240719", "240726") for x in (LP, SP, SC, LC)),
            None,
            r"28 days to expiry on 2024-06-28 is in the DTE entry window of no tier",
        ),
    ],
    ids=["3-legs", "unequal-qty", "two-expiries", "wrong-order", "ambiguous-tier", "no-tier"],
)
def test_what_is_not_an_iron_condor_is_refused_and_nothing_written(
    tmp_path: Path, db_url: str, legs: tuple[str, ...], config: str | None, words: str
) -> None:
    path = write(tmp_path, "b.toml", config or 'name = "t"\n')
    store = BookStore(db_url, create=True)
    init_book(store, "b", path)
    import_positions(store, "b", write(tmp_path, "p.csv", _csv(*legs)), FACTS)
    before = _events(store, "b")
    with store.engine.connect() as conn:
        last = store.last_session(conn, "b")
    with pytest.raises(AdoptError, match=words) as err:
        adopt_condors(store, "b", FACTS)
    assert "nothing adopted" in str(err.value)
    assert _events(store, "b") == before
    with store.engine.connect() as conn:
        assert store.last_session(conn, "b") == last


def test_group_adopts_the_condor_asked_for_and_leaves_the_rest_alone(
    tmp_path: Path, db_url: str
) -> None:
    """A lone SPX put beside a condor: adopting everything is refused (the put is no condor),
    ``--group`` adopts the condor and leaves the put alone; an unknown group is refused."""
    store = BookStore(db_url, create=True)
    init_book(store, "b", write(tmp_path, "b.toml", 'name = "t"\n'))
    lone = "SPXW  240719P04800000,-1,2.5,2024-06-03,hedge\n"
    text = _csv(LP, SP, SC, LC) + lone + "SPXW  240712P04900000,-2,1.5,2024-06-03,\n"
    import_positions(store, "b", write(tmp_path, "p.csv", text), FACTS)
    before = _events(store, "b")
    with pytest.raises(AdoptError, match=r"group 'hedge'.*1 legs?; an iron condor has 4"):
        adopt_condors(store, "b", FACTS)
    with pytest.raises(
        AdoptError, match=r"--group nope names no.*its groups: 2024-07-12, c1, hedge"
    ):
        adopt_condors(store, "b", FACTS, groups=("nope",))
    assert _events(store, "b") == before
    res = adopt_condors(store, "b", FACTS, groups=("c1",))
    (a,) = res.adopted
    assert (a.tier, a.qty) == ("short", 3)
    with store.engine.connect() as conn:
        lots = fold_book(store.events(conn, "b")).open_positions()
    # The condor's four legs are the condor's lot group now; the put and the ungrouped lot
    # (named by its expiry) are as imported, left alone.
    assert sorted(g for _, _, g in lots) == sorted([GROUP] * 4 + ["hedge", ""])
    # An ungrouped lot is asked for by its expiry: it is one leg, so refused by name.
    with pytest.raises(AdoptError, match=r"expiry 2024-07-12"):
        adopt_condors(store, "b", FACTS, groups=("2024-07-12",))


def test_an_expired_import_is_named_and_left_alone(tmp_path: Path, db_url: str) -> None:
    """A lot that expired by the adoption day has nothing left to manage: the result names it
    (so none goes missing silently) and the condor beside it is adopted."""
    store = BookStore(db_url, create=True)
    init_book(store, "b", write(tmp_path, "b.toml", 'name = "t"\n'))
    gone = "SPXW  240607P04900000,-1,1.5,2024-05-20,old\n"  # expired 2024-06-07
    # Imported on 2024-06-03, while the put was still open; adopted on 2024-06-28.
    on_import = MarketFacts(last_session=date(2024, 6, 3), data_id=None)
    import_positions(store, "b", write(tmp_path, "p.csv", _csv(LP, SP, SC, LC) + gone), on_import)
    res = adopt_condors(store, "b", FACTS)
    assert res.day > date(2024, 6, 7)
    assert len(res.adopted) == 1 and res.expired == ("SPXW 2024-06-07 P 4900 -1",)
    again = adopt_condors(store, "b", FACTS)
    assert again.adopted == () and again.expired == ("SPXW 2024-06-07 P 4900 -1",)


def test_adopting_twice_writes_nothing_the_second_time(tmp_path: Path, db_url: str) -> None:
    store = BookStore(db_url, create=True)
    init_book(store, "b", write(tmp_path, "b.toml", 'name = "t"\n'))
    import_positions(store, "b", write(tmp_path, "p.csv", _csv(LP, SP, SC, LC)), FACTS)
    first = adopt_condors(store, "b", FACTS)
    (a,) = first.adopted
    assert (a.tier, a.qty, a.credit) == ("short", 3, pytest.approx(5.7 + 3.2 - 4.1 - 1.8))
    after = _events(store, "b")
    assert [p["rule"] for _, k, p in after if k == "journal"] == [ADOPT_RULE]
    again = adopt_condors(store, "b", FACTS)
    assert again.adopted == () and again.already == (a.cid,)
    assert _events(store, "b") == after
    # The book's lots are the condor's now (status, diff and later fills see them so).
    with store.engine.connect() as conn:
        lots = fold_book(store.events(conn, "b")).open_positions()
    assert {(t, g) for _, t, g in lots} == {("short", GROUP)}


def test_cli_adopt_names_the_condor_refuses_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALVH_BOOKS", str(tmp_path / "books"))
    (tmp_path / "store").mkdir()
    monkeypatch.setenv("ALVH_STORE", str(tmp_path / "store"))  # empty: synthetic market
    path = write(tmp_path, "q.toml", dump_toml(quarter_config()))
    assert main(["book", "init", "qb", "--config", str(path)]) == 0
    far = _csv(*(x.replace("240719", "271217") for x in (LP, SP, SC, LC)))
    assert main(["book", "import", "qb", str(write(tmp_path, "p.csv", far))]) == 0
    capsys.readouterr()
    assert main(["book", "adopt", "qb"]) == 2
    err = capsys.readouterr().err
    assert "no tier" in err and "SPXW 2027-12-17 P 5000" in err and "Traceback" not in err
    assert main(["book", "adopt", "qb", "--tier", "9"]) == 2
    assert "--tier = '9'" in capsys.readouterr().err
    assert main(["book", "adopt", "qb", "--tier", "long"]) == 0
    out = capsys.readouterr().out
    assert "adopted condor 1000000 (long): SPXW 2027-12-17 5000/5050/5600/5650 x3" in out
    assert main(["book", "adopt", "qb", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["adopted"] == [] and got["already"] == [1_000_000]


def test_an_adoption_while_an_advance_runs_stops_it_before_the_next_session(
    quarter,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    db_url: str,
) -> None:
    """An advance that read the book before a condor was adopted cannot step past the
    adoption day without it (the stored states would then lack a condor the log says the step
    took over): its next session's transaction sees the adoption and stops; the next advance
    takes the condor over."""
    from alvh.live.step import StepError

    cfg, market = quarter
    cap = cfg.capital.initial_usd
    store = _book(tmp_path, db_url, cfg)
    _imported(tmp_path, store)

    def adopt_meanwhile(out) -> None:  # type: ignore[no-untyped-def]
        if out.day == ADOPT_DAY:
            adopt_condors(BookStore(db_url), "a", ON_ADOPT_DAY)

    with pytest.raises(StepError, match="adopted by another command while this one stepped"):
        advance_book(
            store, "a", cfg, cap, market, cfg.data.end, QUARTER_END, progress=adopt_meanwhile
        )
    with store.engine.connect() as conn:
        assert store.last_stepped(conn, "a") == ADOPT_DAY
    advance_book(store, "a", cfg, cap, market, cfg.data.end, QUARTER_END)
    fired = [
        p
        for _, k, p in _events(store)
        if k == "journal"
        and p["rule"] == "tier.medium.exit"
        and p["outcome"] == "fired"
        and json.loads(p["inputs_json"]).get("condor") == 1_000_000
    ]
    assert len(fired) == 1
