"""headline.md: the README block written from a fixture comparison (no engine, no real data)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_fixtures import fixture_events
from test_compare_sensitivity import FAST, variant_run

from alvh.report.compare import compare_runs
from alvh.report.headline import headline_markdown, read_comparison, write_headline
from alvh.report.rundir import load_run

COMMAND = "alvh compare --presets none,alvh-442,442-budget@margin --data store --out out/h"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("headline")
    runs = [
        variant_run(root / "none", "none"),
        variant_run(root / "alvh-442", "alvh-442"),
        variant_run(root / "442-budget@margin", "442-budget", "margin", "budget", seed=4),
    ]
    events = fixture_events(load_run(runs[0]).equity.index)
    compare_runs(runs, root / "out", events=events, settings=FAST)
    return root / "out"


@pytest.fixture(scope="module")
def text(out_dir: Path) -> str:
    return write_headline(out_dir, COMMAND).read_text()


def _tables(md: str) -> list[list[list[str]]]:
    """Return each markdown table as rows of cells (header first, separator dropped)."""
    tables, cur = [], []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not all(set(c) <= {"-"} and c for c in cells):
                cur.append(cells)
        elif cur:
            tables.append(cur)
            cur = []
    return tables


def test_headline_starts_with_the_exact_command_and_names_data_period_capital(
    text: str, out_dir: Path
) -> None:
    meta, _ = read_comparison(out_dir)
    block = text.split("```sh\n", 1)[1].split("\n```", 1)[0]
    assert block == COMMAND
    assert text.index(COMMAND) < text.index("|")  # the command comes before any number
    assert f"Data id `{meta['data_id']}`" in text
    assert f"{meta['period_start']}..{meta['period_end']}" in text
    assert "capital base $1,000,000" in text


def test_runs_table_shows_each_runs_numbers(text: str, out_dir: Path) -> None:
    _, rows = read_comparison(out_dir)
    runs = _tables(text)[0]
    head, body = runs[0], runs[1:]
    assert all(len(r) == len(head) for r in body)
    assert [r[0] for r in body] == [
        "none (no hedge)",
        "alvh-442 (max_loss)",
        "442-budget (margin)",
    ]
    col = {h: i for i, h in enumerate(head)}
    for r, cells in zip(rows, body, strict=True):
        assert cells[col["CAGR %"]] == f"{r['cagr_pct']:.2f}"
        assert cells[col["max DD %"]] == f"{r['max_drawdown_pct']:.1f}"
        assert cells[col["vol %"]] == f"{r['volatility_pct']:.1f}"
    budget = rows[2]
    cost = body[2][col["hedge cost % of capital/month [95% CI]"]]
    lo, hi = budget["hedge_cost_lo"], budget["hedge_cost_hi"]
    assert cost == f"{budget['hedge_cost_pct_per_month']:.2f} [{lo:.2f}, {hi:.2f}]"
    assert body[2][col["claim 1"]] == budget["claim1"]
    assert body[0][col["claim 1"]] == "n/a"  # no hedge: the claims do not apply
    assert body[1][col["notional base"]] == "max_loss (unused: sized on vega)"


def test_every_claim_line_has_its_verdict_numbers_and_period(text: str, out_dir: Path) -> None:
    meta, rows = read_comparison(out_dir)
    period = f"{meta['period_start']}..{meta['period_end']}"
    lines = [ln for ln in text.splitlines() if ln.startswith("- Claim ") and "**" in ln]
    assert len(lines) == 3 * 2  # three claims for each hedged run
    for r, chunk in zip(rows[1:], (lines[:3], lines[3:]), strict=True):
        for n, line in enumerate(chunk, start=1):
            assert line.startswith(f"- Claim {n} (")
            assert f"**{r[f'claim{n}']}**" in line
            assert period in line and re.search(r"\d\.\d", line)
        hedged, unhedged = r["max_drawdown_pct"], r["unhedged_max_drawdown_pct"]
        twin = f"max DD {hedged:.1f}% hedged vs {unhedged:.1f}% for the twin holding its condors"
        assert twin in chunk[0]
        assert f"reduction {r['dd_reduction'] * 100:.1f}% (95% CI [" in chunk[0]
        # At matched risk: the run without a hedge, sized on its own equity, is named too.
        assert f"and {rows[0]['max_drawdown_pct']:.1f}% for the run without a hedge" in chunk[0]


def test_sensitivity_and_alternative_tables(text: str, out_dir: Path) -> None:
    _, rows = read_comparison(out_dir)
    _runs, sens, alt = _tables(text)
    assert [r[0] for r in sens[1:]] == ["alvh-442 (max_loss)", "442-budget (margin)"]
    assert [r[0] for r in alt[1:]] == ["alvh-442 (max_loss)", "442-budget (margin)"]
    assert all(len(r) == len(alt[0]) for r in alt)
    k = rows[1]["scaled_mean_factor"]
    assert isinstance(k, float)  # the fixture's books both earn: k is defined
    assert alt[1][3] == f"{k:.3f}"
    smaller = rows[1]["max_drawdown_pct"] > rows[1]["scaled_mean_max_drawdown_pct"]
    assert alt[1][6] == ("smaller" if smaller else "not smaller")


def test_alternative_undefined_when_the_hedged_book_loses(out_dir: Path) -> None:
    meta, rows = read_comparison(out_dir)
    losing = dict(rows[1], scaled_mean_factor=None, cagr_pct=-5.2)
    losing["scaled_mean_reason"] = "the hedged book's mean return is not positive"
    md = headline_markdown(meta, [rows[0], losing], COMMAND)
    alt = _tables(md)[-1]
    assert "cash (k = 0) does as well" in alt[1][3] and alt[1][1] == "-5.20"


def test_no_442_run_says_so(out_dir: Path) -> None:
    meta, rows = read_comparison(out_dir)
    md = headline_markdown(meta, rows[:1], COMMAND)
    assert "No 4/4/2 run" in md and "No hedged run" in md
    assert "of 0" in md  # the verdict counts say there was nothing to judge
