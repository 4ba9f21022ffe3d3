"""``sweep.html``: heat map over two varied keys, a sortable top table, the top equity curves.

One file that opens offline: plotly's JavaScript is inlined once, every value is escaped, and
the chart ids are fixed so the same sweep gives the same bytes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from alvh.sweep.grid import Vary
from alvh.sweep.results import _atomic_write

PAGE_FILE = "sweep.html"
TOP_COLUMNS = (
    "cagr_pct",
    "volatility_pct",
    "sharpe",
    "sortino",
    "max_drawdown_pct",
    "worst_month_pct",
    "hedge_cost_pct_per_month",
    "unhedged_sharpe",
    "unhedged_max_drawdown_pct",
)

_CSS = """body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;
padding:0 1em}h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:1px solid #ddd;margin-top:2em}
table{border-collapse:collapse;font-size:.85em}th,td{border:1px solid #ddd;padding:3px 7px;
text-align:right}th{background:#f4f4f4;cursor:pointer}td.l{text-align:left}
.note{color:#555;font-size:.85em}"""

# Click a header to sort by it (numbers numerically); click again to reverse.
_SORT_JS = """<script>
document.querySelectorAll('table.sortable th').forEach(function(th, i){
 th.addEventListener('click', function(){
  var tb = th.closest('table').tBodies[0], rows = Array.from(tb.rows);
  var asc = th.dataset.asc !== '1'; th.dataset.asc = asc ? '1' : '0';
  rows.sort(function(a, b){
   var x = a.cells[i].dataset.v || a.cells[i].textContent, y = b.cells[i].dataset.v || b.cells[i].textContent;
   var nx = parseFloat(x), ny = parseFloat(y);
   var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
   return asc ? c : -c;
  });
  rows.forEach(function(r){ tb.appendChild(r); });
 });
});
</script>"""


def _esc(v: object) -> str:
    return html.escape(str(v), quote=True)


def _num(v: Any) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return "n/a"
    return f"{v:,.2f}" if isinstance(v, float) else _esc(v)


def _figure_html(fig: Any, div_id: str, with_js: bool) -> str:
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=with_js,
            div_id=div_id,
            config={"displaylogo": False},
        )
    )


def top_table(table: pd.DataFrame, varies: Sequence[Vary], select: str, top: int) -> str:
    """Return the HTML table of the ``top`` ok configs by ``select`` (sortable in the browser)."""
    ok = table[table["status"] == "ok"].sort_values(
        [select, "index"], ascending=[False, True], kind="mergesort"
    )
    cols = ["config_hash", *(v.key for v in varies), *TOP_COLUMNS]
    head = "".join(f"<th>{_esc(c)}</th>" for c in ["rank", *cols])
    body = []
    for rank, (_, r) in enumerate(ok.head(top).iterrows(), start=1):
        cells = [f"<td>{rank}</td>"]
        for c in cols:
            v = r[c]
            data = f' data-v="{float(v)!r}"' if isinstance(v, float) and math.isfinite(v) else ""
            cls = ' class="l"' if isinstance(v, str) else ""
            cells.append(f"<td{cls}{data}>{_num(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div style="overflow-x:auto"><table class="sortable">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def heat_frame(table: pd.DataFrame, x: str, y: str, metric: str) -> pd.DataFrame:
    """Return the mean of ``metric`` over ok configs for each (y, x) pair (rows y, columns x).

    With more than two varied keys each cell averages over the other keys' values.
    """
    ok = table[table["status"] == "ok"]
    return ok.pivot_table(index=y, columns=x, values=metric, aggfunc="mean", sort=True)


def write_page(
    out: Path,
    table: pd.DataFrame,
    varies: Sequence[Vary],
    select: str,
    luck: dict[str, Any] | None = None,
    top: int = 20,
    n_curves: int = 5,
) -> Path:
    """Write ``out/sweep.html`` and return its path."""
    import plotly.graph_objects as go

    parts = [f"<h1>alvh sweep: {len(table)} configs, best by {_esc(select)}</h1>"]
    data_ids = sorted({str(d) for d in table["data_id"] if d})
    n_fail = int((table["status"] != "ok").sum())
    parts.append(
        f'<p class="note">data {_esc(", ".join(data_ids) or "n/a")}; {n_fail} failed; varied: '
        + ", ".join(f"<code>{_esc(v.key)}</code> = {_esc(list(v.values))}" for v in varies)
        + ". Metrics as in summary.json (docs/report.md); the hedged book unless named unhedged.</p>"
    )
    if luck and "selected" in luck:
        d, p, s = luck["deflated_sharpe"], luck["pbo"], luck["spa"]
        parts.append(
            "<h2>Is the best config luck?</h2><p>"
            f"best: <code>{_esc(luck['selected']['config_hash'])}</code>; deflated Sharpe ratio "
            f"{_num(d['dsr'])} over {d['n_trials']} configs; PBO (CSCV) {_num(p.get('pbo'))}; "
            f"SPA p-value vs its unhedged book {_num(s['p_consistent'])} (docs/sweep.md)</p>"
        )
    js = True
    if len(varies) >= 2 and (table["status"] == "ok").any():
        x, y = varies[0].key, varies[1].key
        hf = heat_frame(table, x, y, select)
        fig = go.Figure(
            go.Heatmap(
                z=hf.to_numpy(),
                x=[str(c) for c in hf.columns],
                y=[str(i) for i in hf.index],
                colorscale="RdYlGn",
                colorbar={"title": select},
            )
        )
        fig.update_layout(
            xaxis_title=x, yaxis_title=y, height=420, margin={"l": 60, "r": 20, "t": 30, "b": 50}
        )
        note = " (mean over the other varied keys)" if len(varies) > 2 else ""
        parts.append(f"<h2>{_esc(select)} over {_esc(x)} and {_esc(y)}{_esc(note)}</h2>")
        parts.append(_figure_html(fig, "heat", js))
        js = False
    parts.append(f"<h2>Top {top} configs by {_esc(select)}</h2>")
    parts.append(top_table(table, varies, select, top))
    ok = table[table["status"] == "ok"].sort_values(
        [select, "index"], ascending=[False, True], kind="mergesort"
    )
    fig = go.Figure()
    for h in ok["config_hash"].head(n_curves):
        eq = pd.read_parquet(out / "equity" / f"{h}.parquet")["hedged_equity_usd"]
        fig.add_trace(go.Scatter(x=[str(d.date()) for d in eq.index], y=eq.to_numpy(), name=h))
    fig.update_layout(yaxis_title="equity USD (hedged book)", height=420)
    parts.append(f"<h2>Equity of the top {n_curves} configs</h2>")
    parts.append(_figure_html(fig, "equity", js))
    doc = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>alvh sweep</title>'
        f"<style>{_CSS}</style></head><body>{''.join(parts)}{_SORT_JS}</body></html>\n"
    )
    path = out / PAGE_FILE
    _atomic_write(path, doc.encode("utf-8"))
    return path
