"""What a new user hits in their first hour, run as they would run it (``alvh.cli.app.main``).

Each refused input exits 2 with one message naming what was wrong and what is expected, and
leaves the store exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alvh.cli.app import main
from alvh.engine.journal import write_journal_atomically
from alvh.market.store import Store, import_paths
from alvh.strategy.rules import JournalEntry

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "market"


def _tree(root: Path) -> dict[str, bytes]:
    if root.is_file():
        return {"": root.read_bytes()}
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    cap = capsys.readouterr()
    return code, " ".join((cap.out + cap.err).split())  # rich wraps long lines: compare words


@pytest.fixture
def store(tmp_path) -> Path:
    """A store holding the hand-made fixture files (SPX and VIX bars of 2017-01-03..05)."""
    root = tmp_path / "store"
    import_paths(Store(root), [FIX])
    return root


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A run directory whose journal holds two sessions, 2020-03-04 and 2020-03-05."""
    d = tmp_path / "run"
    d.mkdir()
    sessions = [
        (
            pd.Timestamp(day),
            [
                JournalEntry(
                    "tier.short.exit",
                    {"condor": 5, "credit": 19.632707, "dte": 23, "spx": 2246.0, "delta": 0.0012},
                    "clear",
                    "none",
                    "hold: P&L -20.09 on credit 19.63, 23 DTE: no exit rule fired",
                )
            ],
        )
        for day in ("2020-03-04", "2020-03-05")
    ]
    write_journal_atomically(d / "journal.sqlite", "r1", {}, "d1", "hand-made", sessions)
    return d


