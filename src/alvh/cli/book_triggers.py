"""The triggers table of ``alvh book status`` (``alvh.live.triggers``), rendered with rich."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from alvh.live.triggers import BookTriggers


def _num(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:,.{digits}f}"


def render_triggers(t: BookTriggers, c: Console) -> None:
    """Print every rule with its value, threshold, distance to firing and verdict."""
    tab = Table(title=f"triggers on {t.day}: distance to firing (> 0: not firing yet)")
    for col in ("rule", "about", "test", "value", "threshold", "distance", "dist %", "fired"):
        tab.add_column(
            col, justify="right" if col in ("value", "threshold", "distance", "dist %") else "left"
        )
    tab.add_column("detail / reason")
    for r in t.rows:
        frac = "" if r.distance_frac is None else f"{r.distance_frac:.1%}"
        tab.add_row(
            escape(r.rule.removeprefix("hedge.trigger.")),
            escape(r.subject),
            escape(r.test),
            _num(r.value),
            _num(r.threshold),
            _num(r.distance)
            + (f" {escape(r.units)}" if r.distance is not None and r.units else ""),
            frac,
            "[bold red]fired[/]" if r.fired else "",
            escape(r.detail or r.reason),
            style="bold" if r.fired else None,
        )
    c.print(tab)
    if t.hedge_rule == "alvh":
        verdict = t.add_reason or "no layer would be added on these triggers"
        c.print(f"decision tree: {escape(verdict)}")
        c.print(
            f"clear sessions: {t.clear_streak} of {t.clear_needed} needed to remove the top "
            f"layer (today {'clear' if t.clear_today else 'not clear'})"
        )
    for u in t.unrecognised:
        c.print(f"not a condor the rules read: {escape(u)}", style="yellow")
    if t.note:
        c.print(escape(t.note), style="dim")
