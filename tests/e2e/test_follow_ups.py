"""On a phone (390x844): a technician types "95,5" on a 10–80 °C item (a plant writing decimal
commas), taps "Create a follow-up work order", sees the link, opens the follow-up and sees its
parent. Screenshots at 390x844 and 768x1024."""
from __future__ import annotations

from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import Warehouse, WorkOrder
from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler

CHECKLIST = [
    {"id": "temp", "description": "Bearing temperature", "type": "measurement", "required": True, "unit": "°C",
     "min": 10, "max": 80},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
]


def fits(browser, element_id: str) -> bool:
    """The element and everything in it within the phone's width (the page shell's own width is
    the shell's concern, issue 20 part 2)."""
    return browser.execute_script(
        "const el = document.getElementById(arguments[0]);"
        "return [el, ...el.querySelectorAll('*')].every(e => e.getBoundingClientRect().right <= window.innerWidth);",
        element_id)


def test_a_reading_out_of_range_leads_to_a_follow_up_on_a_phone(live_server, browser, users, client, auth, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    me = users["north"]["technician"]
    h = auth("north", "manager")
    db.session.execute(Warehouse.__table__.update().where(Warehouse.id == me.warehouse_id).values(decimal_mark=","))
    db.session.commit()
    pump = client.post("/api/equipment", json={"assetTag": "MTR-7", "location": "Hall 2"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump],
        "assignedTo": me.id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    item_id = next(i["id"] for i in client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json
                   if i["itemId"] == "temp")
    parent_number = db.session.get(WorkOrder, wo_id).fo_number

    browser.set_window_size(390, 844)
    log_in(browser, live_server, me)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(f"{live_server}/work-orders/{wo_id}")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Motor PM"))

    reading = browser.find_element(By.ID, f"ci-{item_id}-value")
    reading.send_keys("95,5", Keys.ENTER)
    row = f"ci-{item_id}"
    wait.until(ec.text_to_be_present_in_element((By.ID, row), "Out of range: 95,5 °C (limit 10–80 °C)"))
    button = browser.find_element(By.XPATH, f"//li[@id='{row}']//button[normalize-space()='Create a follow-up work order']")
    assert button.size["height"] >= 44
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    browser.save_screenshot(str(ARTIFACTS / "follow-up-offered-390x844.png"))
    button.click()

    wait.until(ec.text_to_be_present_in_element((By.ID, row), "Follow-up WO-"))
    db.session.rollback()  # the server wrote it: read afresh
    follow_up = db.session.scalars(select(WorkOrder).where(WorkOrder.parent_id == wo_id)).one()
    link = browser.find_element(By.LINK_TEXT, f"Follow-up {follow_up.fo_number} created")
    assert browser.find_element(By.ID, row).text.count("Follow-up") == 1
    assert fits(browser, row)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    browser.save_screenshot(str(ARTIFACTS / "follow-up-created-390x844.png"))
    browser.set_window_size(768, 1024)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    browser.save_screenshot(str(ARTIFACTS / "follow-up-created-768x1024.png"))
    browser.set_window_size(390, 844)

    link.click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Follow-up: Bearing temperature 95,5 °C"))
    parent = wait.until(ec.visibility_of_element_located((By.ID, "follow-ups")))
    browser.save_screenshot(str(ARTIFACTS / "follow-up-top-390x844.png"))
    assert parent.text.startswith("Follow-up of") and parent_number in parent.text
    assert fits(browser, "follow-ups")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", parent)
    browser.save_screenshot(str(ARTIFACTS / "follow-up-parent-390x844.png"))
    browser.set_window_size(768, 1024)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", parent)
    browser.save_screenshot(str(ARTIFACTS / "follow-up-parent-768x1024.png"))

    # Back on the parent, its follow-ups are listed.
    browser.find_element(By.PARTIAL_LINK_TEXT, parent_number).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Motor PM"))
    listed = browser.find_element(By.ID, "follow-ups")
    assert follow_up.fo_number in listed.text and "New" in listed.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", listed)
    browser.save_screenshot(str(ARTIFACTS / "follow-ups-listed-768x1024.png"))
    browser.set_window_size(390, 844)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", listed)
    browser.save_screenshot(str(ARTIFACTS / "follow-ups-listed-390x844.png"))
