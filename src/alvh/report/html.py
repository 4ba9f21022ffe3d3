"""Self-contained HTML for the run report and the comparison report.

One file, CSS inline, every chart an ``<img>`` with a base64 ``data:`` URI: it opens offline and
can be mailed as is. Every value is escaped.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from alvh.report.bootstrap import Estimate

if TYPE_CHECKING:
    import pandas as pd

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1360px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em;max-width:100%}
h3{font-size:1em;margin-bottom:.2em}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f4f4f4}td.l,th.l{text-align:left}
.holds{background:#d5f5e3}.does-not-hold{background:#fadbd8}.inconclusive{background:#fcf3cf}
.depends{background:#fdebd0}.n-a{color:#888}
img{max-width:100%;display:block;margin:.5em 0}.note{color:#555;font-size:.85em}
code{background:#f4f4f4;padding:0 3px}
"""


def esc(v: object) -> str:
    """Return ``v`` as escaped text."""
    return html.escape(str(v), quote=True)


def num(v: object, fmt: str = "{:,.2f}") -> str:
    """Return a formatted number, ``n/a`` for NaN/None."""
    if v is None:
        return "n/a"
    if isinstance(v, int | float):
        return fmt.format(v) if math.isfinite(float(v)) else "n/a"
    return esc(v)


def est(e: Estimate, scale: float = 1.0, fmt: str = "{:,.2f}") -> str:
    """Return ``value [lo, hi]`` of an estimate, or ``n/a (reason)``."""
    if not e.defined:
        return f"n/a ({esc(e.reason)})" if e.reason else "n/a"
    s = num(e.value * scale, fmt)
    if math.isfinite(e.lo):
        s += f" [{num(e.lo * scale, fmt)}, {num(e.hi * scale, fmt)}]"
    return s


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 1,
    text_from: int | None = None,
) -> str:
    """Return an HTML table; cells are HTML.

    The first ``left`` columns, and every column from ``text_from`` on, are left-aligned (text);
    the others are right-aligned (numbers).
    """

    def cls(i: int) -> str:
        return ' class="l"' if i < left or (text_from is not None and i >= text_from) else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def img(png: bytes, alt: str) -> str:
    """Return an ``<img>`` embedding PNG bytes as a data URI."""
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{b64}">'


def frame_table(frame: pd.DataFrame, fmt: str = "{:,.2f}", left: int = 1) -> str:
    """Return a DataFrame as an HTML table (numbers formatted, text escaped)."""
    rows = [
        [num(v, fmt) if isinstance(v, int | float) else esc(v) for v in r]
        for r in frame.itertuples(index=False)
    ]
    return table([str(c) for c in frame.columns], rows, left)


def page(title: str, body: str) -> str:
    """Return a whole HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def verdict_cell(v: str) -> str:
    """Return a table cell body coloured by verdict."""
    return f'<span class="{esc(v.replace(" ", "-").replace("/", "-"))}">{esc(v)}</span>'


def render_comparison_html(
    rows: list[dict[str, object]], overlay_png: bytes, extra_html: str = ""
) -> str:
    """Return the comparison report of several runs as one HTML document.

    ``extra_html`` (already escaped) goes between the table and the overlay chart.
    """
    headers = ["run", "condor sizing", "CAGR %", "over cash %", "max DD %", "DD cut vs no hedge %"]
    headers += ["Sharpe", "same-return book max DD %", "hedge cost %/month", "costs % of credit"]
    headers += ["drawdown claim", "surprise-loss claim", "hedge-cost claim"]
    body = []
    for r in rows:
        red = r.get("vs_none_dd_reduction")
        on = bool(r.get("hedge_enabled"))
        body.append(
            [
                esc(r["label"]) + f'<br><code class="note">{esc(str(r["run_id"])[:12])}</code>',
                esc(r.get("sizing_label") or "?"),
                num(r["cagr_pct"]),
                num(r.get("excess_cagr_pct")),
                num(r["max_drawdown_pct"]),
                num(float(red) * 100.0 if isinstance(red, int | float) and on else None),
                num(r["sharpe"]),
                num(r.get("scaled_mean_max_drawdown_pct")),
                num(r["hedge_cost_pct_per_month"], "{:.3f}") if on else "n/a",
                num(r.get("costs_pct_of_credit"), "{:.1f}"),
            ]
            + [band_cell(r, i) for i in (1, 2, 3)]
        )
    cash = next((r.get("cash_cagr_pct") for r in rows if r.get("cash_cagr_pct") is not None), None)
    notes = [str(r["twin_sizing_note"]) for r in rows if r.get("twin_sizing_note")]
    parts = ["<h1>alvh comparison</h1>", table(headers, body, 2, len(headers) - 3)]
    parts.append(
        f'<p class="note">Cash alone (T-bills) compounded at {num(cash)}% a year; "over cash" is '
        "each book's CAGR over it. DD cut vs no hedge: 1 - maxDD(hedged) / maxDD(the run "
        "without a hedge), both sized on their own equity (matched risk). Costs: spread and "
        "fees in % of the condor credit collected. Claims: the verdict across the run's band of "
        "assumptions when one ran (hover for every run), else the single run's.</p>"
    )
    if notes:
        parts.append('<p class="note">' + "<br>".join(esc(n) for n in notes) + "</p>")
    parts += [extra_html, img(overlay_png, "equity overlay")]
    parts.append(
        '<p class="note">Each row is one run directory; its own report holds the intervals. '
        "Definitions: docs/report.md.</p>"
    )
    return page("alvh comparison", "\n".join(parts))


def band_cell(r: dict[str, object], n: int) -> str:
    """Return a claim's cell: the band verdict (every run in the tooltip) or the run's own."""
    if not r.get("hedge_enabled"):
        return verdict_cell("n/a")
    kind = r.get(f"claim{n}_band_kind")
    if not isinstance(kind, str):
        return verdict_cell(str(r.get(f"claim{n}")))
    runs = r.get("band_scenarios")
    tip = ""
    if isinstance(runs, list):
        tip = "; ".join(
            f"{'base' if s['axis'] == 'base' else s['axis'] + ': ' + s['level']}: {s[f'claim{n}']}"
            for s in runs
        )
    cls = {"holds": "holds", "fails": "does-not-hold", "inconclusive": "inconclusive"}
    return (
        f'<span class="{cls.get(kind, "depends")}" title="{esc(tip)}">'
        f"{esc(r.get(f'claim{n}_band'))}</span>"
    )
