"""The page sweep: every page of the portal, under each role that can see it, at one screen size per
test file (tests/e2e/test_sweep_<width>.py, so pytest-xdist --dist loadfile runs the sizes side by
side, each in its process's one chromium).

On each page:
- axe-core (vendored: tests/e2e/vendor/, see its README) finds 0 violations;
- nothing is wider than the screen: document.documentElement.scrollWidth <= the device width;
- every control in the header, the navigation and <main> is at least 44 x 44 px (a checkbox or
  radio button counts with its label, which toggles it); inside a dense data table (`.dense`, the
  board's) on a screen with a mouse (pointer: fine, or none, 1024 px and wider), 24 x 24 px
  (WCAG 2.5.8's minimum, docs/decisions.md). Exempt (WCAG 2.5.8's "inline" exception): a link
  inside a sentence, i.e. an inline <a> in a <p> that has words of its own besides the link.
  Links in facts, table cells, lists and button rows are not exempt.
Per role, once per size: every item of the main navigation is on the screen, inside its width and
44 px high, straight away (desk) or after opening the menu (phones), and axe passes with the menu open.

To add a page: one line in PAGES below (the path with {placeholders} from `setup`, the roles that
see it, what it needs). Role-independent pages are listed under one role only: the sweep stays cheap
(every line costs a page load and an axe run at five sizes).
"""
from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

from e2e.conftest import log_in, waiter

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text()

# width -> (height, phone): phones are emulated as phones (mobile viewport, touch), the rest as windows.
SIZES = {360: (740, True), 390: (844, True), 768: (1024, False), 1024: (768, False), 1440: (900, False)}

# What the main navigation offers each role (templates/base.html). "Requests 3 waiting": the inbox's
# link with its count (setup() leaves two requests waiting; the visitor's report on the thank-you page
# sweep, made before any role logs in, is the third).
NAV = {
    "technician": ["My work", "Scan", "Work orders", "Assets", "Stock", "Outbox"],
    "manager": ["My work", "Scan", "Work orders", "Assets", "Stock", "Requests 3 waiting", "PM", "Plan", "Import", "KPIs",
                "Outbox"],
    "admin": ["My work", "Scan", "Work orders", "Assets", "Stock", "Requests 3 waiting", "PM", "Plan", "Import", "KPIs",
              "Outbox", "Admin"],
    "requester": ["My requests", "My work", "Scan", "Work orders", "Assets", "Stock", "Outbox"],
}


@dataclass(frozen=True)
class Page:
    path: str  # str.format()ted with the ids that setup() returns
    roles: tuple[str, ...]  # () = logged out
    needs: str = ""  # what setup() makes for it (for the reader)


T, M, A, R = "technician", "manager", "admin", "requester"

