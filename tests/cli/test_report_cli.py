"""``alvh compare``: the command it prints in headline.md, the empty-store hint, a small run."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from alvh.cli.app import main
from alvh.cli.report import compare_command


def test_compare_command_round_trips_through_a_shell() -> None:
    cmd = compare_command(
        "none,alvh-442@margin",
        None,
        "store",
        "2006-01-03",
        None,
        None,
        Path("/data/my store"),
        Path("out/headline"),
        1000,
    )
    assert shlex.split(cmd) == [
        "alvh",
        "compare",
        "--presets",
        "none,alvh-442@margin",
        "--data",
        "store",
        "--start",
        "2006-01-03",
        "--store",
        "/data/my store",
        "--out",
        "out/headline",
    ]
    assert "--reps 200" in compare_command("none", None, None, None, None, 7, None, Path("o"), 200)


def test_compare_on_an_empty_store_fails_at_once_with_the_import_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, out = tmp_path / "store", tmp_path / "out"
    store.mkdir()
    args = ["compare", "--presets", "none,alvh-442", "--data", "store", "--store", str(store)]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "alvh data import" in err and "Traceback" not in err
    assert not (out / "none").exists()  # failed before running anything


@pytest.mark.slow
def test_compare_writes_headline_with_its_command(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "--presets", "none,alvh-442", "--start", "2019-01-02", "--end", "2019-04-30"]
    assert main([*args, "--reps", "50", "--out", str(out)]) == 0
    text = (out / "headline.md").read_text()
    assert shlex.join(["alvh", *args, "--reps", "50", "--out", str(out)]) in text
    assert (out / "sensitivity.md").read_text().count("\n| alvh-442") == 1
    assert "| none (no hedge) |" in text
