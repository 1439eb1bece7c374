"""Scan in the app: the /scan page and its wiring, /scan/open (what a scanned code or a typed tag
names, in the user's warehouse only), the asset page a logged-out phone gets from the label's code,
and the label's markup (one big asset code, a framed report code, no server setting named)."""
from __future__ import annotations

import re

import factories
import pytest

from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from web.conftest import Tags

JSON = {"Accept": "application/json"}


@pytest.fixture
def pump(users):
    return factories.equipment(users.actor("north", "manager"), assetTag="PMP-3", description="Boiler feed pump",
                               location="Boiler house", manufacturer="Grundfos", model="CR 5")


@pytest.mark.parametrize("role", ["technician", "manager", "admin", "requester"])
def test_scan_page_loads_its_scripts_and_is_in_the_menu(client, users, portal_login, role):
    portal_login(users["north"][role])
    resp = client.get("/scan")
    assert resp.status_code == 200
    assert "camera=(self)" in resp.headers["Permissions-Policy"]
    html = resp.get_data(as_text=True)
    tags = Tags(html)
    scripts = [t["src"].split("?")[0] for t in tags.find_all("script")]
    assert "/static/vendor/jsQR-1.4.0.js" in scripts and "/static/js/scan.js" in scripts
    assert all(t.get("src") for t in tags.find_all("script"))  # nothing inline (CSP script-src 'self')
    assert tags.find("section", data_open_url="/scan/open") is not None
    form = tags.find("form", id="scan-type")
    assert form["method"] == "get" and form["action"] == "/scan/open"
    assert tags.find("input", name="code") is not None
    # One entry in the menu, current here; a full page load (the camera stops with the page).
    assert tags.find("a", href="/scan", hx_boost="false", aria_current="page") is not None
    home = Tags(client.get("/").get_data(as_text=True))
    assert len(home.find_all("a", href="/scan")) == 2  # the menu and My work's "Scan a label"


