"""``alvh calendar``: tables, CSV and JSON output, and typed errors without tracebacks."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from alvh.cli.app import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_expiries_csv_for_spxw(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "calendar",
        "expiries",
        "--product",
        "spxw",
        "--start",
        "2023-04-03",
        "--end",
        "2023-04-10",
        "--csv",
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    # Good Friday 2023-04-07: the weekly expires Thursday; no expiry on the holiday.
    assert df["expiry"].tolist() == [
        "2023-04-03",
        "2023-04-04",
        "2023-04-05",
        "2023-04-06",
        "2023-04-10",
    ]
    assert df.loc[df["expiry"] == "2023-04-06", "kind"].item() == "weekly"
    assert set(df["settlement"]) == {"PM"}


def test_expiries_json_for_vx(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "calendar",
        "expiries",
        "-p",
        "vx",
        "--start",
        "2024-06-01",
        "--end",
        "2024-06-30",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)
    assert [(r["contract"], r["expiry"], r["weekday"]) for r in rows] == [
        ("VXM24", "2024-06-18", "Tue")  # Juneteenth moved it off Wednesday
    ]


def test_expiries_table_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "calendar", "expiries", "--start", "2014-04-01", "--end", "2014-04-30"
    )
    assert code == 0
    assert "2014-04-17" in out and "monthly" in out and "AM" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--start", "2024-13-01", "--end", "2024-12-31"), "YYYY-MM-DD"),
        (("--start", "2024-03-01", "--end", "2024-02-01"), "before --start"),
        (("--product", "spy", "--start", "2024-01-01", "--end", "2024-02-01"), "spx, spxw, vx"),
        (("--start", "1980-01-01", "--end", "1980-02-01"), "outside the expiry calendar"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], needle: str
) -> None:
    code, out, err = _run(capsys, "calendar", "expiries", *args)
    assert code == 2
    assert needle in out + err
    assert "Traceback" not in out + err


def test_sessions_show_cfe_only_day_and_early_close(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "calendar",
        "sessions",
        "-x",
        "CFE",
        "--start",
        "2024-12-23",
        "--end",
        "2025-01-10",
        "--csv",
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert "2025-01-09" in df["session"].tolist()
    assert df.set_index("session").loc["2024-12-24", "close_et"] == "13:00"
    code, out, _ = _run(
        capsys, "calendar", "sessions", "--start", "2025-01-08", "--end", "2025-01-10", "--csv"
    )
    assert pd.read_csv(io.StringIO(out))["session"].tolist() == ["2025-01-08", "2025-01-10"]


def test_differences_lists_the_carter_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "calendar", "differences", "--json")
    assert code == 0
    rows = {r["day"]: r for r in json.loads(out)}
    assert rows["2025-01-09"]["cfe_open"] is True and rows["2025-01-09"]["nyse_open"] is False
    assert rows["2001-09-11"]["nyse_open"] is False


def test_expiries_listed_on_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    # Mon 2007-06-04: of the SPXW expiries to 2007-12-31 only the 06-08 Weekly (listed Thu
    # 05-31, a week ahead) and the three Quarterlys (a year ahead) were tradable.
    args = ["calendar", "expiries", "-p", "spxw", "--start", "2007-06-01", "--end", "2007-12-31"]
    code, out, _ = _run(capsys, *args, "--listed-on", "2007-06-04", "--csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert df["expiry"].tolist() == ["2007-06-08", "2007-06-29", "2007-09-28", "2007-12-31"]
    assert df["listed_from"].tolist() == ["2007-05-31", "2006-07-31", "2006-09-27", "2006-12-30"]
    code, _, err = _run(capsys, *args, "--listed-on", "2007-13-01")
    assert code == 2 and "--listed-on" in err and "Traceback" not in err
    code, _, err = _run(
        capsys,
        "calendar",
        "expiries",
        "-p",
        "vx",
        "--start",
        "2007-06-01",
        "--end",
        "2007-12-31",
        "--listed-on",
        "2007-06-04",
    )
    assert code == 2 and "not modelled" in err
