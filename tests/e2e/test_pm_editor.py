"""A manager builds a PM template's checklist in headless Chromium (no page reload between items),
saves, reloads and sees the order; screenshots of the asset form, asset history, PM list and editor
at 768x1024 and 1440x900 (test-artifacts/)."""
from __future__ import annotations

from datetime import timedelta

import factories
from sqlalchemy import select

from e2e.conftest import log_in, screenshots
from portal.models import PMTemplate
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentStatusChange
from portal.services.assets import equipment as equipment_service


def _descriptions(browser) -> list[str]:
    from selenium.webdriver.common.by import By

    return [el.get_attribute("value") for el in browser.find_elements(By.CSS_SELECTOR, ".pmt-desc input")]


def test_manager_builds_a_checklist(live_server, browser, wait, users):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec

    manager = users.actor("north", "manager")
    for tag, desc in (("PMP-101", "Boiler feed pump"), ("CMP-201", "Air compressor"), ("FAN-301", "Exhaust fan")):
        factories.equipment(manager, assetTag=tag, description=desc)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.find_element(By.LINK_TEXT, "PM").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Preventive maintenance"))
    browser.find_element(By.ID, "new-template").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "New PM template"))
    browser.find_element(By.ID, "f-name").send_keys("Monthly pump inspection")
    marker = browser.execute_script("window.__noReload = 1; return window.__noReload")

    for n, text in enumerate(("Check seals", "Grease bearings", "Measure vibration"), start=1):
        browser.find_element(By.ID, "pm-add-item").click()
        wait.until(lambda b, n=n: len(b.find_elements(By.CSS_SELECTOR, ".pmt-item")) == n)
        # The new item's text box has the focus: type straight away (keyboard users too).
        wait.until(lambda b, n=n: b.switch_to.active_element.get_attribute("name") == f"checklist-{n - 1}-description")
        browser.switch_to.active_element.send_keys(text)
    assert _descriptions(browser) == ["Check seals", "Grease bearings", "Measure vibration"]

    browser.find_elements(By.CSS_SELECTOR, ".pmt-remove")[1].click()  # "Grease bearings"
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".pmt-item")) == 2)
    assert wait.until(ec.text_to_be_present_in_element((By.ID, "pm-note"), "Item removed: Grease bearings"))
    up = browser.find_elements(By.CSS_SELECTOR, ".pmt-up")[1]  # "Measure vibration" up
    up_id = up.get_attribute("id")
    up.click()
    wait.until(lambda b: _descriptions(b) == ["Measure vibration", "Check seals"])
    # The moved item's button keeps the focus, and the page was never reloaded.
    wait.until(lambda b: b.switch_to.active_element.get_attribute("id") == up_id)
    assert browser.execute_script("return window.__noReload") == marker
    assert db.session.scalar(select(db.func.count()).select_from(PMTemplate)) == 0  # nothing saved yet
    db.session.rollback()

    # Leaving with unsaved items asks first; staying keeps them.
    browser.find_element(By.LINK_TEXT, "Cancel").click()
    alert = wait.until(ec.alert_is_present())
    assert "not saved" in alert.text
    alert.dismiss()
    assert _descriptions(browser) == ["Measure vibration", "Check seals"]

    browser.find_element(By.CSS_SELECTOR, ".pmt-asset input").click()
    screenshots(browser, "pm-editor-new", scroll_to="#pm-checklist")
    browser.find_element(By.CSS_SELECTOR, ".pmt-actions button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "created"))
    browser.refresh()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Monthly pump inspection"))
    assert _descriptions(browser) == ["Measure vibration", "Check seals"]
    db.session.rollback()  # end the test's read snapshot: the server committed in another connection
    template = db.session.scalars(select(PMTemplate)).one()
    assert [item["description"] for item in template.checklist] == ["Measure vibration", "Check seals"]

    # The preview follows the frequency without a reload.
    freq = browser.find_element(By.ID, "f-frequency")
    freq.clear()
    freq.send_keys("7")
    first = template.start_date + timedelta(days=7)
    wait.until(lambda b: b.find_element(By.CSS_SELECTOR, ".pmt-dates time").get_attribute("datetime")
          == first.isoformat())
    assert len(browser.find_elements(By.CSS_SELECTOR, ".pmt-dates time")) == 5
    screenshots(browser, "pm-editor")
    freq.send_keys(Keys.ENTER)  # Enter in a field saves (not the checklist's first button)
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "saved"))
    browser.find_element(By.LINK_TEXT, "Preventive maintenance").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Preventive maintenance"))
    assert "every 7 days" in browser.find_element(By.CSS_SELECTOR, ".pmt-table").text
    screenshots(browser, "pm-list")


def test_asset_form_and_history_screens(live_server, browser, wait, users):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PMP-101", description="Boiler feed pump", area="Utilities")
    wo = factories.work_order(manager, equipmentId=pump.id, title="Replace shaft seal")
    start = utcnow() - timedelta(days=12)
    for n in range(12):
        equipment_service.change_status(manager, pump.id, EquipmentStatusChange(
            status="down", reason=["Seal leaking", "Tripped on overload", "Bearing noise"][n % 3],
            workOrderId=wo.id if n % 3 == 0 else None), now=start + timedelta(days=n))
        equipment_service.change_status(manager, pump.id, EquipmentStatusChange(status="active"),
                                        now=start + timedelta(days=n, hours=1 + n % 4, minutes=15))
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(live_server + "/assets")
    browser.find_element(By.ID, "new-asset").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "New asset"))
    browser.find_element(By.CSS_SELECTOR, ".ae-form button[type=submit]").click()  # empty tag: error
    wait.until(ec.presence_of_element_located((By.ID, "e-assetTag")))
    screenshots(browser, "asset-new-errors")
    browser.find_element(By.ID, "f-assetTag").send_keys("CMP-7")
    browser.find_element(By.ID, "f-description").send_keys("Air compressor")
    browser.find_element(By.CSS_SELECTOR, ".ae-form button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Asset CMP-7 registered."))
    browser.get(live_server + f"/assets/{pump.id}")
    browser.find_element(By.ID, "edit-asset").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Edit PMP-101"))
    screenshots(browser, "asset-edit")
    browser.get(live_server + f"/assets/{pump.id}")
    rows = browser.find_elements(By.CSS_SELECTOR, "#status-rows .ah-row")
    assert len(rows) == 10
    browser.find_element(By.CSS_SELECTOR, "#status-rows .ah-more a").click()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#status-rows .ah-row")) == 20)
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#downtime-rows .ah-row")) == 10)
    screenshots(browser, "asset-history", scroll_to="#history")
