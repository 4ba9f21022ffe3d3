"""The live layer sits beside sweep and report: only the CLI imports it."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "alvh"


def test_nothing_below_the_cli_imports_alvh_live() -> None:
    # cli and web are the faces (ARCHITECTURE: "cli / web"); the Book page reads live books.
    pattern = re.compile(r"^\s*(from|import)\s+alvh\.live\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.parts[len(SRC.parts)] not in ("live", "cli", "web") and pattern.search(p.read_text())
    ]
    assert offenders == []


def test_status_knows_the_engines_hedge_layer_tags() -> None:
    from alvh.engine.state import HEDGE_LAYERS
    from alvh.live.status import HEDGE_LAYERS as LIVE_LAYERS

    assert LIVE_LAYERS == HEDGE_LAYERS
