"""A technician works a PM work order in a real browser at 768x1024: My work -> the work order ->
checklist ticked and measured -> a part -> labor -> completed. Screenshots of list and detail."""
from __future__ import annotations

from datetime import timedelta

import factories
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import LaborEntry, Part, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler

CHECKLIST = [
    {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "°C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
]


def test_technician_works_and_completes_a_work_order(live_server, browser, users, client, auth, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    me = users["north"]["technician"]
    manager = users.actor("north", "manager")
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "MTR-7", "location": "Hall 2"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump],
        "assignedTo": me.id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    bearing = factories.part(manager, partNumber="BRG-6205", description="Ball bearing 6205-2RS", stockLevel=7)
    factories.part(manager, partNumber="BLT-A42", description="V-belt A42", stockLevel=0)
    for n, prio in enumerate(("critical", "high", "medium", "low")):
        factories.work_order(manager, title=f"Inspect conveyor {n + 1}", priority=prio, assignedTo=me.id,
                             equipmentId=factories.equipment(manager, location="Line 3").id,
                             dueDate=utcnow() + timedelta(days=n - 2))

    browser.set_window_size(768, 1024)
    log_in(browser, live_server, me)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))

    # The work order list, filtered as you type; screenshots at both sizes.
    browser.find_element(By.LINK_TEXT, "Work orders").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Work orders"))
    browser.find_element(By.ID, "f-q").send_keys("conveyor")
    wait.until(lambda b: "q=conveyor" in b.current_url)  # hx-push-url keeps the URL in step
    wait.until(lambda b: "Motor PM" not in b.find_element(By.ID, "results").text)
    browser.save_screenshot(str(ARTIFACTS / "work-orders-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.save_screenshot(str(ARTIFACTS / "work-orders-1440x900.png"))
    browser.set_window_size(768, 1024)

    # My work -> the PM work order.
    browser.find_element(By.LINK_TEXT, "My work").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    wo = db.session.get(WorkOrder, wo_id)
    browser.find_element(By.LINK_TEXT, wo.fo_number).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Motor PM"))

    # Completing too early (the form opens when "Complete…" is chosen): refused, the missing
    # required items listed.
    browser.find_element(By.CSS_SELECTOR, "#complete > summary").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Complete work order']").click()
    missing = wait.until(ec.visibility_of_element_located((By.ID, "missing-items")))
    assert "Motor temperature" in missing.text and "Guard refitted" in missing.text

    browser.find_element(By.XPATH, "//button[normalize-space()='Start work']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "In progress"))

    # Checklist: an out-of-range reading is flagged, then corrected; pass; tick.
    items = {i["itemId"]: i["id"] for i in client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json}
    reading = browser.find_element(By.ID, f"ci-{items['temp']}-value")
    reading.send_keys("95")
    reading.submit()
    wait.until(ec.text_to_be_present_in_element((By.ID, f"ci-{items['temp']}"), "Out of range"))
    reading = browser.find_element(By.ID, f"ci-{items['temp']}-value")
    reading.clear()
    reading.send_keys("61.5")
    reading.submit()
    wait.until(lambda b: "Out of range" not in b.find_element(By.ID, f"ci-{items['temp']}").text)
    browser.find_element(By.CSS_SELECTOR, f"#ci-{items['belt']} button[value=pass]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, f"ci-{items['belt']}"), "Done"))
    browser.find_element(By.CSS_SELECTOR, f"label[for='ci-{items['guard']}-done']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, f"ci-{items['guard']}"), "Done"))
    # The status bar's count follows the ticks without a reload.
    wait.until(ec.text_to_be_present_in_element((By.ID, "bar-progress"), "3 of 3 done · all required done"))

    # A part: search, pick, take 2; asking for more than the stock is answered next to the field.
    # Searched, nothing picked yet, the keyboard put away: a colleague's change coming in by live
    # refresh leaves the search and its results where they are, and the checklist the technician
    # just ticked keeps its nodes (a node replaced under a finger loses the tap).
    browser.execute_script("document.getElementById('checklist').keptByLiveRefresh = true")
    browser.find_element(By.ID, "f-partQ").send_keys("BRG")
    wait.until(ec.text_to_be_present_in_element((By.ID, "part-options"), "BRG-6205"))
    browser.find_element(By.TAG_NAME, "h1").click()
    assert client.post(f"/api/work-orders/{wo_id}/comments", json={"body": "Use the sealed type"},
                       headers=h).status_code == 201
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Use the sealed type"))
    assert browser.execute_script("return document.getElementById('checklist').keptByLiveRefresh === true")
    assert "BRG-6205" in browser.find_element(By.ID, "part-options").text
    assert browser.find_element(By.ID, "f-partQ").get_attribute("value") == "BRG"
    def pick(b):
        option = b.find_element(By.XPATH, "//label[contains(., 'BRG-6205')]")
        text = option.text
        option.click()
        radio = b.find_element(By.CSS_SELECTOR, f"input[name=partId][value='{bearing.id}']")
        return text if radio.is_selected() else False

    assert "7 in stock" in wait.until(pick)
    quantity = browser.find_element(By.ID, "f-quantityUsed")
    quantity.clear()
    quantity.send_keys("9")
    browser.find_element(By.XPATH, "//button[normalize-space()='Add part']").click()
    error = wait.until(ec.visibility_of_element_located((By.ID, "e-quantityUsed")))
    assert "7 in stock, 9 requested" in error.text
    assert browser.find_element(By.CSS_SELECTOR, f"input[name=partId][value='{bearing.id}']").is_selected()
    # A colleague comments meanwhile: the next live refresh brings the comment, and leaves the parts
    # form with its error, picked part and quantity as the technician is about to correct them.
    browser.find_element(By.TAG_NAME, "h1").click()  # nothing focused: only the error keeps the form
    assert client.post(f"/api/work-orders/{wo_id}/comments", json={"body": "Bearings are on shelf B2"},
                       headers=h).status_code == 201
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Bearings are on shelf B2"))
    assert "7 in stock, 9 requested" in browser.find_element(By.ID, "e-quantityUsed").text
    assert browser.find_element(By.CSS_SELECTOR, f"input[name=partId][value='{bearing.id}']").is_selected()
    assert browser.find_element(By.ID, "f-quantityUsed").get_attribute("value") == "9"
    quantity = browser.find_element(By.ID, "f-quantityUsed")
    quantity.clear()
    quantity.send_keys("2")
    browser.find_element(By.XPATH, "//button[normalize-space()='Add part']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "parts-cost"), "25.00"))

    # Labor: the timer starts (and survives a reload), then minutes typed in.
    browser.find_element(By.XPATH, "//button[normalize-space()='Start timer']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "labor"), "Timer running since"))
    browser.refresh()
    wait.until(ec.text_to_be_present_in_element((By.ID, "labor"), "Timer running since"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Discard timer']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "labor"), "Start timer"))
    browser.find_element(By.CSS_SELECTOR, "#labor-book > summary").click()
    browser.find_element(By.ID, "f-minutes").send_keys("45")
    browser.find_element(By.XPATH, "//button[normalize-space()='Book time']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "labor-total"), "45 min"))
    browser.save_screenshot(str(ARTIFACTS / "work-order-labor-768x1024.png"))
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(ARTIFACTS / "work-order-768x1024.png"))
    browser.execute_script("document.getElementById('checklist').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "work-order-checklist-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(ARTIFACTS / "work-order-1440x900.png"))
    browser.set_window_size(768, 1024)

    # Complete with notes: the bar's "Complete…" opens the form and puts the caret in it.
    browser.find_element(By.CSS_SELECTOR, "#wo-bar a[data-reveal]").click()
    wait.until(lambda b: b.switch_to.active_element.get_attribute("id") == "f-completionNotes")
    browser.find_element(By.ID, "f-completionNotes").send_keys("Bearing replaced, belt tensioned")
    browser.find_element(By.XPATH, "//button[normalize-space()='Complete work order']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Completed"))
    browser.find_element(By.CSS_SELECTOR, "#history summary").click()  # the history is folded
    assert "set status from in progress to completed" in browser.find_element(By.ID, "history").text
    browser.save_screenshot(str(ARTIFACTS / "work-order-completed-768x1024.png"))

    db.session.rollback()  # end this thread's read transaction: see what the server thread committed
    wo = db.session.get(WorkOrder, wo_id)
    assert wo.status == "completed" and wo.completion_notes == "Bearing replaced, belt tensioned"
    assert wo.actual_duration == 45
    assert db.session.get(Part, bearing.id).stock_level == 5
    assert db.session.scalars(select(LaborEntry).where(LaborEntry.work_order_id == wo_id)).one().minutes == 45
