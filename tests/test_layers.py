"""The house plan's import direction (docs: /ARCHITECTURE.md "Layers"), read from the source.

Every ``import alvh...`` / ``from alvh... import ...`` in src/alvh, at module level or inside a
function (a lazy import is still a dependency), is checked against the layer ranks below:

    cli, web  ->  sweep, report, live, fidelity, runs, backtest, orders  ->  engine  ->  strategy
      ->  book  ->  market  ->  calendar  ->  kernel

A module may import its own layer and any lower one. ``errors`` and ``_typing`` are importable
anywhere. ``config`` holds the validated run configuration: the rules take it as an argument
(strategy's "(snapshot, book view, config)"), so strategy and above may import it, and config
itself imports nothing above kernel. The kernel imports nothing from alvh but ``_typing``.
Import cycles between modules are flagged whatever their layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

SRC = Path(__file__).resolve().parents[1] / "src" / "alvh"

RANK = {
    "kernel": 0,
    "calendar": 1,
    "market": 2,
    "book": 3,
    "strategy": 4,
    "engine": 5,
    "sweep": 6,
    "report": 6,
    "live": 6,
    "fidelity": 6,
    "runs": 6,
    "backtest": 6,
    "orders": 6,
    "cli": 7,
    "web": 7,
}
ANYWHERE = {"errors", "_typing", "_fingerprint"}  # leaves: they import nothing from alvh
CONFIG_MIN_RANK = RANK["strategy"]  # config is importable by strategy and above
CONFIG_MAX_IMPORT_RANK = RANK["kernel"]  # and imports nothing above kernel

# Module cycles known today, each with why it is still there; the list may only shrink.
KNOWN_CYCLES: dict[frozenset[str], str] = {
    # surface.py re-exports SurfacePanel, which builds a SpxVolSurface (a lazy import).
    frozenset({"alvh.market.surface", "alvh.market.surface_panel"}): "surface <-> panel",
    # report.py renders through report_html (a lazy import), which reads report's types.
    frozenset({"alvh.fidelity.report", "alvh.fidelity.report_html"}): "report <-> html",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """Return the alvh modules ``path`` imports (``from pkg import submodule`` resolved)."""
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "alvh"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "alvh":
                continue
            subs = {f"{mod}.{a.name}" for a in node.names} & modules
            if len(subs) < len(node.names):  # some names are the package's own attributes
                out.add(mod)
            out |= subs
    return {m for m in out if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}
    names = set(paths)
    return {m: _imports(p, m, names) for m, p in paths.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "alvh"


def _violation(src: str, dst: str) -> str | None:
    a, b = _layer(src), _layer(dst)
    if a == b or b in ANYWHERE or a == "alvh":
        return None
    if b == "alvh":  # the package root (``__version__``): anything above the kernel
        return f"{src} -> {dst}" if a == "kernel" else None
    if a == "config":
        return None if RANK.get(b, 99) <= CONFIG_MAX_IMPORT_RANK else f"{src} -> {dst}"
    if b == "config":
        return None if RANK.get(a, -1) >= CONFIG_MIN_RANK else f"{src} -> {dst}"
    if a not in RANK or b not in RANK:
        return f"{src} -> {dst} (layer not in the plan)"
    return None if RANK[b] <= RANK[a] else f"{src} -> {dst}"


GRAPH = _graph()


def test_the_walk_sees_the_whole_package() -> None:
    # A walk that found nothing would pass every check below.
    assert "alvh.kernel.black" in GRAPH and "alvh.engine.loop" in GRAPH
    assert "alvh.kernel.black" in GRAPH["alvh.kernel.fast"]
    assert len(GRAPH) > 150


def test_the_kernel_imports_nothing_from_alvh_but_typing() -> None:
    bad = sorted(
        f"{m} -> {d}"
        for m, deps in GRAPH.items()
        if _layer(m) == "kernel"
        for d in deps
        if _layer(d) not in ("kernel", "_typing")
    )
    assert bad == []


def test_imports_point_downward_only() -> None:
    bad = sorted(v for m, deps in GRAPH.items() for d in deps if (v := _violation(m, d)))
    assert bad == []


def test_a_layer_violation_is_caught() -> None:
    # The checker itself: an upward import, config reaching up, and a lateral one are flagged.
    assert _violation("alvh.book.account", "alvh.engine.loop") is not None
    assert _violation("alvh.config.run", "alvh.market.data") is not None
    assert _violation("alvh.market.data", "alvh.config.run") is not None
    assert _violation("alvh.engine.loop", "alvh.strategy.condor") is None
    assert _violation("alvh.kernel.black", "alvh._typing") is None


def _cycles() -> list[frozenset[str]]:
    names = sorted(GRAPH)
    index = {m: i for i, m in enumerate(names)}
    rows = [index[m] for m in names for _ in GRAPH[m]]
    cols = [index[d] for m in names for d in sorted(GRAPH[m])]
    adj = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(names), len(names)))
    n, label = connected_components(adj, directed=True, connection="strong")
    comps = [frozenset(names[i] for i in np.flatnonzero(label == c)) for c in range(n)]
    return [c for c in comps if len(c) > 1]


def test_no_import_cycles_between_modules() -> None:
    cycles = [sorted(c) for c in _cycles() if c not in KNOWN_CYCLES]
    assert cycles == []


def test_the_market_data_snapshot_cycle_is_gone() -> None:
    # data builds snapshots; a snapshot reads its data through the MarketSource protocol.
    assert frozenset({"alvh.market.data", "alvh.market.snapshot"}) not in _cycles()
    assert "alvh.market.data" not in GRAPH["alvh.market.snapshot"]


def test_strategy_never_imports_the_engine() -> None:
    # The rules (condor tiers and hedges) live in strategy/ and the engine calls them.
    bad = sorted(
        f"{m} -> {d}"
        for m, deps in GRAPH.items()
        if _layer(m) == "strategy"
        for d in deps
        if _layer(d) == "engine"
    )
    assert bad == []
    assert {"alvh.strategy.rules", "alvh.strategy.condor_rules"} <= set(GRAPH)
    assert "alvh.strategy.hedge.alvh_rule" in GRAPH["alvh.strategy.hedge.factory"]


def test_no_cycle_between_layers() -> None:
    # Package level: runs <-> report was one (runs writes summaries with report's metrics,
    # report read run directories through runs); report now reads them itself.
    layers = {_layer(m) for m in GRAPH}
    edges = {(_layer(m), _layer(d)) for m, deps in GRAPH.items() for d in deps}
    for a, b in edges:
        if a != b:
            assert (b, a) not in edges or {a, b} & {"alvh"}, f"{a} <-> {b}"
    assert {"runs", "report", "kernel"} <= layers


def test_runs_and_report_do_not_import_each_other_both_ways() -> None:
    runs_to_report = any(_layer(d) == "report" for d in GRAPH["alvh.runs"])
    report_to_runs = any(
        d == "alvh.runs" for m, deps in GRAPH.items() if _layer(m) == "report" for d in deps
    )
    assert runs_to_report and not report_to_runs


def _compiled_functions(path: Path) -> list[str]:
    """Names of the functions in ``path`` decorated with ``jit``/``njit`` (any spelling)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                name = (
                    target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                )
                if name in ("jit", "njit", "vectorize", "guvectorize"):
                    out.append(node.name)
    return out


def test_compiled_code_lives_in_the_kernel() -> None:
    # Outside the kernel: no jit decorators, no numba import, no kernel.numba decorator import
    # (``HAVE_NUMBA``, the flag choosing a reference path, may be read anywhere).
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        name = _module_name(path)
        if _layer(name) == "kernel":
            continue
        bad += [f"{name}.{f}" for f in _compiled_functions(path)]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                bad += [f"{name}: import {a.name}" for a in node.names if a.name == "numba"]
            elif isinstance(node, ast.ImportFrom) and node.module in (
                "numba",
                "alvh.kernel._numba",
            ):
                bad += [f"{name}: {a.name}" for a in node.names if a.name != "HAVE_NUMBA"]
    assert bad == []
    # The walk does see compiled functions where they are.
    assert {"window_tails", "nearest_levels"} <= set(
        _compiled_functions(SRC / "kernel" / "indicators.py")
    )