# -- the store path ----------------------------------------------------------------------------
def test_store_path_that_is_a_file_is_refused_by_status_and_import(capsys, tmp_path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("not a store\n")
    code, text = _run(capsys, "data", "status", "--store", str(f))
    assert code == 2
    assert f"{f} is a file, not a folder; expected the store folder" in text
    code, text = _run(capsys, "data", "import", str(FIX / "VIX_History.csv"), "--store", str(f))
    assert code == 2 and "is a file, not a folder" in text and "internal error" not in text
    assert f.read_text() == "not a store\n"


def test_store_under_a_file_is_refused(capsys, tmp_path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("x")
    code, text = _run(capsys, "data", "status", "--store", str(f / "store"))
    assert code == 2 and f"{f} is a file, not a folder; expected the parent" in text


# -- import files ------------------------------------------------------------------------------
def test_empty_import_file_says_it_is_empty(capsys, tmp_path, store) -> None:
    before = _tree(store)
    empty = tmp_path / "VIX_empty.csv"
    empty.write_text("")
    code, text = _run(capsys, "data", "import", str(empty), "--store", str(store))
    assert code == 2
    assert f"{empty}; expected a CSV file with a header and rows; it is empty" in text
    assert _tree(store) == before


@pytest.mark.parametrize(
    ("header", "layout", "missing"),
    [
        ("DATE,OPEN,HIGH,LOW", "CBOE index history", "close"),
        ("Trade Date,Futures,Open,High,Low,Close", "CFE per-contract VX", "settle"),
        ("Date,Open,High,Low,Close,Volume", "CBOE index history", None),  # a match: imports
    ],
)
def test_file_missing_a_column_names_it(capsys, tmp_path, store, header, layout, missing) -> None:
    before = _tree(store)
    f = tmp_path / "VIX_cut.csv"
    f.write_text(header + "\n2017-01-03,1,2,0.5,1.5,7\n")
    code, text = _run(capsys, "data", "import", str(f), "--store", str(store))
    if missing is None:
        assert "lacks the column" not in text
        return
    assert code == 2
    assert f"expected a {layout} header; it lacks the column(s) {missing}" in text
    assert "Yahoo OHLC (Date" not in text  # not the list of every known layout
    assert _tree(store) == before


# -- data source -------------------------------------------------------------------------------
def test_store_option_with_synthetic_is_a_contradiction(capsys, tmp_path, store) -> None:
    before = _tree(store)
    out = tmp_path / "out"
    code, text = _run(
        capsys,
        "backtest",
        "--preset",
        "ic-ladder",
        "--data",
        "synthetic",
        "--store",
        str(store),
        "--start",
        "2017-01-03",
        "--end",
        "2017-01-05",
        "--out",
        str(out),
    )
    assert code == 2
    assert "'--data' = 'synthetic'; expected store when --store is given" in text
    assert not out.exists() and _tree(store) == before


def test_naming_a_store_uses_it(capsys, tmp_path) -> None:
    # An empty store named with --store (and no --data): an error about that store, not a
    # quiet run on the synthetic market.
    empty = tmp_path / "empty-store"
    out = tmp_path / "out"
    code, text = _run(
        capsys,
        "backtest",
        "--preset",
        "ic-ladder",
        "--store",
        str(empty),
        "--start",
        "2017-01-03",
        "--end",
        "2017-01-05",
        "--out",
        str(out),
    )
    assert code == 2
    assert f"the store at {empty} holds no data" in text
    assert "synthetic" not in text.lower() and not out.exists()


def test_period_the_store_cannot_serve_names_the_whole_store_span(capsys, tmp_path, store) -> None:
    before = _tree(store)
    code, text = _run(
        capsys,
        "backtest",
        "--preset",
        "ic-ladder",
        "--store",
        str(store),
        "--start",
        "2018-01-02",
        "--end",
        "2018-06-29",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 2
    # The spans are the store's (fixture: SPX 2017-01-03..05, VIX 2017-01-03..05), not the
    # window a run would load (a year before --start to --end).
    assert "no session between 2018-01-02 and 2018-06-29 has both SPX and VIX bars" in text
    assert "SPX 2017-01-03..2017-01-05, VIX 2017-01-03..2017-01-05" in text
    assert "choose dates within 2017-01-03..2017-01-05" in text
    assert _tree(store) == before


# -- dates -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["03/04/2020", "20200304", "2020-W10-3", "2020-3-4", "2020-02-30"])
def test_journal_date_is_iso_only(capsys, run_dir, text) -> None:
    code, out = _run(capsys, "journal", str(run_dir), "--date", text)
    assert code == 2
    assert f"'--date' = '{text}'; expected a" in out and "YYYY-MM-DD" in out


@pytest.mark.parametrize("option", ["--start", "--end"])
def test_backtest_dates_are_iso_only(capsys, tmp_path, option) -> None:
    code, out = _run(
        capsys,
        "backtest",
        "--preset",
        "ic-ladder",
        option,
        "03/04/2020",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2 and f"'{option}' = '03/04/2020'; expected a date as YYYY-MM-DD" in out
    assert not (tmp_path / "o").exists()


def test_weekend_and_holiday_are_not_sessions(capsys, run_dir) -> None:
    code, out = _run(capsys, "journal", str(run_dir), "--date", "2020-03-07")
    assert code == 2
    assert (
        "--date 2020-03-07 (Saturday) is not an NYSE trading session; the nearest sessions "
        "are 2020-03-06 (Fri) and 2020-03-09 (Mon)"
    ) in out
    code, out = _run(capsys, "journal", str(run_dir), "--date", "2020-12-25")
    assert code == 2 and "2020-12-24 (Thu) and 2020-12-28 (Mon)" in out


def test_journal_date_outside_the_run_names_its_span(capsys, run_dir) -> None:
    code, out = _run(capsys, "journal", str(run_dir), "--date", "2021-03-05")
    assert code == 2 and "the journal covers 2020-03-04..2020-03-05" in out


def test_end_before_start_on_the_command_line(capsys, tmp_path) -> None:
    code, out = _run(
        capsys,
        "backtest",
        "--preset",
        "ic-ladder",
        "--start",
        "2020-03-04",
        "--end",
        "2020-01-02",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2
    assert "'--end' = '2020-01-02'; expected a period with start before end" in out
    assert "overrides" not in out and "{...}" not in out


# -- a synthetic run, its report and its journal ------------------------------------------------
@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory) -> tuple[Path, str]:
    """A one-quarter synthetic backtest through the CLI (stdout piped: not a terminal)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("synthetic") / "run"
    args = ["backtest", "--preset", "ic-ladder", "--start", "2020-01-02", "--end", "2020-03-31"]
    code = (
        f"import sys\nfrom alvh.cli.app import main\nsys.exit(main({[*args, '--out', str(out)]!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


@pytest.mark.slow
def test_synthetic_run_says_so_first_and_last_and_names_its_data_once(synthetic_run) -> None:
    run_dir, stdout = synthetic_run
    assert stdout.startswith("SYNTHETIC DATA: synthetic market, seed 7")
    assert "SYNTHETIC DATA: these figures come from the seeded synthetic market" in stdout
    data_id = __import__("json").loads((run_dir / "summary.json").read_text())["data"]["data_id"]
    assert " ".join(stdout.split()).count(data_id) == 2  # the data line and the run footer
    assert "\x1b[" not in stdout and "sessions" not in stdout  # piped: no progress bar, no colour


@pytest.mark.slow
def test_report_header_shows_the_period_and_synthetic(capsys, synthetic_run) -> None:
    run_dir, _ = synthetic_run
    assert main(["report", str(run_dir), "--reps", "10", "--no-events"]) == 0
    html = (run_dir / "report" / "report.html").read_text()
    head = html[html.index("<h1>") : html.index("<h2>")]
    assert "Period: 2020-01-02 to 2020-03-31" in head and "{" not in head
    assert "<b>SYNTHETIC DATA</b>" in head
    data_id = __import__("json").loads((run_dir / "summary.json").read_text())["data"]["data_id"]
    assert head.count(data_id) == 1


@pytest.mark.slow
def test_journal_fits_80_columns_and_has_machine_formats(
    capsys, synthetic_run, monkeypatch
) -> None:
    import json

    run_dir, _ = synthetic_run
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["journal", str(run_dir), "--date", "2020-03-16"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(x) for x in lines) <= 80
    # one rule per block: the rule line, then its reason indented (no 13-character columns)
    heads = [i for i, x in enumerate(lines) if x.startswith("tier.") or x.startswith("hedge")]
    assert heads and all(lines[i + 1].startswith("  ") for i in heads)
    assert not any("inputs_json" in x or "{" in x for x in lines)
    assert main(["journal", str(run_dir), "--date", "2020-03-16", "--json"]) == 0
    recs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert recs and all(r["date"] == "2020-03-16" and isinstance(r["inputs"], dict) for r in recs)
    assert main(["journal", str(run_dir), "--date", "2020-03-16", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("date,rule,inputs_json,outcome,action,reason\n")


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "sessions", "--start", "20200302", "--end", "2020-03-06"],
        ["calendar", "expiries", "--start", "2020-03-02", "--end", "2020-W10-3"],
        ["curve", "--date", "2020-3-6"],
        ["etf", "--start", "03/04/2020", "--end", "2020-06-30"],
    ],
)
def test_every_command_takes_iso_dates_only(capsys, tmp_path, args) -> None:
    bad = next(a for a in args if a[:1].isdigit() and not _is_iso(a))
    option = args[args.index(bad) - 1]
    code, out = (
        _run(capsys, *args, "--store", str(tmp_path / "s"))
        if args[0] != "calendar"
        else (_run(capsys, *args))
    )
    assert code == 2
    assert f"'{option}' = '{bad}'; expected a date as YYYY-MM-DD" in out


def _is_iso(text: str) -> bool:
    import re

    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None


@pytest.mark.parametrize(
    "args",
    [
        ["price", "spx", "--date", "2017-01-04", "--expiry", "2017-01-20", "--strikes", "2200"],
        ["curve", "--date", "2017-01-04"],
        ["etf", "--start", "2017-01-03", "--end", "2017-01-05"],
    ],
)
def test_market_commands_use_the_store_they_are_given(capsys, tmp_path, args) -> None:
    # An empty --store once fell back to the synthetic market without a word.
    empty = tmp_path / "empty"
    code, out = _run(capsys, *args, "--store", str(empty))
    assert code == 2 and f"the store at {empty} holds no data" in out
    assert "synthetic" not in out.lower()
