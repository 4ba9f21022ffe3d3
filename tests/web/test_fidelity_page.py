"""The Fidelity page, rendered from a hand fidelity.json (web_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_fixtures import write_hand_fidelity, write_hand_run

from alvh.web.app import create_app
from alvh.web.fidelity import index_rows, row_meets


@pytest.fixture
def fid_root(tmp_path: Path) -> Path:
    write_hand_fidelity(tmp_path / "served" / "fid")
    write_hand_run(tmp_path / "served" / "runs" / "hand")
    return tmp_path / "served"


def test_one_report_opens_directly_with_its_data_id_and_tables(fid_root: Path) -> None:
    client = TestClient(create_app([fid_root]))
    r = client.get("/fidelity")
    assert r.status_code == 200
    html = r.text
    assert '<code id="data-id">hand-store-0001</code>' in html
    assert "v2-handhandhand" in html and "2015-12-31" in html
    # The index table: both windows of PUT, its figures, the real file's id.
    assert html.count("<td><b>PUT</b></td>") == 2
    assert "0.970" in html and "-4.50" in html and "abcdef0123456789" in html
    # The chain: its name escaped, the headline and bucket tables.
    assert "chain &lt;b&gt;one&lt;/b&gt;.csv" in html and "<b>one</b>" not in html
    assert "0.19" in html and "5-10" in html and "14-30" in html
    assert "no VIX-option section" in html
    assert "no usable out-of-the-money quote" in html
    assert 'href="/fidelity/report.html?name=fid"' in html
    assert client.get("/fidelity/report.html", params={"name": "fid"}).text.endswith(
        "<p>as written</p>"
    )


def test_goal_marks_follow_the_figures() -> None:
    # Out of sample: corr 0.97 (>= 0.95 meets), CAGR gap 0.5 (meets), DD gap -4.5 (misses),
    # 2 of 2 years (meets); in sample corr 0.94 misses.
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        rep = json.loads((write_hand_fidelity(Path(d) / "f") / "fidelity.json").read_text())
    rows = {r["window"]: r for r in index_rows(rep)}
    assert row_meets(rows["out_of_sample"]) == {
        "monthly_corr": True,
        "cagr_gap_pp": True,
        "max_dd_gap_pp": False,
        "sign_agree_years": True,
    }
    assert row_meets(rows["in_sample"])["monthly_corr"] is False
    assert row_meets({"monthly_corr": None})["monthly_corr"] is None


def test_several_reports_are_listed_and_the_json_is_served(fid_root: Path) -> None:
    write_hand_fidelity(fid_root / "fid2")
    client = TestClient(create_app([fid_root]))
    html = client.get("/fidelity").text
    assert 'href="/fidelity?name=fid"' in html and 'href="/fidelity?name=fid2"' in html
    j = client.get("/api/fidelity", params={"name": "fid2"}).json()
    assert j["data"]["data_id"] == "hand-store-0001"
    assert client.get("/api/fidelity", params={"name": "hand"}).status_code == 404


def test_no_report_says_how_to_make_one(tmp_path: Path) -> None:
    html = TestClient(create_app([tmp_path])).get("/fidelity").text
    assert "No fidelity report found" in html and "alvh fidelity --out" in html


def test_a_report_with_missing_fields_still_renders(tmp_path: Path) -> None:
    d = tmp_path / "r" / "thin"
    d.mkdir(parents=True)
    (d / "fidelity.json").write_text('{"indexes": [{"name": "BXM"}], "chains": "oops"}')
    r = TestClient(create_app([tmp_path / "r"])).get("/fidelity", params={"name": "thin"})
    assert r.status_code == 200
    assert "No chain in this report" in r.text


def test_the_vix_section_leads_with_one_row_per_expiry(tmp_path: Path) -> None:
    import json

    d = write_hand_fidelity(tmp_path / "r" / "v")
    rep = json.loads((d / "fidelity.json").read_text())
    rep["vix"] = [
        {"expiry": "2024-06-05", "delta_bucket": "all", "count": 7, "median_abs_err_pct": 29.5},
        {
            "expiry": "2024-06-05",
            "delta_bucket": "0.00-0.10",
            "count": 3,
            "median_abs_err_pct": 41.25,
        },
        {"expiry": "2024-07-17", "delta_bucket": "all", "count": 9, "median_abs_err_pct": 8.75},
    ]
    (d / "fidelity.json").write_text(json.dumps(rep))
    html = TestClient(create_app([tmp_path / "r"])).get("/fidelity", params={"name": "v"}).text
    head = html.split('id="fid-vix-expiries"')[1].split("</table>")[0]
    assert "29.500" in head and "8.750" in head and "41.250" not in head
    assert "every row of the VIX-option table (3)" in html and "41.250" in html