# Every page of the portal. One page, one line.
PAGES = [
    # Logged out
    Page("/login", ()),
    Page("/report/{report_token}", (), "an asset, problem reports on"),
    Page("/report/no-such-token", (), "the public report's 404"),
    Page("/no-such-page", (), "a logged-out 404"),
    Page("/report/status/{status_token}", (), "a reported problem's private status page, with a public note"),
    Page("/report/status/no-such-token", (), "the status page's 404"),
    Page("/assets/{asset}?label={report_token}", (), "a scanned asset label on a logged-out phone"),
    # (also, logged out: the report's thank-you page and the enrolment page: _report_done, _enrolment;
    # as admin: the page after resetting a user's MFA: _mfa_reset)
    # Everyone
    # (a manager's and an admin's header is swept on their own pages below)
    Page("/", (T,), "My work: work orders assigned to the technician, one late"),
    Page("/work-orders", (T, M), "the list (technician), the board's table (manager; admin sees the same)"),
    Page("/work-orders?view=kanban", (M,), "the board's kanban"),
    Page("/work-orders?view=calendar", (M,), "the board's calendar (month): due work, the PM forecast"),
    Page("/work-orders?view=calendar&span=week", (M,), "the board's calendar (week)"),
    Page("/work-orders/{wo}", (T, M), "a work order with a checklist (a flagged reading and its follow-up), "
                                      "a requested part, a signature needed"),
    Page("/work-orders/{reported}", (T,), "a work order from a problem report"),
    Page("/scan", (T,), "the scanner (no camera here: the typed tag)"),
    Page("/outbox", (T,), "the outbox (empty: nothing waits on this device)"),
    Page("/work-orders/{wo}/comments", (T,), "a comment"),
    Page("/work-orders/{wo}/attachments", (T,)),
    Page("/work-orders/no-such-order", (T,), "a logged-in 404"),
    Page("/notifications", (T,), "the technician's notifications: work orders assigned to them, one read"),
    Page("/notifications/settings", (T,)),
    Page("/assets", (T, M), "assets, one down"),
    Page("/assets?view=tree&open={asset}", (T,), "the asset tree, opened down to the press (site › line › press › pump)"),
    Page("/assets?view=tree&parent={line}", (M,), "one level of the tree under the line, with its breadcrumbs"),
    Page("/assets/{asset}", (T, M)),
    Page("/assets/{asset}/report", (T,), "the asset's page with its report-a-problem form open"),
    Page("/assets/{asset}/history/status", (T,)),
    Page("/parts", (T, M), "parts, one low"),
    Page("/parts/{part}", (M,)),
    # Managers and admins
    Page("/work-orders/new", (M,)),
    Page("/assets/new", (M,)),
    Page("/assets/{asset}/edit", (M,)),
    Page("/assets/labels", (M,)),
    Page("/assets/{asset}/label", (M,)),
    Page("/parts/new", (M,)),
    Page("/parts/{part}/edit", (M,)),
    Page("/parts/reorders", (M,), "an open reorder request, one asked for from a work order, partly received"),
    Page("/parts/reorders/{reorder}/receive", (M,), "receiving against a request: quantity, then confirmation"),
    Page("/work-orders/{adhoc}", (M,), "an ad-hoc work order with a typed checklist: Add checklist items…"),
    Page("/work-orders/hold-reasons", (M,)),
    Page("/failure-codes", (M,), "the failure catalogue (the default codes, one retired)"),
    Page("/pm-templates", (M,), "a PM template"),
    Page("/pm-templates/new", (M,)),
    Page("/pm-templates/{pm}", (M,)),
    Page("/imports", (M,), "a finished import with a refused row"),
    Page("/imports/{imp}", (M,)),
    Page("/kpis/availability", (M,), "the records behind a figure: a downtime period, the asset still down"),
    Page("/kpis/backlog", (M,), "the records behind a figure: open work orders, with the outcome filter"),
    Page("/kpis", (M,), "the figures, charts and plan; the bad actors load after the page"),
    Page("/kpis/bad-actors", (M,), "the bad actors on a page of their own (the dashboard's link without JavaScript)"),
    Page("/kpis/bad-actors/{asset}", (M,), "a bad actor opened: its work orders with failure codes and cost"),
    Page("/kpis/schedule-compliance", (M,), "the weekly plan's records (none frozen here: the empty state)"),
    Page("/kpis/backlog-crew-weeks", (M,), "the open work orders with their estimates"),
    Page("/requests", (M,), "the requests inbox: a report with a photo, a requester's request, an open order to merge into"),
    Page("/planner?week={week}", (M, T), "next week's plan: two items, an absence; the backlog, one not ready"),
    # Requesters
    Page("/my-requests", (R,), "the requester's own requests: one waiting for review; the form to ask for work"),
    Page("/my-requests/{myreq}", (R,), "one of them"),
    # Admins
    Page("/admin/users", (A,)),
    Page("/admin/warehouse", (A,)),
    Page("/admin/webhooks", (A,), "a webhook on every event"),
    Page("/admin/webhooks/{hook}", (A,)),
    Page("/admin/performance", (A,)),
    Page("/admin/mail", (A,), "the mail outbox: mails kept (no SMTP_URL), one per assignment"),
]

IMPORT_CSV = ("assetTag,model,manufacturer,criticality,location\r\n"
              "FAN-001,AX 9,Ziehl,low,Roof\r\n"
              "FAN-002,AX 9,Ziehl,extreme,Roof\r\n")