def test_scan_needs_a_login(client, pump):
    for path in ("/scan", f"/scan/open?code={pump.asset_tag}"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_every_code_of_our_labels_and_the_tag_open_the_asset(app, client, users, portal_login, pump):
    portal_login(users["north"]["technician"])
    codes = [
        f"http://localhost/assets/{pump.id}?label={pump.report_token}",   # today's label
        f"https://cmms.example.com/assets/{pump.id}",                     # an older label, another host
        f"https://cmms.example.com/maintenance/assets/{pump.id}/label",   # behind a path prefix
        f"http://localhost/report/{pump.report_token}",                   # the report code
        "PMP-3", " pmp-3 ",                                               # typed
    ]
    for code in codes:
        resp = client.get("/scan/open", query_string={"code": code})
        assert resp.status_code == 303 and resp.headers["Location"] == f"/assets/{pump.id}", code
        answer = client.get("/scan/open", query_string={"code": code}, headers=JSON).get_json()
        assert answer == {"url": f"/assets/{pump.id}"}, code


def test_a_code_that_is_not_ours_says_so(client, users, portal_login, pump):
    south = factories.equipment(users.actor("south", "manager"), assetTag="SOUTH-1")
    portal_login(users["north"]["technician"])
    for code in (f"http://localhost/assets/{south.id}", f"http://localhost/report/{south.report_token}",
                 "https://example.com/product/4006381333931", "WIFI:S:plant;T:WPA;P:secret;;",
                 f"http://localhost/work-orders/{pump.id}", f"javascript://localhost/assets/{pump.id}"):
        answer = client.get("/scan/open", query_string={"code": code}, headers=JSON).get_json()
        assert answer["url"] is None, code
        assert "not one of this plant's asset labels" in answer["message"] or "No asset has the tag" in answer["message"]
    answer = client.get("/scan/open", query_string={"code": "https://example.com/x"}, headers=JSON).get_json()
    assert answer["message"].startswith("This code is not one of this plant's asset labels (it reads “https://example.com/x”)")
    # Another warehouse's tag, typed: no such tag here; the page keeps what was typed and offers the list.
    resp = client.get("/scan/open", query_string={"code": "SOUTH-1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "No asset has the tag “SOUTH-1”" in html
    assert Tags(html).find("input", name="code", value="SOUTH-1") is not None
    assert 'href="/assets?q=SOUTH-1"' in html
    empty = client.get("/scan/open", query_string={"code": "  "}).get_data(as_text=True)
    assert "Type the asset tag printed on the label." in empty


def test_logged_out_phone_gets_the_assets_public_page(app, client, users, pump):
    factories.work_order(users.actor("north", "manager"), title="Seal leaking", equipmentId=pump.id)
    url = f"/assets/{pump.id}?label={pump.report_token}"
    html = client.get(url).get_data(as_text=True)
    tags = Tags(html)
    assert "PMP-3" in html and "Boiler feed pump" in html
    # The tag and name only: no location, make, work orders, nor the menu of a signed-in user.
    for secret in ("Boiler house", "Grundfos", "Seal leaking", "Open work orders", "Work orders"):
        assert secret not in html, secret
    assert tags.find("a", id="scanned-login", href=f"/login?next=/assets/{pump.id}") is not None
    assert tags.find("a", id="scanned-report") is None  # the warehouse takes no reports yet
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    tags = Tags(client.get(url).get_data(as_text=True))
    assert tags.find("a", id="scanned-report", href=f"/report/{pump.report_token}") is not None
    assert client.get(f"/report/{pump.report_token}").status_code == 200  # where it leads works


def test_without_the_labels_token_a_logged_out_visitor_learns_nothing(client, users, pump):
    other = factories.equipment(users.actor("north", "manager"), assetTag="FAN-1")
    missing = "00000000-0000-4000-8000-000000000000"
    answers = [client.get(path) for path in (
        f"/assets/{pump.id}", f"/assets/{pump.id}?label=", f"/assets/{pump.id}?label=wrong",
        f"/assets/{pump.id}?label={other.report_token}", f"/assets/{missing}?label={pump.report_token}",
        f"/assets/{missing}?label=wrong")]
    # The same login redirect whether the asset exists or not.
    assert {r.status_code for r in answers} == {302}
    assert all(r.headers["Location"].startswith("/login?next=/assets/") for r in answers)


def test_signed_in_the_labels_url_is_the_asset_page_open_work_first(client, users, portal_login, pump):
    factories.work_order(users.actor("north", "manager"), title="Seal leaking", equipmentId=pump.id)
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets/{pump.id}?label={pump.report_token}").get_data(as_text=True)
    assert "Seal leaking" in html and "Boiler house" in html
    # On a phone the open work comes right under the asset's name, before its facts and actions.
    assert html.index('id="open-orders"') < html.index('class="facts"') < html.index('id="report-button"')
    # Logged out and back: the rotated token no longer opens the public page.
    south_admin = users.actor("north", "admin")
    from portal.services.work_orders import problem_reports
    old = pump.report_token
    problem_reports.rotate_report_token(south_admin, pump.id)
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)})
    assert client.get(f"/assets/{pump.id}?label={old}").status_code == 302


def test_label_markup_one_big_asset_code_and_a_framed_report_code(client, users, portal_login, pump):
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    portal_login(users["north"]["manager"])
    html = client.get(f"/assets/{pump.id}/label").get_data(as_text=True)
    label = html[html.index('<article class="label'):html.index("</article>")]
    assert label.count("<svg") == 2
    asset_code = label[label.index('class="label-qr label-asset-qr"'):]
    report_code = label[label.index('class="label-qr label-report"'):]
    assert asset_code.index("<svg") < asset_code.index("<figcaption>Asset page</figcaption>")
    assert report_code.startswith('class="label-qr label-report"><figcaption><strong>Something wrong?</strong> Scan to report')
    assert '<span class="label-tag">PMP-3</span>' in label
    assert "PUBLIC_BASE_URL" not in html and "environment" not in html
