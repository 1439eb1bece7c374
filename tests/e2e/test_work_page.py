"""The work page on a phone (390x844) and a tablet (768x1024): the status bar with the one next
action stays on screen, the forms appear only when their action is chosen, a refused completion
links to each missing item, cancelling asks first. Page heights are measured for docs/portal.md."""
from __future__ import annotations

import os
from pathlib import Path

import factories
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import ChecklistItem
from portal.platform.extensions import db
from portal.schemas.attachments import CommentCreate
from portal.schemas.work_orders import ConsumeParts
from portal.services.inventory import parts as parts_service
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders import comments as comment_service

CHECKLIST = [
    {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "°C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
    {"id": "clean", "description": "Area cleaned", "type": "checkbox", "required": False},
]
SIZES = ((390, 844), (768, 1024))
SHOTS = Path(os.environ.get("WORKPAGE_SHOTS", str(ARTIFACTS)))


def _work_order(client, auth, users):
    """A PM work order with 4 checklist items, 2 parts used and 2 comments, assigned to the technician."""
    h = auth("north", "manager")
    manager = users.actor("north", "manager")
    tech = users.actor("north", "technician")
    motor = client.post("/api/equipment", json={"assetTag": "MTR-7", "location": "Hall 2"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [motor],
        "assignedTo": tech.id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    for number in ("BRG-6205", "BLT-A42"):
        part = factories.part(manager, partNumber=number, stockLevel=9)
        parts_service.consume_parts(tech, ConsumeParts(workOrderId=wo_id, partsUsage=[
            {"partId": part.id, "quantityUsed": 1}]))
    for body in ("Bearing noisy on the drive side.", "Belt replaced last month, check tension."):
        comment_service.add_comment(tech, wo_id, CommentCreate(body=body))
    items = {i.item_key: i.id for i in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))}
    return wo_id, items


def _height(browser) -> int:
    return browser.execute_script("return document.documentElement.scrollHeight")


def test_page_heights(live_server, browser, users, client, auth, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wo_id, _ = _work_order(client, auth, users)
    log_in(browser, live_server, users["north"]["technician"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    for width, height in SIZES:
        browser.set_window_size(width, height)
        browser.get(f"{live_server}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Motor PM"))
        print(f"\nHEIGHT {width}x{height}: {_height(browser)}")
        browser.save_screenshot(str(SHOTS / f"work-page-{width}x{height}.png"))
        if os.environ.get("WORKPAGE_FULL"):
            browser.set_window_size(width, _height(browser))
            browser.save_screenshot(str(SHOTS / f"work-page-{width}-full.png"))
