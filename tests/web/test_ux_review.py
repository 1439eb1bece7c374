"""What the UX review changed in the pages' words (the looks are checked by screenshots)."""
from __future__ import annotations

import re

import factories

from portal.schemas.webhooks import WebhookCreate
from portal.services.integrations import webhooks as webhook_service
from portal.web.kpis import show_change


def test_a_tiny_kpi_change_keeps_its_digits_instead_of_reading_zero():
    # "down 0.0 pts, worse" contradicted itself: the service keeps two decimals, the page shows them.
    assert show_change(-0.04, "%") == "0.04 pts"
    assert show_change(0.01, "h") == "0.01 h"
    assert show_change(-1.8, "%") == "1.8 pts"
    assert show_change(-4316.0, "h") == "4,316.0 h"
    assert show_change(28, "open") == "28"


def test_a_webhook_without_deliveries_has_no_success_rate(client, users, portal_login):
    hook = webhook_service.create_webhook(users.actor("north", "admin"),
                                          WebhookCreate.model_validate({"url": "https://hooks.example.com/x", "events": ["*"]}))
    portal_login(users["north"]["admin"])
    html = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    stats = html.split('id="stats"')[1].split("</ul>")[0]
    assert re.search(r'<span class="n">–</span> success rate', stats)
    assert "0.0%" not in stats


def test_error_page_offers_a_button_back(client, users, portal_login):
    portal_login(users["north"]["technician"])
    resp = client.get("/work-orders/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 404
    assert re.search(r'<a class="button secondary" href="/">Back to My work</a>', resp.get_data(as_text=True))


def test_admin_user_rows_say_last_login_where_the_header_is_hidden(client, users, portal_login):
    portal_login(users["north"]["admin"])
    html = client.get("/admin/users").get_data(as_text=True)
    assert html.count('<span class="ux-narrow-label">Last login: </span>') == html.count('<tr id="user-')


def test_kpis_without_pm_due_say_so_instead_of_bars_at_zero(client, users, portal_login):
    portal_login(users["north"]["manager"])
    html = client.get("/kpis").get_data(as_text=True)
    assert re.search(r'<p class="empty">No PM work order was due in these \d+ weeks\.', html)
    assert 'id="chart-pm-cap"' in html and 'id="chart-pm-t"' not in html  # the caption, no empty chart


def test_label_sheet_has_a_print_button_only_when_there_is_something_to_print(client, users, portal_login):
    asset = factories.equipment(users.actor("north", "manager"), assetTag="PMP-7")
    portal_login(users["north"]["technician"])
    assert "data-print" in client.get(f"/assets/labels?id={asset.id}").get_data(as_text=True)
    assert "data-print" not in client.get("/assets/labels").get_data(as_text=True)
