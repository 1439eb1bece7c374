"""The work page on a phone (390x844) and a tablet (768x1024): the status bar with the one next
action stays on screen, the forms appear only when their action is chosen, a refused completion
links to each missing item, cancelling asks first. Page heights are measured for docs/portal.md."""
from __future__ import annotations

import os
from pathlib import Path

import factories
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import ChecklistItem, WorkOrder
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.attachments import CommentCreate
from portal.schemas.work_orders import ConsumeParts
from portal.services.inventory import parts as parts_service
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders import comments as comment_service
from portal.services.work_orders import hold_reasons

CHECKLIST = [
    {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "°C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
    {"id": "clean", "description": "Area cleaned", "type": "checkbox", "required": False},
]
SIZES = ((390, 844), (768, 1024))
SHOTS = Path(os.environ.get("WORKPAGE_SHOTS", str(ARTIFACTS)))


def _work_order(client, auth, users, tag: str = "MTR-7"):
    """A PM work order with 4 checklist items, 2 parts used and 2 comments, assigned to the technician."""
    h = auth("north", "manager")
    manager = users.actor("north", "manager")
    tech = users.actor("north", "technician")
    motor = client.post("/api/equipment", json={"assetTag": tag, "location": "Hall 2"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": f"Motor PM {tag}", "frequencyType": "calendar", "frequency": 30, "leadDays": 30,
        "equipmentIds": [motor], "assignedTo": tech.id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    for number in ("BRG-6205", "BLT-A42"):
        part = factories.part(manager, partNumber=f"{number}-{tag}", stockLevel=9)
        parts_service.consume_parts(tech, ConsumeParts(workOrderId=wo_id, partsUsage=[
            {"partId": part.id, "quantityUsed": 1}]))
    for body in ("Bearing noisy on the drive side.", "Belt replaced last month, check tension."):
        comment_service.add_comment(tech, wo_id, CommentCreate(body=body))
    items = {i.item_key: i.id for i in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))}
    return wo_id, items


def _height(browser) -> int:
    return browser.execute_script("return document.documentElement.scrollHeight")


# The elements of the work page (#wo) reaching past the right edge of the screen (tables scroll in
# their own box, so their cells are left out).
WIDER_THAN_THE_SCREEN = """
var edge = document.documentElement.clientWidth, out = [];
document.querySelectorAll('#wo *').forEach(function (el) {
  var box = el.getBoundingClientRect();
  if (box.width > 0 && box.right > edge + 0.5 && !el.closest('.table-wrap, table')) { out.push(el.tagName + '#' + el.id + '.' + el.className); }
});
return out;
"""


def _tap(browser, by: str, value: str) -> None:
    """Click as a thumb does: on the element where the screen shows it (selenium would scroll it to
    the top edge, under the sticky bar, and the bar would take the click)."""
    element = browser.find_element(by, value)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _rect(browser, css: str) -> dict:
    return browser.execute_script("return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()", css)


def test_work_page_on_a_phone_and_a_tablet(live_server, browser, users, client, auth, wait):
    """At each size: the bar stays on screen, forms open only when chosen, a refused completion's
    link lands on its item, cancelling asks once more, a hold takes a reason from the list."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    with unit_of_work():
        hold_reasons.seed_defaults(users["north"]["manager"].warehouse_id)
    orders = {size: _work_order(client, auth, users, tag=f"MTR-{size[0]}") for size in SIZES}
    log_in(browser, live_server, users["north"]["technician"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    heights = {}
    for (width, height), (wo_id, items) in orders.items():
        browser.set_window_size(width, height)
        browser.get(f"{live_server}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Assigned"))
        heights[width] = _height(browser)
        browser.save_screenshot(str(SHOTS / f"work-page-{width}x{height}.png"))
        if os.environ.get("WORKPAGE_FULL"):  # the whole page in one picture, for looking at it
            browser.set_window_size(width, heights[width])
            browser.save_screenshot(str(SHOTS / f"work-page-{width}-full.png"))
            browser.set_window_size(width, height)
        # Nothing of the page is wider than the screen; the facts are folded on the phone only,
        # the asset link and the due date in view either way.
        assert browser.execute_script(WIDER_THAN_THE_SCREEN) == []
        assert browser.find_element(By.ID, "wo-facts").get_attribute("open") == (None if width < 768 else "true")
        assert browser.find_element(By.CSS_SELECTOR, ".wo-where a").is_displayed()
        # The bar, in its place, covers nothing: the checklist starts below it.
        assert _rect(browser, "#wo-bar")["bottom"] <= _rect(browser, "#checklist")["top"]

        # The forms are hidden until their action is chosen.
        for form in ("complete-form", "hold-form"):
            assert not browser.find_element(By.ID, form).is_displayed()
        assert not browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Yes, cancel')]").is_displayed()

        # A refused completion links to each missing item; the link lands on it, below the bar.
        _tap(browser, By.CSS_SELECTOR, "#complete > summary")
        wait.until(lambda b: b.find_element(By.ID, "complete-form").is_displayed())
        _tap(browser, By.XPATH, "//button[normalize-space()='Complete work order']")
        missing = wait.until(ec.visibility_of_element_located((By.ID, "missing-items")))
        assert [a.text for a in missing.find_elements(By.TAG_NAME, "a")] == [
            "Motor temperature", "Belt tension", "Guard refitted"]
        _tap(browser, By.CSS_SELECTOR, f"#missing-items a[href='#ci-{items['guard']}']")
        guard = f"ci-{items['guard']}"
        wait.until(lambda b, guard=guard: "is-target" in b.find_element(By.ID, guard).get_attribute("class"))
        assert browser.switch_to.active_element.get_attribute("id") == f"{guard}-done"
        wait.until(lambda b, guard=guard: _rect(b, f"#{guard}")["top"] >= _rect(b, "#wo-bar")["bottom"] - 1)
        assert _rect(browser, f"#{guard}")["bottom"] <= height

        # Scrolled to the bottom: the bar with the status and the next action is still on screen.
        browser.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
        wait.until(lambda b: b.execute_script("return window.scrollY") > 500)
        bar = _rect(browser, "#wo-bar")
        assert 0 <= bar["top"] <= 1 and bar["bottom"] < height / 4
        assert browser.find_element(By.XPATH, "//div[@id='wo-bar']//button[normalize-space()='Start work']").is_displayed()
        browser.save_screenshot(str(SHOTS / f"work-page-{width}x{height}-scrolled.png"))

        # Cancel asks once more: the summary only opens the confirm step; nothing changed yet.
        _tap(browser, By.CSS_SELECTOR, "#cancel > summary")
        wait.until(lambda b: b.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Yes, cancel')]")
                   .is_displayed())
        db.session.rollback()
        assert db.session.get(WorkOrder, wo_id).status == "assigned"

        # One way to pause: "Put on hold…" with a reason from the warehouse's list.
        assert not browser.find_elements(By.XPATH, "//button[contains(., 'Pause')]")
        _tap(browser, By.CSS_SELECTOR, "#hold > summary")
        wait.until(lambda b: b.find_element(By.ID, "hold-form").is_displayed())
        _tap(browser, By.XPATH, "//label[contains(., 'Waiting for parts')]")
        browser.find_element(By.ID, "f-holdReason").send_keys("Bearing ordered")
        browser.save_screenshot(str(SHOTS / f"work-page-{width}x{height}-hold.png"))
        _tap(browser, By.XPATH, "//button[normalize-space()='Put on hold']")
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "On hold"))
        assert "Waiting for parts: Bearing ordered" in browser.find_element(By.ID, "wo-bar").text
        assert browser.find_element(By.XPATH, "//div[@id='wo-bar']//button[normalize-space()='Resume work']").is_displayed()
        # The page came back by an htmx swap: the facts are folded again on the phone only.
        assert browser.find_element(By.ID, "wo-facts").get_attribute("open") == (None if width < 768 else "true")

        if width == 768:  # and once, the cancel itself
            _tap(browser, By.CSS_SELECTOR, "#cancel > summary")
            _tap(browser, By.XPATH, "//button[starts-with(normalize-space(), 'Yes, cancel')]")
            wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Cancelled"))
    print(f"\nwork page heights (4 checklist items, 2 parts, 2 comments): {heights}")


def test_manager_edits_hold_reasons_on_a_phone(live_server, browser, users, client, auth, wait):
    """The hold reasons page at 390x844 (and looked at on a tablet and a desk): a reason added is
    offered on the work page's hold form at once."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    with unit_of_work():
        hold_reasons.seed_defaults(users["north"]["manager"].warehouse_id)
    wo_id, _ = _work_order(client, auth, users)
    browser.set_window_size(390, 844)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))  # logged in, not the form's h1
    browser.get(f"{live_server}/pm-templates")
    _tap(browser, By.LINK_TEXT, "Hold reasons")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Hold reasons"))
    assert browser.execute_script(WIDER_THAN_THE_SCREEN.replace("#wo *", "main *")) == []
    browser.find_element(By.ID, "f-label-new").send_keys("Waiting for the crane")
    _tap(browser, By.XPATH, "//button[normalize-space()='Add reason']")
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "added"))
    browser.save_screenshot(str(SHOTS / "hold-reasons-390x844.png"))
    for width, height in ((768, 1024), (1440, 900)):
        browser.set_window_size(width, height)
        browser.save_screenshot(str(SHOTS / f"hold-reasons-{width}x{height}.png"))
    browser.get(f"{live_server}/work-orders/{wo_id}")
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Assigned"))
    assert browser.find_element(By.ID, "wo-facts").get_attribute("open") == "true"
    browser.save_screenshot(str(SHOTS / "work-page-1440x900.png"))
    _tap(browser, By.CSS_SELECTOR, "#hold > summary")
    assert wait.until(lambda b: b.find_element(By.XPATH, "//label[contains(., 'Waiting for the crane')]")).is_displayed()
    # Printed, the folded history opens (and folds again afterwards).
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.find_element(By.CSS_SELECTOR, "#history details").get_attribute("open") == "true"
    browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
    assert browser.find_element(By.CSS_SELECTOR, "#history details").get_attribute("open") is None