def setup(client, auth, users) -> dict[str, str]:
    """The records the pages show, made through the API and the services as a user would."""
    from datetime import timedelta

    from photos import smooth

    from portal.jobs.scheduler import AppSimpleWorker
    from portal.models import Equipment
    from portal.models.types import utcnow
    from portal.platform.database import unit_of_work
    from portal.platform.extensions import db
    from portal.platform.redis import get_redis
    from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
    from portal.services.identity import warehouses as warehouse_service
    from portal.services.pm import scheduler as pm_scheduler
    from portal.services.work_orders import failure_codes, problem_reports

    h, ha = auth("north", "manager"), auth("north", "admin")
    tech = users["north"]["technician"]

    def made(path: str, body: dict, headers: dict = h) -> dict:
        resp = client.post(path, headers=headers, json=body)
        assert resp.status_code in (200, 201), (path, resp.json)
        return resp.json

    eq = made("/api/equipment", {"assetTag": "PRESS-1", "manufacturer": "Schuler", "model": "MSD 250",
                                 "location": "Hall 2", "area": "Press line", "criticality": "high"})
    down = made("/api/equipment", {"assetTag": "CONV-7", "location": "Hall 3"})
    # The hierarchy: the press on a line of a site, a pump part of the press (asset page: breadcrumbs, sub-assets).
    site = made("/api/equipment", {"assetTag": "SITE-1", "description": "Stamping plant", "location": "Halls 1-3"})
    line = made("/api/equipment", {"assetTag": "LINE-PRESS", "description": "Press line", "parentId": site["id"]})
    assert client.patch(f"/api/equipment/{eq['id']}", headers=h, json={"parentId": line["id"]}).status_code == 200
    made("/api/equipment", {"assetTag": "HYD-PUMP-1", "description": "Hydraulic power unit pump",
                            "parentId": eq["id"], "criticality": "high"})
    made(f"/api/equipment/{down['id']}/status", {"status": "down"})
    pm = made("/api/pm-templates", {
        "name": "Press monthly check", "frequencyType": "calendar", "frequency": 30, "leadDays": 30,
        "equipmentIds": [eq["id"]], "assignedTo": tech.id, "checklist": [
            {"description": "Lock out the press", "type": "checkbox", "required": True},
            {"description": "Oil temperature", "type": "measurement", "unit": "°C", "min": 10, "max": 80},
            {"description": "Seals look dry", "type": "pass_fail"}]})
    [wo] = pm_scheduler.schedule_due()["workOrderIds"]
    for n in range(3):
        made("/api/work-orders", {"title": f"Inspect conveyor belt tension on line {n + 1}", "equipmentId": down["id"],
                                  "priority": ("critical", "high", "low")[n], "assignedTo": tech.id,
                                  "dueDate": (utcnow() + timedelta(days=n - 1)).isoformat()})
    made(f"/api/work-orders/{wo}/comments", {"body": "Seal kit is in the store."})
    items = {i["description"]: i["id"] for i in client.get(f"/api/work-orders/{wo}/checklist", headers=h).json}
    assert client.patch(f"/api/work-orders/{wo}/checklist/{items['Oil temperature']}", headers=h,
                        json={"value": 95}).status_code == 200
    made(f"/api/work-orders/{wo}/checklist/{items['Oil temperature']}/follow-up", {})
    assert client.patch(f"/api/work-orders/{wo}", headers=h, json={"requiresSignature": True}).status_code == 200
    part = made("/api/parts", {"partNumber": "SEAL-KIT-250", "description": "Cylinder seal kit", "stockLevel": 3,
                               "reorderPoint": 2, "reorderQuantity": 4, "autoReorder": True,
                               "supplier": "Schuler Service", "location": "Shelf B-3"})
    made(f"/api/parts/{part['id']}/stock-movements", {"type": "adjustment", "quantity": -2})
    reorder = made(f"/api/work-orders/{wo}/part-requests", {"partId": part["id"], "quantity": 4})
    made(f"/api/reorder-requests/{reorder['id']}/receipts", {"quantity": 1, "note": "First box of 4"})
    adhoc = made("/api/work-orders", {"title": "Guard door rattles", "equipmentId": eq["id"]})
    made(f"/api/work-orders/{adhoc['id']}/checklist", {"items": [
        {"description": "Hinge bolts torqued", "required": True},
        {"description": "Gap at the latch", "type": "measurement", "unit": "mm", "max": 2}]})
    resp = client.post("/api/imports", headers=h, content_type="multipart/form-data",
                       data={"kind": "assets", "file": (io.BytesIO(IMPORT_CSV.encode()), "assets.csv")})
    assert resp.status_code in (200, 201, 202), resp.json
    imp = resp.json
    db.session.rollback()
    AppSimpleWorker(["imports"], connection=get_redis()).work(burst=True, logging_level="WARNING")
    hook = made("/api/webhooks", {"url": "https://hooks.example.com/maintainpro/work-orders", "events": ["*"]}, ha)
    # The failure catalogue (the work order's completion step lists it), one code retired.
    with unit_of_work():
        failure_codes.seed_defaults(users["north"]["manager"].warehouse_id)
    # The asset's timeline: a planned stop and a breakdown in the last 30 days.
    from portal.schemas.equipment import EquipmentStatusChange
    from portal.services.assets import equipment as equipment_service

    for days_ago, hours, kind in ((12, 30, {"reasonCode": "preventive"}), (4, 9, {})):
        start = utcnow() - timedelta(days=days_ago)
        equipment_service.change_status(users.actor("north", "manager"), eq["id"], EquipmentStatusChange(
            status="down", reason="Sweep", **kind), now=start)
        equipment_service.change_status(users.actor("north", "manager"), eq["id"], EquipmentStatusChange(
            status="active"), now=start + timedelta(hours=hours))
    # A coded repair on the press with labor (the KPI page's bad actors and Pareto, the asset opened).
    repair = made("/api/work-orders", {"title": "Hydraulic pump running hot", "equipmentId": eq["id"],
                                       "assignedTo": tech.id, "estimatedDuration": 120})
    assert client.patch(f"/api/users/{tech.id}", headers=ha, json={"hourlyRate": "60.00"}).status_code == 200
    made(f"/api/work-orders/{repair['id']}/labor", {"minutes": 95, "userId": tech.id})
    assert client.patch(f"/api/work-orders/{repair['id']}", headers=h, json={
        "status": "in_progress", "failureMode": "OHE", "failureCause": "CON", "failureRemedy": "CLN"}).status_code == 200
    retired = next(c for c in client.get("/api/failure-codes", headers=h).json if c["code"] == "ERO")
    assert client.patch(f"/api/failure-codes/{retired['id']}", headers=h, json={"active": False}).status_code == 200
    _delivery_log(hook, utcnow())
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    db.session.rollback()
    token = db.session.get(Equipment, eq["id"]).report_token
    reported = problem_reports.submit_report(token, ProblemReportCreate(
        description="Oil on the floor under the press", reporterName="Kim from the line",
        reporterEmail="kim@plant.example"))
    made(f"/api/work-orders/{reported.work_order.id}/comments",
         {"body": "We fit a new seal tomorrow morning.", "visibleToReporter": True})
    # From now on through the requests inbox: a report with a photo and a requester's request wait.
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(requestRouting="inbox"))
    db.session.rollback()
    problem_reports.submit_report(token, ProblemReportCreate(
        description="Hydraulic hose weeps at the top cylinder", reporterName="Ana, press line",
        reporterContact="ext. 4471"), photo=smooth((800, 600), "JPEG"), photo_name="hose.jpg")
    myreq = made("/api/requests", {"title": "Light flickers above the press", "equipmentId": eq["id"]},
                 auth("north", "requester"))
    ht = auth("north", "technician")  # the technician has read one of their notifications
    oldest = client.get("/api/notifications?limit=1&page=99999", headers=ht)
    last = client.get(oldest.headers["Link"].split(", ")[-1].split(";")[0].strip("<>"), headers=ht).json[-1]
    assert client.post(f"/api/notifications/{last['id']}/read", headers=ht).status_code == 200
    week = (utcnow() + timedelta(days=7)).date().isoformat()
    plan = made("/api/schedules", {"weekStart": week})
    week = plan["weekStart"]
    made(f"/api/schedules/{plan['id']}/items", {"workOrderId": adhoc["id"], "userId": tech.id, "day": week, "hours": 2.5})
    made(f"/api/schedules/{plan['id']}/items", {"workOrderId": wo, "userId": tech.id, "day": week, "hours": 1})
    made("/api/absences", {"userId": tech.id, "startDate": plan["weekEnd"], "endDate": plan["weekEnd"], "reason": "Training"})
    return {"week": week, "line": line["id"], "site": site["id"],
            "asset": eq["id"], "wo": wo, "part": part["id"], "reorder": reorder["id"], "adhoc": adhoc["id"], "pm": pm["id"], "imp": imp["id"],
            "hook": hook["id"], "report_token": token, "reported": reported.work_order.id,
            "status_token": reported.status_token, "myreq": myreq["id"]}


