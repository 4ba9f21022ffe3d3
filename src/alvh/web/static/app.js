// alvh dashboard: sorting/filtering of the Runs table, the run page charts (plotly.js served
// locally), and the day panel loaded from the server when a day on the equity chart is clicked.
"use strict";
const alvh = (() => {
  const q = (s, el = document) => el.querySelector(s);
  const qa = (s, el = document) => Array.from(el.querySelectorAll(s));
  const enc = encodeURIComponent;
  const COLORS = { hedged: "#1f6feb", unhedged: "#d1242f", vx_futures: "#8250df",
    vix_calls: "#bf8700", vix_etf: "#1a7f37" };
  const LAYOUT = { margin: { l: 80, r: 20, t: 10, b: 40 }, hovermode: "x unified",
    legend: { orientation: "h", y: 1.08 }, font: { size: 12 } };
  const CONFIG = { displaylogo: false, responsive: true };
  // Red (worse) - yellow - green (better), as in sweep.html (plotly.js has no RdYlGn by name).
  const RDYLGN = [[0, "#d73027"], [0.25, "#fc8d59"], [0.5, "#ffffbf"], [0.75, "#91cf60"], [1, "#1a9850"]];

  // Click a header to sort the rows by it (numbers numerically, blanks last); again to reverse.
  function sortable(table) {
    if (!table) return;
    qa("thead th", table).forEach((th, i) => {
      if (th.dataset.type === "none") return;
      th.classList.add("sort");
      th.addEventListener("click", () => {
        const num = th.dataset.type === "num";
        const dir = th.dataset.dir === "asc" ? "desc" : "asc";
        qa("th", table).forEach((h) => delete h.dataset.dir);
        th.dataset.dir = dir;
        const key = (tr) => {
          const t = tr.children[i].textContent.trim().replace(/,/g, "");
          return num ? (t === "" ? -Infinity : parseFloat(t)) : t.toLowerCase();
        };
        const rows = qa("tbody tr", table).sort((a, b) => {
          const x = key(a), y = key(b);
          return (x < y ? -1 : x > y ? 1 : 0) * (dir === "asc" ? 1 : -1);
        });
        rows.forEach((r) => table.tBodies[0].appendChild(r));
      });
    });
  }

  function runsPage() {
    const table = q("#runs");
    const filter = q("#filter");
    const btn = q("#compare-btn");
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      qa("tbody tr", table).forEach((tr) => {
        const text = tr.textContent.toLowerCase();
        tr.hidden = !words.every((w) => text.includes(w));
      });
    });
    sortable(table);
    const picked = () => qa(".pick:checked", table).map((c) => c.value);
    table.addEventListener("change", () => { btn.disabled = picked().length < 2; });
    btn.addEventListener("click", () => {
      location.href = "/compare?" + picked().map((k) => "run=" + enc(k)).join("&");
    });
  }

  async function getJSON(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
    return r.json();
  }

  async function loadDay(key, day, push = true) {
    const panel = q("#day");
    panel.innerHTML = '<p class="muted">loading ' + day + "...</p>";
    const r = await fetch("/day?partial=1&run=" + enc(key) + "&date=" + enc(day));
    panel.innerHTML = r.ok ? await r.text() : '<p class="warn">' + r.status + "</p>";
    qa(".day-link", panel).forEach((a) => a.addEventListener("click", (ev) => {
      ev.preventDefault();
      loadDay(key, a.dataset.day);
    }));
    if (push) history.replaceState(null, "", "/run?run=" + enc(key) + "&day=" + day);
    const chart = q("#equity-chart");
    if (chart && chart.data) {
      Plotly.relayout(chart, { shapes: [{ type: "line", xref: "x", yref: "paper", x0: day, x1: day,
        y0: 0, y1: 1, line: { color: "#57606a", width: 1, dash: "dot" } }] });
    }
    panel.scrollIntoView({ behavior: "instant", block: "start" });
  }

  function monthlyHeat(monthly, book) {
    const m = monthly[book] || {};
    const years = [...new Set(Object.keys(m).map((k) => k.slice(0, 4)))].sort();
    const z = years.map((y) => Array.from({ length: 12 }, (_, i) => {
      const v = m[y + "-" + String(i + 1).padStart(2, "0")];
      return v === undefined ? null : v;
    }));
    return { type: "heatmap", x: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
      "Oct", "Nov", "Dec"], y: years, z, zmid: 0, colorscale: "RdBu", reversescale: true, name: book,
      texttemplate: "%{z:.1f}", hovertemplate: book + " %{y}-%{x}: %{z:.2f}%<extra></extra>",
      showscale: false };
  }

  async function loadDecisions(key, offset = 0) {
    const box = q("#decisions");
    const rule = q("#dec-rule").value, acted = q("#dec-acted").checked;
    const r = await fetch("/decisions?run=" + enc(key) + "&rule=" + enc(rule) + "&acted=" + acted +
      "&offset=" + offset);
    box.innerHTML = r.ok ? await r.text() : '<p class="warn">' + r.status + "</p>";
    qa(".dec-page", box).forEach((a) => a.addEventListener("click", (ev) => {
      ev.preventDefault();
      loadDecisions(key, parseInt(a.dataset.offset, 10));
    }));
    qa(".day-link", box).forEach((a) => a.addEventListener("click", (ev) => {
      ev.preventDefault();
      loadDay(key, a.dataset.day);
    }));
  }

  // The run page reads its charts thinned for drawing (alvh.web.decimate: every peak and trough
  // kept, at most POINTS a trace, set by the server); zooming the equity chart re-reads the
  // window at a finer step.
  let POINTS = 1000;
  const seriesURL = (key, start, end) => "/api/series?run=" + enc(key) + "&points=" + POINTS +
    (start ? "&start=" + start : "") + (end ? "&end=" + end : "");

  function equityTraces(s) {
    const eq = [], dd = [];
    for (const b of ["hedged", "unhedged"]) {
      if (!s.books[b]) continue;
      const e = s.books[b].equity_usd, w = s.books[b].drawdown_pct;
      eq.push({ x: e.x, y: e.y, name: b + " equity $", type: "scatter",
        mode: "lines", line: { color: COLORS[b], width: 1.5 } });
      dd.push({ x: w.x, y: w.y, name: b + " drawdown %", type: "scatter",
        mode: "lines", xaxis: "x", yaxis: "y2", line: { color: COLORS[b], width: 1 },
        fill: "tozeroy", opacity: 0.3 });
    }
    return eq.concat(dd);
  }

  function viewNote(s) {
    const v = s.view || {};
    const el = q("#series-note");
    if (!el || !v.sessions) return;
    const thinned = Object.values(s.books).some((b) => b.equity_usd.x.length < v.sessions);
    el.textContent = v.start + " .. " + v.end + ": " + v.sessions.toLocaleString() + " sessions" +
      (thinned ? ", drawn at up to " + v.max_points_per_trace.toLocaleString() +
        " points a line (each bucket's high and low kept); zoom in for every session." :
        ", every session drawn.");
  }

  async function runPage(key, day) {
    q("#dec-rule").addEventListener("change", () => loadDecisions(key));
    q("#dec-acted").addEventListener("change", () => loadDecisions(key));
    // The series was requested by the page's head (window.alvhPrefetch), before plotly.js.
    const pre = window.alvhPrefetch && await window.alvhPrefetch;
    const s = pre && pre.ok ? await pre.json() : await getJSON(seriesURL(key));
    POINTS = (s.view && s.view.max_points_per_trace) || POINTS;
    performance.mark("alvh:series");
    const chart = q("#equity-chart");
    const layout = Object.assign({}, LAYOUT, {
      grid: { rows: 2, columns: 1, pattern: "coupled", roworder: "top to bottom" },
      yaxis: { title: { text: "equity $" }, domain: [0.38, 1] },
      yaxis2: { title: { text: "drawdown %" }, domain: [0, 0.3] },
      xaxis: { type: "date" } });
    await Plotly.newPlot(chart, equityTraces(s), layout, CONFIG);
    performance.mark("alvh:drawn");  // read by bench/bench_web.py
    viewNote(s);
    chart.on("plotly_click", (ev) => {
      if (ev.points && ev.points.length) loadDay(key, String(ev.points[0].x).slice(0, 10));
    });
    // Zoom: re-read the window (the y ranges rescale to it); double-click: back to the whole run.
    let pending = 0;
    chart.on("plotly_relayout", async (ev) => {
      let start = null, end = null;
      if (ev["xaxis.range[0]"] !== undefined) {
        start = String(ev["xaxis.range[0]"]).slice(0, 10);
        end = String(ev["xaxis.range[1]"]).slice(0, 10);
      } else if (!ev["xaxis.autorange"]) {
        return;
      }
      const mine = ++pending;
      const w = start ? await getJSON(seriesURL(key, start, end)) : s;
      if (mine !== pending) return;
      const lay = Object.assign({}, chart.layout, { yaxis: Object.assign({}, chart.layout.yaxis,
        { autorange: true }), yaxis2: Object.assign({}, chart.layout.yaxis2, { autorange: true }) });
      await Plotly.react(chart, equityTraces(w), lay, CONFIG);
      viewNote(w);
      chart.dataset.view = w.view.start + ".." + w.view.end;
    });

    document.body.dataset.ready = "1";
    // The run-wide decisions list is read once the chart to click is up.
    loadDecisions(key);
    if (day) loadDay(key, day, false);
    // The other charts are drawn when they come near the screen: the equity chart (the one
    // to click) is up first, whatever the length of the run.
    const later = {
      "layers-chart": () => drawLayers(s), "vix-chart": () => drawVix(s),
      "monthly-chart": () => drawMonthly(s), "costs-chart": () => drawCosts(s),
    };
    const seen = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting || !later[e.target.id]) continue;
        later[e.target.id]();
        delete later[e.target.id];
        seen.unobserve(e.target);
        if (!Object.keys(later).length) document.body.dataset.charts = "all";
      }
    }, { rootMargin: "300px" });
    Object.keys(later).forEach((id) => seen.observe(q("#" + id)));
  }

  function drawLayers(s) {
    // Vega adds up across layers (stacked); contract counts do not (one panel per layer).
    // Each layer is kept at its change points, so stacking needs one shared date axis: the
    // union of the layers' dates, each layer's value carried forward to it.
    const stacked = s.layers_unit !== "contracts";
    const names = Object.keys(s.layers);
    const xs = [...new Set(names.flatMap((l) => s.layers[l].x))].sort();
    const filled = (l) => {
      const m = new Map(s.layers[l].x.map((x, i) => [x, s.layers[l].y[i]]));
      let last = 0;
      return xs.map((x) => { if (m.has(x)) last = m.get(x); return last; });
    };
    const layers = names.map((l, i) => Object.assign({ x: stacked ? xs : s.layers[l].x,
      y: stacked ? filled(l) : s.layers[l].y, name: l,
      type: "scatter", mode: "lines", line: { shape: "hv", width: stacked ? 0.5 : 1.2, color: COLORS[l] } },
      stacked ? { stackgroup: "layers" } : { yaxis: i ? "y" + (i + 1) : "y" }));
    if (layers.length) {
      const lay = Object.assign({}, LAYOUT, { yaxis: { title: { text: s.layers_unit } } });
      if (!stacked) {
        lay.grid = { rows: names.length, columns: 1, pattern: "coupled", roworder: "top to bottom" };
        names.forEach((l, i) => { lay["yaxis" + (i ? i + 1 : "")] = { title: { text: l + "<br>contracts" } }; });
      }
      Plotly.newPlot("layers-chart", layers, lay, CONFIG);
    } else {
      q("#layers-chart").innerHTML = '<p class="muted">No hedge held in this run.</p>';
    }
  }

  function drawVix(s) {
    const mk = [];
    for (const [c, color] of [["vix", "#24292f"], ["vx1", "#0969da"], ["vx2", "#8c959f"]]) {
      if (s.market[c]) mk.push({ x: s.market[c].x, y: s.market[c].y, name: c.toUpperCase(), type: "scatter",
        mode: "lines", line: { color, width: 1 } });
    }
    for (const sign of [1, -1]) {
      const ch = (s.layer_changes || []).filter((c) => Math.sign(c.change) === sign);
      if (!ch.length) continue;
      mk.push({ x: ch.map((c) => c.date), y: ch.map((c) => c.vix), type: "scatter",
        mode: "markers", name: sign > 0 ? "layer added" : "layer cut",
        text: ch.map((c) => c.layer + " " + (c.change > 0 ? "+" : "") + c.change.toFixed(2)),
        marker: { symbol: sign > 0 ? "triangle-up" : "triangle-down", size: 9,
          color: sign > 0 ? "#1a7f37" : "#cf222e" } });
    }
    Plotly.newPlot("vix-chart", mk, Object.assign({}, LAYOUT, { yaxis: { title: { text: "VIX points" } } }), CONFIG);
  }

  function drawMonthly(s) {
    const heat = ["hedged", "unhedged"].filter((b) => s.monthly[b]).map((b, i) =>
      Object.assign(monthlyHeat(s.monthly, b), { xaxis: i ? "x2" : "x", yaxis: i ? "y2" : "y" }));
    // One row of cells per year, readable for a 20-year run.
    const years = new Set(Object.keys(s.monthly.hedged || {}).map((k) => k.slice(0, 4))).size;
    q("#monthly-chart").style.height = Math.max(320, 24 * years + 90) + "px";
    Plotly.newPlot("monthly-chart", heat, Object.assign({}, LAYOUT, { hovermode: "closest",
      margin: { l: 70, r: 20, t: 30, b: 40 },
      grid: { rows: 1, columns: heat.length, pattern: "independent" },
      annotations: ["hedged", "unhedged"].slice(0, heat.length).map((b, i) => ({ text: b,
        xref: "paper", yref: "paper", x: heat.length > 1 ? (i ? 0.78 : 0.22) : 0.5, y: 1.0,
        yanchor: "bottom",
        showarrow: false })),
      yaxis: { type: "category", autorange: "reversed" }, yaxis2: { type: "category", autorange: "reversed" } }), CONFIG);

  }

  function drawCosts(s) {
    if (s.costs_cum_usd) {
      Plotly.newPlot("costs-chart", [{ x: s.costs_cum_usd.x, y: s.costs_cum_usd.y, name: "cumulative costs $",
        type: "scatter", mode: "lines", line: { color: "#57606a" } }],
        Object.assign({}, LAYOUT, { yaxis: { title: { text: "costs paid $ (cumulative)" } } }), CONFIG);
    } else {
      q("#costs-chart").innerHTML = '<p class="muted">This run has no costs_usd column.</p>';
    }
    const src = Object.keys(s.pnl_total_usd || {});
    Plotly.newPlot("pnl-chart", [{ type: "bar", x: src, y: src.map((n) => s.pnl_total_usd[n]),
      marker: { color: src.map((n) => (s.pnl_total_usd[n] >= 0 ? "#1a7f37" : "#cf222e")) },
      hovertemplate: "%{x}: $%{y:,.0f}<extra></extra>" }],
      Object.assign({}, LAYOUT, { hovermode: "closest", yaxis: { title: { text: "total P&L $ (net of costs)" } } }), CONFIG);
  }

  async function comparePage(keys) {
    if (keys.length < 1) return;
    const all = await getJSON("/api/compare?" + keys.map((k) => "run=" + enc(k)).join("&"));
    // One colour per run; hedged solid, unhedged dotted; drawdown below on the same time axis.
    const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
    const traces = [];
    keys.forEach((k, i) => {
      const s = all[k];
      for (const b of ["hedged", "unhedged"]) {
        if (!s.books[b]) continue;
        const line = { width: 1.2, color: palette[i % palette.length], dash: b === "hedged" ? "solid" : "dot" };
        traces.push({ x: s.books[b].equity_usd.x, y: s.books[b].equity_usd.y, name: k + " " + b, type: "scatter",
          mode: "lines", line, legendgroup: k + b });
        traces.push({ x: s.books[b].drawdown_pct.x, y: s.books[b].drawdown_pct.y, name: k + " " + b + " drawdown %",
          type: "scatter", mode: "lines", yaxis: "y2", showlegend: false, line, legendgroup: k + b });
      }
    });
    Plotly.newPlot("compare-chart", traces, Object.assign({}, LAYOUT, {
      xaxis: { type: "date", anchor: "y2" },
      yaxis: { title: { text: "equity $" }, domain: [0.38, 1] },
      yaxis2: { title: { text: "drawdown %" }, domain: [0, 0.3] } }), CONFIG);
    document.body.dataset.ready = "1";
  }

  // Values of a varied key as the table writes them ("40.0") and as the heat map labels them
  // ("40") are the same value.
  // A varied key's value as the table writes it ("40.0") and as the heat map labels it ("40").
  const norm = (v) => (String(v).trim() !== "" && isFinite(Number(v)) ? String(Number(v)) : String(v));
  const sameValue = (a, b) => norm(a) === norm(b);

  async function sweepPage(name, varied) {
    const top = q("#top");
    sortable(top);
    const sortSel = q("#top-sort");
    sortSel.addEventListener("change", () => {
      location.href = "/sweep?name=" + enc(name) + "&sort=" + enc(sortSel.value);
    });
    const showCell = (xKey, xVal, yKey, yVal) => {
      const ix = varied.indexOf(xKey), iy = varied.indexOf(yKey);
      qa("tbody tr", top).forEach((tr) => {
        tr.hidden = !(sameValue(tr.dataset["v" + ix], xVal) && sameValue(tr.dataset["v" + iy], yVal));
      });
      q("#cell-filter").hidden = false;
      q("#cell-filter").dataset.cell = xKey + "=" + xVal + ", " + yKey + "=" + yVal;
      top.scrollIntoView({ behavior: "instant", block: "start" });
    };
    const clear = q("#cell-clear");
    if (clear) clear.addEventListener("click", (ev) => {
      ev.preventDefault();
      qa("tbody tr", top).forEach((tr) => { tr.hidden = false; });
      q("#cell-filter").hidden = true;
    });
    const heatChart = q("#heat-chart");
    const drawHeat = async () => {
      const x = q("#heat-x").value, y = q("#heat-y").value, m = q("#heat-metric").value;
      const url = "/api/sweep/heat?name=" + enc(name) + "&x=" + enc(x) + "&y=" + enc(y) +
        "&metric=" + enc(m);
      // The first map was requested by the page's head, before plotly.js was parsed.
      const pre = window.alvhHeatPrefetch;
      window.alvhHeatPrefetch = null;
      const same = pre && JSON.stringify(pre.key) === JSON.stringify([name, x, y, m]);
      const r = same ? await pre.response : null;
      const h = r && r.ok ? await r.json() : await getJSON(url);
      const text = h.z.map((row) => row.map((v) => (v === null ? "" : v.toFixed(3))));
      await Plotly.react(heatChart, [{ type: "heatmap", x: h.x, y: h.y, z: h.z, customdata: h.n,
        text, texttemplate: "%{text}", colorscale: RDYLGN, reversescale: h.lower_is_better,
        colorbar: { title: { text: m } },
        hovertemplate: x + " = %{x}<br>" + y + " = %{y}<br>" + m + " = %{z:.4f}<br>mean of %{customdata} configs<extra></extra>" }],
      Object.assign({}, LAYOUT, { hovermode: "closest", margin: { l: 120, r: 20, t: 10, b: 60 },
        xaxis: { type: "category", title: { text: x } }, yaxis: { type: "category", title: { text: y } } }), CONFIG);
      heatChart.dataset.key = x + "|" + y + "|" + m;
    };
    if (heatChart) {
      for (const id of ["#heat-x", "#heat-y", "#heat-metric"]) q(id).addEventListener("change", drawHeat);
      await drawHeat();
      heatChart.on("plotly_click", (ev) => {
        if (!ev.points || !ev.points.length) return;
        const p = ev.points[0];
        showCell(q("#heat-x").value, p.x, q("#heat-y").value, p.y);
      });
    }
    document.body.dataset.ready = "1";
    const c = await getJSON("/api/sweep/curves?name=" + enc(name));
    const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];
    const traces = Object.entries(c.top).map(([h, s], i) => ({ x: s.dates, y: s.equity_usd, name: h,
      type: "scatter", mode: "lines", line: { width: 1.2, color: palette[i % palette.length] } }));
    if (traces.length) {
      Plotly.newPlot("top-chart", traces, Object.assign({}, LAYOUT, { showlegend: true,
        yaxis: { title: { text: "equity $ (hedged book)" } } }), CONFIG);
    } else {
      q("#top-chart").innerHTML = '<p class="muted">No equity files in this sweep folder.</p>';
    }
    const wf = c.walk_forward && c.walk_forward.curves;
    if (q("#wf-chart")) {
      if (wf && wf.out_of_sample) {
        const t = [{ x: wf.out_of_sample.dates, y: wf.out_of_sample.growth, name: "walk-forward (out of sample)",
          type: "scatter", mode: "lines", line: { color: "#1f6feb", width: 1.5 } }];
        if (wf.insample_best) t.push({ x: wf.insample_best.dates, y: wf.insample_best.growth,
          name: "in-sample best (has seen these sessions)", type: "scatter", mode: "lines",
          line: { color: "#8c959f", width: 1.2, dash: "dot" } });
        Plotly.newPlot("wf-chart", t, Object.assign({}, LAYOUT, {
          yaxis: { title: { text: "growth of 1 (hedged book)" } } }), CONFIG);
      } else {
        q("#wf-chart").innerHTML = '<p class="muted">' + ((c.walk_forward || {}).curves_missing ?
          "An equity file is missing: " + c.walk_forward.curves_missing : "No out-of-sample window.") + "</p>";
      }
    }
    document.body.dataset.charts = "all";
  }

  function fidelityPage(data) {
    // Charts are drawn as they come near the screen (a report has 4 index charts and one per
    // chain): the page is usable as soon as the first is up.
    const draw = {};
    qa(".fid-years").forEach((el, k) => { draw["y" + k] = [el, () => {
      const ix = (data.indexes || []).find((i) => i.name === el.dataset.index);
      const w = ix && ix.windows && (ix.windows.whole || Object.values(ix.windows)[0]);
      if (!w || !w.years) return;
      // Calendar-year returns of the replica beside the index, whole window.
      const yrs = w.years.map((y) => String(y.year) + (y.full ? "" : "*"));
      return Plotly.newPlot(el, [
        { type: "bar", x: yrs, y: w.years.map((y) => y.replica_pct), name: "replica (model prices)", marker: { color: "#1f6feb" } },
        { type: "bar", x: yrs, y: w.years.map((y) => y.index_pct), name: "CBOE index", marker: { color: "#8c959f" } },
      ], Object.assign({}, LAYOUT, { barmode: "group", hovermode: "x",
        yaxis: { title: { text: "calendar-year return %" } } }), CONFIG);
    }]; });
    qa(".fid-chain").forEach((el, k) => { draw["c" + k] = [el, () => {
      const ch = (data.chains || [])[parseInt(el.dataset.i, 10)];
      if (!ch) return;
      const traces = ["P", "C"].map((right) => {
        const rows = (ch.by_delta || []).filter((r) => r.right === right);
        return { type: "bar", name: right === "P" ? "puts" : "calls", x: rows.map((r) => r.delta_bucket),
          y: rows.map((r) => r.mean_error_pts), customdata: rows.map((r) => r.count),
          hovertemplate: "|delta| %{x}: mean error %{y:.2f} pts (n %{customdata})<extra>" + right + "</extra>",
          marker: { color: right === "P" ? "#d1242f" : "#1a7f37" } };
      });
      return Plotly.newPlot(el, traces, Object.assign({}, LAYOUT, { barmode: "group", hovermode: "closest",
        xaxis: { title: { text: "|delta| bucket" }, type: "category" },
        yaxis: { title: { text: "model minus market IV, vol pts" } } }), CONFIG);
    }]; });
    const left = new Set(Object.keys(draw));
    const done = (id) => {
      left.delete(id);
      document.body.dataset.ready = "1";
      if (!left.size) document.body.dataset.charts = "all";
    };
    if (!left.size) { document.body.dataset.ready = "1"; document.body.dataset.charts = "all"; return; }
    const seen = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const id = Object.keys(draw).find((k) => draw[k][0] === e.target);
        if (!e.isIntersecting || !id || !left.has(id)) continue;
        seen.unobserve(e.target);
        Promise.resolve(draw[id][1]()).then(() => done(id));
      }
    }, { rootMargin: "300px" });
    Object.values(draw).forEach(([el]) => seen.observe(el));
  }

  // The Book page: the signal is a replay of the backtest, so it is fetched after the page
  // (status and triggers) is up.
  async function bookPage() {
    const box = q("#signal");
    document.body.dataset.ready = "1";
    if (!box) return;
    const r = await fetch(box.dataset.src);
    box.innerHTML = await r.text();
    document.body.dataset.signal = r.ok ? "1" : "error";
  }

  return { runsPage, runPage, comparePage, loadDay, sortable, sweepPage, fidelityPage, bookPage };
})();
