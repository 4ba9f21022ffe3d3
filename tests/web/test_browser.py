"""In a real browser: open a run, click a day on the equity chart, see that day's journal
(and compare two runs picked on the Runs page).

Debian's chromium driven by Playwright for Python through ``executable_path`` (Playwright
cannot download its own browser here). The server is uvicorn on 127.0.0.1 and a free port,
started in a thread and stopped at the end. Screenshots go to out/test-artifacts/web/.

Without a chromium (or without Playwright) the test skips with the reason, unless
``ALVH_REQUIRE_BROWSER=1`` is set: then it fails, so CI cannot pass by skipping it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alvh.web.app import LOCAL_HOST_NAMES, create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts" / "web"
START_TIMEOUT_S = 20.0
BROWSER_TIMEOUT_MS = 30_000


def _chromium() -> str | None:
    for cand in (os.environ.get("ALVH_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def _need_browser() -> str:
    reason = None
    exe = _chromium()
    if exe is None:
        reason = "no chromium found (/usr/bin/chromium, PATH or ALVH_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright for Python is not installed"
    if reason is not None:
        if os.environ.get("ALVH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ALVH_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"real-browser test skipped: {reason} (apt-get install chromium)")
    assert exe is not None
    return exe


@contextlib.contextmanager
def _serve(
    roots: list[Path], books: list[str] | None = None, store: Path | None = None
) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(
            create_app(roots, list(LOCAL_HOST_NAMES), books=books, store=store),
            host="127.0.0.1",
            port=port,
            log_level="error",
        )
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            srv.should_exit = True
            pytest.fail(f"the dashboard did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(START_TIMEOUT_S)


@pytest.fixture(scope="module")
def server(backtest_root: Path) -> Iterator[str]:
    with _serve([backtest_root]) as url:
        yield url


def test_click_a_day_on_the_equity_chart_opens_its_journal(server: str) -> None:
    exe = _need_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
            )
            # Compare: tick both runs on the Runs page.
            page.goto(server + "/")
            assert page.is_disabled("#compare-btn")
            for box in page.locator("#runs .pick").all():
                box.check()
            page.click("#compare-btn")
            page.wait_for_selector("body[data-ready='1']")
            assert page.locator("#compare-chart .main-svg").count() > 0
            assert "Compare 2 runs" in page.inner_text("h1")
            page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
            page.goto(server + "/")
            page.fill("#filter", "jan-feb")
            assert page.locator("#runs tbody tr:visible").count() == 1
            page.screenshot(path=str(ARTIFACTS / "runs.png"), full_page=True)
            page.click("a.run-link:visible")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_selector("#equity-chart .nsewdrag")
            # The charts below the equity chart are drawn as they come near the screen.
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_selector("body[data-charts='all']")
            for chart in ("layers", "vix", "monthly", "costs", "pnl"):
                assert page.locator(f"#{chart}-chart .main-svg").count() > 0, chart
            # Axis titles are drawn (plotly.js 3 dropped the plain-string form silently).
            assert "equity $" in page.locator("#equity-chart .g-ytitle").first.text_content()
            page.screenshot(path=str(ARTIFACTS / "run.png"), full_page=True)
            page.evaluate("window.scrollTo(0, 0)")
            # Click the middle of the equity panel: plotly reports the nearest session.
            box = page.locator("#equity-chart .nsewdrag").first.bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            panel = page.wait_for_selector("#day .day")
            assert panel is not None
            day = panel.get_attribute("data-day")
            assert day is not None and "2018-01-02" < day < "2018-02-28"
            text = page.inner_text("#day")
            assert "Decisions" in text and "tier.short" in text and "hedge.trigger" in text
            assert page.url.endswith("day=" + day)
            page.locator("#day").screenshot(path=str(ARTIFACTS / "day.png"))
            # The next-session link swaps the panel in place.
            page.click("#day .day-link >> text=→")
            # (A selector, not a JS predicate: the page's CSP forbids eval.)
            nxt = page.wait_for_selector(f"#day .day:not([data-day='{day}'])")
            assert nxt is not None and (nxt.get_attribute("data-day") or "") > day
            # A hedge decision in the run-wide list opens its day too.
            link = page.wait_for_selector("#decisions .day-link")
            assert link is not None
            hedge_day = link.get_attribute("data-day")
            link.click()
            page.wait_for_selector(f"#day .day[data-day='{hedge_day}']")
            assert "hedge.decision" in page.inner_text("#day")
        finally:
            browser.close()
    assert errors == []


def test_switch_the_heat_map_keys_and_open_a_cell_then_the_fidelity_page(
    tmp_path: Path,
) -> None:
    exe = _need_browser()
    from playwright.sync_api import sync_playwright
    from web_fixtures import sweep_hash, write_hand_fidelity, write_hand_sweep

    root = tmp_path / "served"
    write_hand_sweep(root / "sweeps" / "hand")
    write_hand_fidelity(root / "fidelity")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with _serve([root]) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.goto(url + "/sweeps")
            page.screenshot(path=str(ARTIFACTS / "sweeps.png"), full_page=True)
            page.click("a.sweep-link")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_selector("#heat-chart[data-key='a|b|sharpe'] .main-svg")
            # The cells carry their means (web_fixtures.py: 3.5, 5.5, 13.5, 15).
            heat = page.inner_text("#heat-chart")
            for v in ("3.500", "5.500", "13.500", "15.000"):
                assert v in heat, v
            # Switch the x key to c: the chart is redrawn in place over c and b.
            page.select_option("#heat-x", "c")
            page.wait_for_selector("#heat-chart[data-key='c|b|sharpe']")
            assert page.locator("#heat-chart .g-xtitle").first.text_content() == "c"
            page.wait_for_selector("body[data-charts='all']")
            assert page.locator("#wf-chart .main-svg").count() > 0
            assert page.locator("#top-chart .main-svg").count() > 0
            page.screenshot(path=str(ARTIFACTS / "sweep.png"), full_page=True)
            # Click the upper-left cell (c = 10, b = y): its configs are #2 and #6.
            box = page.locator("#heat-chart .nsewdrag").first.bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            page.wait_for_selector("#cell-filter:not([hidden])")
            shown = page.locator("#top tbody tr:visible")
            hashes = sorted(
                str(shown.nth(i).get_attribute("data-hash")) for i in range(shown.count())
            )
            assert hashes == sorted([sweep_hash(2), sweep_hash(6)])
            # #6's run was kept: its row opens the run page.
            page.click("#top tbody tr:visible a.run-link")
            page.wait_for_selector("body[data-ready='1']")
            assert sweep_hash(6) in page.inner_text("h1")
            # The fidelity page: tables and charts from fidelity.json.
            page.goto(url + "/fidelity")
            page.wait_for_selector("body[data-ready='1']")
            assert page.inner_text("#data-id") == "hand-store-0001"
            # Charts are drawn as they come near the screen.
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_selector("body[data-charts='all']")
            assert page.locator(".fid-years .main-svg").count() > 0
            assert page.locator(".fid-chain .main-svg").count() > 0
            page.screenshot(path=str(ARTIFACTS / "fidelity.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []


def test_open_the_book_page_see_a_position_a_trigger_and_the_signal(
    book_env: dict[str, Path],
) -> None:
    exe = _need_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    books = [str(book_env["books"])]
    with _serve([book_env["root"]], books, book_env["store"]) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(BROWSER_TIMEOUT_MS * 2)  # the first status builds a market
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.goto(url + "/")
            page.click("header nav a >> text=Books")
            page.click("a.book-link >> text=b1")
            page.wait_for_selector("body[data-ready='1']")
            # A position row: a leg of the condor, marked, its source named.
            row = page.locator("#positions tr.position").first
            assert "SPXW 2026-11-20 " in row.inner_text() and "medium" in row.inner_text()
            assert page.locator("#positions tr.position").count() == 7
            # A trigger row: the proximity rule with its value, threshold and distance.
            prox = page.locator("#triggers tr.trigger", has_text="hedge.trigger.proximity")
            assert prox.count() == 1 and "0.650" in prox.inner_text()
            assert page.locator("#triggers tr.trigger", has_text="tier.medium.exit").count() > 0
            page.screenshot(path=str(ARTIFACTS / "book.png"), full_page=True)
            # The signal (a replay) arrives after the page: its journal of the day.
            page.wait_for_selector("body[data-signal='1']")
            assert "Journal of" in page.inner_text("#signal")
            assert "hedge.trigger.iv_shift" in page.inner_text("#signal")
            page.locator("#signal").screenshot(path=str(ARTIFACTS / "book-signal.png"))
        finally:
            browser.close()
    assert errors == []


def test_without_a_browser_it_skips_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    import test_browser as tb

    monkeypatch.setattr(tb, "_chromium", lambda: None)
    monkeypatch.delenv("ALVH_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium found"):
        tb._need_browser()
    monkeypatch.setenv("ALVH_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="ALVH_REQUIRE_BROWSER=1"):
        tb._need_browser()