# ---- what is measured on a page ---------------------------------------------------------------

SMALL_TARGETS = """
const min = 43.5, found = [];
// A dense data table (.dense, the board's) on a desk with a mouse: WCAG 2.5.8's 24 px, so that a
// 1440x900 screen shows 20+ rows (docs/decisions.md); on touch screens it is 44 px like the rest.
const denseDesk = matchMedia('(min-width: 1024px) and (pointer: fine), (min-width: 1024px) and (pointer: none)').matches;
const controls = document.querySelectorAll(
  'header a[href], header button, nav a[href], nav button, main a[href], main button, main summary, ' +
  'main input:not([type=hidden]), main select, main textarea');
for (const el of controls) {
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || el.closest('[hidden], .sr-only')) continue;
  let r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;  // not rendered (a closed <details>, display: none)
  // A link stretched over its row by an absolutely placed ::after (a work order row): the row is the target.
  if (el.tagName === 'A' && getComputedStyle(el, '::after').position === 'absolute' && el.offsetParent) {
    r = el.offsetParent.getBoundingClientRect();
  }
  let w = r.width, h = r.height;
  if (el.matches('input[type=checkbox], input[type=radio]')) {
    const label = el.closest('label') || (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
    if (label) { const l = label.getBoundingClientRect(); w = Math.max(w, l.width); h = Math.max(h, l.height); }
  }
  if (el.tagName === 'A' && style.display === 'inline') {
    const p = el.parentElement.closest('p');
    if (p && p.textContent.replace(el.textContent, '').trim().length > 1) continue;  // a link in a sentence
  }
  const least = denseDesk && el.closest('.dense') ? 23.5 : min;
  if (w < least || h < least) {
    const name = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 30);
    found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + name + '" ' + Math.round(w) + 'x' + Math.round(h));
  }
}
return found;
"""

