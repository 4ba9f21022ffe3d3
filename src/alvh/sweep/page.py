"""``sweep.html``: heat maps over any two varied keys, a sortable top table with the claims'
verdicts, the top equity curves, the luck figures and the walk-forward.

One file that opens offline: plotly's JavaScript is inlined once, every value is escaped, and
the chart ids are fixed so the same sweep gives the same bytes. The heat map of ``--heat`` (by
default the first two varied keys) is drawn by plotly; the matrices of every other pair of
varied keys and of every metric in ``HEAT_METRICS`` are embedded as JSON and two selectors
switch between them in the browser (``Plotly.react``), with no server.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from itertools import combinations
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
    # Each claim's verdict, the number it rests on with its 95% bootstrap interval (claim 2:
    # the worst losses and the hedged share above 18%, no interval), and its --band verdict.
    "claim1_verdict",
    "claim1_dd_cut_pct",
    "claim1_dd_cut_lo_pct",
    "claim1_dd_cut_hi_pct",
    "claim1_band",
    "claim2_verdict",
    "claim2_unhedged_worst_loss_pct",
    "claim2_hedged_worst_loss_pct",
    "claim2_hedged_share_above_18pct",
    "claim2_band",
    "claim3_verdict",
    "claim3_cost_pct_per_month",
    "claim3_cost_lo_pct",
    "claim3_cost_hi_pct",
    "claim3_band",
)
# Metrics a heat map can show (the selector's choices); the sweep's --select is shown first.
HEAT_METRICS = (
    "sharpe",
    "sortino",
    "cagr_pct",
    "calmar",
    "max_drawdown_pct",
    "worst_month_pct",
    "return_over_cash_pct",
    "hedge_cost_pct_per_month",
    "claim1_dd_cut_pct",
)

_CSS = """body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;
padding:0 1em}h1{font-size:1.4em}h2{font-size:1.15em;border-bottom:1px solid #ddd;margin-top:2em}
table{border-collapse:collapse;font-size:.85em}th,td{border:1px solid #ddd;padding:3px 7px;
text-align:right}th{background:#f4f4f4;cursor:pointer}td.l{text-align:left}
.note{color:#555;font-size:.85em}td.holds{background:#e3f4e3}td.doesnot{background:#f9e0e0}
td.inconclusive{background:#fdf5dc}"""

# Switch the heat map between embedded matrices: HEAT[pair][metric] = {x, y, z, xk, yk}.
_HEAT_JS = """<script>
(function(){
 var H = JSON.parse(document.getElementById('heat-data').textContent);
 var C = JSON.parse(document.getElementById('heat-colors').textContent);
 var ps = document.getElementById('heat-pair'), ms = document.getElementById('heat-metric');
 function draw(){
  var d = H[ps.value][ms.value];
  Plotly.react('heat', [{type:'heatmap', x:d.x, y:d.y, z:d.z, colorscale:C,
   reversescale: d.lower_better, colorbar:{title:{text:ms.value}}}],
   {xaxis:{title:{text:d.xk}, type:'category'}, yaxis:{title:{text:d.yk}, type:'category'},
    height:420, margin:{l:60, r:20, t:30, b:50}});
  document.getElementById('heat-title').textContent = ms.value + ' over ' + d.xk + ' and ' +
   d.yk + (d.n_other ? ' (mean over the other varied keys)' : '');
 }
 ps.addEventListener('change', draw); ms.addEventListener('change', draw);
})();
</script>"""

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
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
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
    banded = "band_runs" in table and bool(table["band_runs"].notna().any())
    shown = [c for c in TOP_COLUMNS if c in table and (banded or not c.endswith("_band"))]
    cols = ["config_hash", *(v.key for v in varies), *shown]
    head = "".join(f"<th>{_esc(c)}</th>" for c in ["rank", *cols])
    body = []
    for rank, (_, r) in enumerate(ok.head(top).iterrows(), start=1):
        cells = [f"<td>{rank}</td>"]
        for c in cols:
            v = r[c]
            data = f' data-v="{float(v)!r}"' if isinstance(v, float) and math.isfinite(v) else ""
            cls = ' class="l"' if isinstance(v, str) else ""
            if c.endswith("_verdict"):
                kind = {"holds": "holds", "does not hold": "doesnot"}.get(str(v), "inconclusive")
                cls = f' class="l {kind}"' if v and v != "n/a" else ' class="l"'
                v = v or "n/a"
            elif c.endswith("_band"):
                kind = str(r.get(f"{c}_kind", ""))
                css = {"holds": "holds", "fails": "doesnot", "depends": "inconclusive"}
                cls = f' class="l {css[kind]}"' if kind in css else ' class="l"'
                v = v or "n/a"
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


def heat_pairs(varies: Sequence[Vary], heat: tuple[str, str] | None) -> list[tuple[str, str]]:
    """Return the (x, y) key pairs of the heat maps, ``heat`` (or the first two keys) first.

    Raises
    ------
    alvh.errors.ConfigError
        If ``heat`` names a key that is not varied, or the same key twice.
    """
    from alvh.errors import ConfigError

    keys = [v.key for v in varies]
    if len(keys) < 2:
        return []
    first = heat or (keys[0], keys[1])
    for k in first:
        if k not in keys:
            raise ConfigError("--heat", k, f"one of the varied keys: {', '.join(keys)}")
    if first[0] == first[1]:
        raise ConfigError("--heat", ",".join(first), "two different varied keys")
    rest = [p for p in combinations(keys, 2) if set(p) != set(first)]
    return [first, *rest]


def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(float(x)) else None


def heat_data(
    table: pd.DataFrame, varies: Sequence[Vary], pairs: Sequence[tuple[str, str]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Return every heat matrix the page embeds: ``{"x|y": {metric: {x, y, z, ...}}}``.

    Cells are the mean over the ok configs of that pair of values (``heat_frame``); a cell with
    no value is null.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    metrics = [m for m in HEAT_METRICS if m in table]
    for x, y in pairs:
        by_metric = {}
        for m in metrics:
            hf = heat_frame(table, x, y, m)
            by_metric[m] = {
                "xk": x,
                "yk": y,
                "x": [str(c) for c in hf.columns],
                "y": [str(i) for i in hf.index],
                "z": [[_finite(v) for v in row] for row in hf.to_numpy()],
                "n_other": len(varies) - 2,
                "lower_better": m == "hedge_cost_pct_per_month",
            }
        out[f"{x}|{y}"] = by_metric
    return out


def _walk_forward_html(wf: dict[str, Any]) -> str:
    if "out_of_sample" not in wf:
        return f"<h2>Walk-forward</h2><p>{_esc(wf.get('reason', 'not run'))}</p>"
    a, b = wf["out_of_sample"], wf.get("insample_best_same_sessions", {})
    rows = "".join(
        f'<tr><td class="l">{_esc(name)}</td><td>{_num(d.get("total_return_pct"))}</td>'
        f"<td>{_num(d.get('cagr_pct'))}</td><td>{_num(d.get('sharpe'))}</td>"
        f"<td>{_num(d.get('max_drawdown_pct'))}</td></tr>"
        for name, d in (("out of sample (walk-forward)", a), ("in-sample best", b))
        if d
    )
    per = "".join(
        f'<tr><td>{w["window"]}</td><td class="l">{_esc(w["test_start"])}..{_esc(w["test_end"])}'
        f'</td><td class="l">{_esc(w["selected"])}</td><td>{_num(w.get("test_return_pct"))}</td>'
        f"<td>{_num(w.get('insample_best_test_return_pct'))}</td></tr>"
        for w in wf["windows"]
    )
    return (
        f"<h2>Walk-forward: train {wf['train_months']} months, test {wf['test_months']} months, "
        f"pick by {_esc(wf['select'])}</h2>"
        f'<p class="note">{a["start"]}..{a["end"]}; {_esc(wf["assumption"])} (docs/sweep.md)</p>'
        "<table><thead><tr><th>book</th><th>total return %</th><th>CAGR %</th><th>Sharpe</th>"
        f"<th>max DD %</th></tr></thead><tbody>{rows}</tbody></table>"
        '<div style="overflow-x:auto;margin-top:1em"><table><thead><tr><th>window</th><th>test'
        "</th><th>chosen config</th><th>its test return %</th><th>in-sample best's test "
        f"return %</th></tr></thead><tbody>{per}</tbody></table></div>"
    )


def luck_readings(luck: dict[str, Any]) -> list[str]:
    """Return what each luck figure says, in words, by the thresholds of docs/sweep.md."""
    out = []
    dsr = luck["deflated_sharpe"].get("dsr")
    if dsr is not None:
        out.append(
            f"deflated Sharpe ratio {dsr:.2f}: "
            + (
                "at or above 0.95, the best config's Sharpe ratio is distinguishable from the "
                "luck of the search at 5%"
                if dsr >= 0.95
                else "below 0.95, the best config's Sharpe ratio is not distinguishable from "
                "the best of as many configs without skill"
            )
        )
    pbo = luck["pbo"].get("pbo")
    if pbo is not None:
        out.append(
            f"PBO {pbo:.2f}: "
            + (
                "the configs best on half the sessions rank at or below the median on the other "
                "half in at least half of the splits: the selection does not carry over"
                if pbo >= 0.5
                else "the share of splits where the in-sample best ranks at or below the median "
                "out of sample (near 0: the selection carries over)"
            )
        )
    p = luck["spa"].get("p_consistent")
    if p is not None:
        out.append(
            f"SPA p = {p:.3f}: "
            + (
                "below 0.05, some hedged config beats carrying no hedge beyond what trying "
                "this many configs explains"
                if p < 0.05
                else "at or above 0.05, no hedged config beats carrying no hedge beyond what "
                "trying this many configs explains"
            )
        )
    return out


def _claims_note(table: pd.DataFrame) -> str:
    ok = table[(table["status"] == "ok")]
    if "claim1_verdict" not in ok or ok.empty:
        return ""
    parts = []
    for n in (1, 2, 3):
        v = ok[f"claim{n}_verdict"].replace("", "n/a").value_counts()
        text = f"claim {n}: " + ", ".join(
            f"{_esc(k)} {int(v[k])}" for k in sorted(v.index, key=str)
        )
        kinds = ok.get(f"claim{n}_band_kind")
        if kinds is not None and (kinds != "").any():
            b = kinds[kinds != ""].value_counts()
            text += " (across its band: " + ", ".join(
                f"{_esc(k)} {int(b[k])}" for k in sorted(b.index, key=str)
            )
            text += ")"
        parts.append(text)
    return (
        "<h2>The three claims, per config</h2><p>"
        + "; ".join(parts)
        + '</p><p class="note">Each config judged against its own unhedged twin with the rules '
        "and bootstrap of <code>alvh report</code> (docs/report.md): 1 drawdown cut of 35-40% "
        "in FOMC/CPI windows, 2 unhedged &gt; 40% loss in CPI/PPI surprise windows while hedged "
        "rarely &gt; 18%, 3 hedge cost 0.3-0.7% of capital per month; n/a without a hedge. "
        "Each number has its 95% bootstrap interval (<code>_lo</code>, <code>_hi</code>); with "
        "<code>--band</code>, <code>claimN_band</code> is the verdict across the costs and "
        "surface assumptions, one moved at a time (<code>alvh compare --band</code>'s rule). "
        "Verdicts of many configs are not independent evidence: the best of many is selected "
        "(see the luck figures).</p>"
    )


def write_page(
    out: Path,
    table: pd.DataFrame,
    varies: Sequence[Vary],
    select: str,
    luck: dict[str, Any] | None = None,
    top: int = 20,
    n_curves: int = 5,
    heat: tuple[str, str] | None = None,
    walk: dict[str, Any] | None = None,
) -> Path:
    """Write ``out/sweep.html`` and return its path.

    Parameters
    ----------
    heat
        The two varied keys of the heat map shown first (default the first two); the page can
        switch to any other pair.
    walk
        The walk-forward result (``alvh.sweep.walkforward.walk_forward``), shown when given.
    """
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
            f"<ul>{''.join(f'<li>{_esc(x)}</li>' for x in luck_readings(luck))}</ul>"
        )
    js = True
    pairs = heat_pairs(varies, heat)
    if pairs and (table["status"] == "ok").any():
        x, y = pairs[0]
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
            xaxis={"title": x, "type": "category"},
            yaxis={"title": y, "type": "category"},
            height=420,
            margin={"l": 60, "r": 20, "t": 30, "b": 50},
        )
        note = " (mean over the other varied keys)" if len(varies) > 2 else ""
        parts.append(
            f'<h2 id="heat-title">{_esc(select)} over {_esc(x)} and {_esc(y)}{_esc(note)}</h2>'
        )
        pair_opts = "".join(
            f'<option value="{_esc(a)}|{_esc(b)}">{_esc(a)} (x) / {_esc(b)} (y)</option>'
            for a, b in pairs
        )
        metric_opts = "".join(
            f'<option value="{_esc(m)}"{" selected" if m == select else ""}>{_esc(m)}</option>'
            for m in HEAT_METRICS
            if m in table
        )
        parts.append(
            f'<p>keys <select id="heat-pair">{pair_opts}</select> metric '
            f'<select id="heat-metric">{metric_opts}</select></p>'
        )
        parts.append(_figure_html(fig, "heat", js))
        blob = json.dumps(heat_data(table, varies, pairs), sort_keys=True, allow_nan=False)
        # "</" cannot end the script element early: JSON allows "<\/".
        parts.append(
            '<script type="application/json" id="heat-data">'
            + blob.replace("</", "<\\/")
            + "</script>"
            # plotly.js has no "RdYlGn" by name (plotly.py expands it): send the stops.
            + '<script type="application/json" id="heat-colors">'
            + json.dumps([list(c) for c in fig.data[0].colorscale])
            + "</script>"
            + _HEAT_JS
        )
        js = False
    parts.append(_claims_note(table))
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
    if walk is not None:
        parts.append(_walk_forward_html(walk))
    doc = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>alvh sweep</title>'
        f"<style>{_CSS}</style></head><body>{''.join(parts)}{_SORT_JS}</body></html>\n"
    )
    path = out / PAGE_FILE
    _atomic_write(path, doc.encode("utf-8"))
    return path