# Work order numbers (WO-2026-001) broken over lines: a number is read, typed and quoted whole.
WRAPPED_NUMBERS = """
return [...document.querySelectorAll('main .fo, main .fo-number')].filter(e => {
  const r = e.getBoundingClientRect(), line = parseFloat(getComputedStyle(e).lineHeight) || 24;
  return r.height > 0 && (e.getClientRects().length > 1 || r.height > 1.6 * line);
}).map(e => e.textContent.trim());
"""

# What sticks out on the right: the innermost elements beyond the screen's width (for the failure message).
WIDEST = """
let out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > arguments[0] + 0.5
  && ![...e.children].some(c => c.getBoundingClientRect().right > arguments[0] + 0.5));
// Else text running out of a box that fits (an unbreakable e-mail address in a heading).
if (!out.length) out = [...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1
  && e.clientWidth > 0 && getComputedStyle(e).overflowX === 'visible' && e.children.length === 0);
return out.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
  + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ');
"""

# Everything check_page measures, in one call (one round trip through chromedriver instead of five:
# some 40 ms a page, a few seconds a sweep): axe first, then the page's width, the targets and the
# work order numbers, each script above run as it is (a function body) with the screen's width.
CHECKS = """
const done = arguments[arguments.length - 1], width = arguments[0];
if (typeof axe === 'undefined') { done(null); return; }  // a document that began before the sweep installed it
const run = check => check.call(null, width);
const measure = found => {
  try {
    const pageWidth = document.documentElement.scrollWidth;
    done({axe: found, pageWidth, widest: pageWidth > width ? run(WIDEST) : '', targets: run(SMALL_TARGETS),
          wrapped: run(WRAPPED_NUMBERS)});
  } catch (e) { done({error: String(e && e.stack || e)}); }  // fails at once rather than at the script timeout
};
axe.run(document, {resultTypes: ['violations']}).then(
  r => measure(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))),
  e => measure(['axe failed: ' + e]));
"""


_CHECKS = (CHECKS.replace("run(WIDEST)", "run(function () {" + WIDEST + "})")
           .replace("run(SMALL_TARGETS)", "run(function () {" + SMALL_TARGETS + "})")
           .replace("run(WRAPPED_NUMBERS)", "run(function () {" + WRAPPED_NUMBERS + "})"))


def at_size(browser, width: int) -> None:
    height, phone = SIZES[width]
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 2 if phone else 1, "mobile": phone})
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": phone})


def check_page(browser, width: int, label: str) -> list[str]:
    """What is wrong with the page on the screen: axe violations, sideways scroll, small targets."""
    found = browser.execute_async_script(_CHECKS, width)
    if found is None:
        browser.execute_script(AXE)  # a document that began before the sweep installed it
        found = browser.execute_async_script(_CHECKS, width)
    assert "error" not in found, f"{label}: the checks failed: {found['error']}"
    problems = [f"{label}: axe {v}" for v in found["axe"]]
    if found["pageWidth"] > width:
        problems.append(f"{label}: {found['pageWidth']} px wide ({found['widest']})")
    problems += [f"{label}: target {t}" for t in found["targets"]]
    problems += [f"{label}: work order number on several lines: {n}" for n in found["wrapped"]]
    return problems


def check_navigation(browser, width: int, role: str) -> list[str]:
    """Every item of the role's navigation on the screen (after opening the menu where there is one)."""
    from selenium.webdriver.common.by import By

    label = f"navigation as {role} at {width}"
    problems = []
    menu = browser.find_elements(By.CSS_SELECTOR, "header button[aria-controls=nav-menu]")
    if menu and menu[0].is_displayed():
        if menu[0].get_attribute("aria-expanded") != "false":
            problems.append(f"{label}: the menu starts open")
        menu[0].click()
        waiter(browser, 5).until(lambda d: menu[0].get_attribute("aria-expanded") == "true")
    shown = browser.execute_script("""
        return [...document.querySelectorAll('nav[aria-label=Main] a')].map(a => {
          const r = a.getBoundingClientRect(), s = getComputedStyle(a);
          const on = r.width > 0 && s.visibility !== 'hidden' && r.left >= 0 && r.right <= arguments[0] + 0.5
                     && r.top >= 0 && r.bottom <= window.innerHeight && r.height >= 43.5;
          return [a.textContent.trim(), on];
        });""", width)
    reachable = [name for name, on in shown if on]
    if reachable != NAV[role]:
        problems.append(f"{label}: {reachable} reachable of {[name for name, _ in shown]}, expected {NAV[role]}")
    if menu and menu[0].is_displayed():
        problems += check_page(browser, width, label + " (menu open)")
    return problems


def sweep(browser, live_server: str, client, auth, users, width: int, roles: tuple[str, ...] | None = None) -> list[str]:
    """Every page in PAGES at `width` for `roles` (every role and the visitor unless told; "visitor"
    names the logged-out pass); returns the problems found (the test asserts there are none)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    ids = setup(client, auth, users)
    wait = waiter(browser)
    problems: list[str] = []
    started = time.monotonic()
    at_size(browser, width)
    # axe-core evaluated in every document the sweep opens, as it starts: the same script as
    # execute_script(AXE) would run, without sending its 650 kB through chromedriver for each page
    # (that doubled the sweep's time: 12.8 s of 41 s at 390 px on a busy machine).
    axe_script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": AXE})["identifier"]
    try:
        for role in ((), *[(r,) for r in NAV]):
            if roles is not None and (role[0] if role else "visitor") not in roles:
                continue
            browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
            if role:
                log_in(browser, live_server, users["north"][role[0]])
                wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
                problems += check_navigation(browser, width, role[0])
            for page in PAGES:
                if page.roles != role and not (role and role[0] in page.roles):
                    continue
                path = page.path.format(**ids)
                browser.get(live_server + path)
                wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "main h1")))
                problems += check_page(browser, width, f"{path} as {role[0] if role else 'visitor'} at {width}")
                if SHOTS:
                    _shot(browser, f"{width}-{role[0] if role else 'visitor'}{path}")
            if not role:
                problems += _report_done(browser, live_server, ids, width)
                problems += _enrolment(browser, live_server, users, width)
            elif role[0] == A:
                problems += _mfa_reset(browser, live_server, users, width)
            elif role[0] == T:
                problems += _tree_opened(browser, live_server, ids, width)
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": axe_script})
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
    print(f"sweep at {width}: {time.monotonic() - started:.1f} s")
    return problems


def _delivery_log(hook: dict, now) -> None:
    """The webhook's log with attempts to read: one delivered at its second try, one ping timed out."""
    from datetime import timedelta

    from portal.models import WebhookDelivery, WebhookDeliveryAttempt
    from portal.platform.extensions import db

    second = now - timedelta(minutes=20)
    tried = WebhookDelivery(webhook_id=hook["id"], warehouse_id=hook["warehouseId"], event="work_order.created",
                            state="delivered", attempts=2, last_status_code=200, last_duration_ms=31,
                            last_attempt_at=second, delivered_at=second, created_at=now - timedelta(minutes=21))
    ping = WebhookDelivery(webhook_id=hook["id"], warehouse_id=hook["warehouseId"], event="webhook.test",
                           state="failed", attempts=1, last_error="Timed out", last_duration_ms=10000,
                           last_attempt_at=now - timedelta(minutes=30), created_at=now - timedelta(minutes=30))
    db.session.add_all([tried, ping])
    db.session.flush()
    db.session.add_all([
        WebhookDeliveryAttempt(delivery_id=tried.id, attempt=1, started_at=now - timedelta(minutes=21),
                               duration_ms=9, status_code=500, error="HTTP 500", next_retry_at=second),
        WebhookDeliveryAttempt(delivery_id=tried.id, attempt=2, started_at=second, duration_ms=31, status_code=200),
        WebhookDeliveryAttempt(delivery_id=ping.id, attempt=1, started_at=ping.created_at, duration_ms=10000,
                               error="Timed out"),
    ])
    db.session.commit()


# SWEEP_SHOTS=<folder>: each page swept is also saved there, whole (beyond the screen), to be looked at.
SHOTS = os.environ.get("SWEEP_SHOTS", "")


def _shot(browser, name: str) -> None:
    import base64
    import re

    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path = Path(SHOTS) / (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:120] + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def _report_done(browser, live_server: str, ids: dict, width: int) -> list[str]:
    """The public report's thank-you page: the form sent, as someone who scanned the label."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(f"{live_server}/report/{ids['report_token']}")
    browser.find_element(By.ID, "f-description").send_keys("Oil on the floor")
    browser.find_element(By.ID, "f-reporterName").send_keys("Kim")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    waiter(browser).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Thank you"))
    return check_page(browser, width, f"report done as visitor at {width}")


def _enrolment(browser, live_server: str, users, width: int) -> list[str]:
    """The enrolment page: an admin reset a technician's authenticator and handed over the code; the
    technician opened its link and logged in with the password."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    from portal.services.identity import auth as auth_service

    user = users["north"]["technician2"]
    code = auth_service.reset_mfa(users.actor("north", "admin"), user.id).code
    browser.get(f"{live_server}/enrol/{code}")
    log_in(browser, live_server, email=user.email, code="")
    waiter(browser).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Set up your authenticator"))
    problems = check_page(browser, width, f"enrolment as a new user at {width}")
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return problems


def _tree_opened(browser, live_server: str, ids: dict, width: int) -> list[str]:
    """The asset tree: the site's disclosure button opens it in place (htmx, morph), aria-expanded
    says so, the focus stays on the button, and its line shows; the page passes the checks open."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(live_server + "/assets?view=tree")
    button = waiter(browser).until(ec.element_to_be_clickable((By.ID, f"tw-{ids['site']}")))
    button.click()
    waiter(browser).until(ec.presence_of_element_located((By.ID, f"tn-{ids['line']}")))
    label = f"tree opened as technician at {width}"
    problems = []
    button = browser.find_element(By.ID, f"tw-{ids['site']}")
    if button.get_attribute("aria-expanded") != "true":
        problems.append(f"{label}: aria-expanded is {button.get_attribute('aria-expanded')}")
    if browser.execute_script("return document.activeElement && document.activeElement.id") != f"tw-{ids['site']}":
        problems.append(f"{label}: the focus left the button")
    if SHOTS:
        _shot(browser, f"{width}-technician-tree-opened")
    return problems + check_page(browser, width, label)


def _mfa_reset(browser, live_server: str, users, width: int) -> list[str]:
    """The page an admin gets after resetting a user's authenticator: the one-time code to hand over."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(live_server + "/admin/users")
    row = browser.find_element(By.ID, f"user-{users['north']['technician2'].id}")
    button = row.find_element(By.XPATH, ".//button[normalize-space()='Reset MFA']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    waiter(browser).until(ec.alert_is_present()).accept()  # hx-confirm
    waiter(browser).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "reset"))
    return check_page(browser, width, f"MFA reset as admin at {width}")
