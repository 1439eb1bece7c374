"""Assets in real headless Chromium at 768x1024: mark down and back up, a meter reading, "Report a
problem" in two taps, labels (print media); the public problem report on a phone (390x844)."""
from __future__ import annotations

import factories
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in, screenshots, waiter
from portal.models import DowntimePeriod, MeterReading, WorkOrder
from portal.platform.extensions import db
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service


def _wait(browser, condition, seconds: int = 30):

    return waiter(browser, seconds).until(condition)






def test_technician_works_an_asset(live_server, browser, users):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PMP-101", description="Boiler feed pump",
                               location="Boiler house", area="Utilities", criticality="critical")
    for tag, desc in (("CMP-201", "Air compressor"), ("FAN-301", "Exhaust fan"), ("CNV-401", "Conveyor belt")):
        factories.equipment(manager, assetTag=tag, description=desc)
    factories.work_order(manager, title="Check coupling alignment", equipmentId=pump.id)
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    me = users["north"]["technician"]
    log_in(browser, live_server, me)
    _wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))

    browser.find_element(By.LINK_TEXT, "Assets").click()
    _wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Assets"))
    search = browser.find_element(By.ID, "f-q")
    search.send_keys("feed")
    _wait(browser, lambda b: "CMP-201" not in b.find_element(By.ID, "results").text)
    assert "q=feed" in browser.current_url  # the filtered list is bookmarkable
    browser.get(live_server + "/assets")
    screenshots(browser, "assets-list")

    browser.find_element(By.PARTIAL_LINK_TEXT, "Boiler feed pump").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "status")))
    screenshots(browser, "asset-detail")

    # Mark down with a reason, then back up.
    browser.find_element(By.ID, "f-reason").send_keys("Bearing seized")
    browser.find_element(By.XPATH, "//button[normalize-space()='Mark down']").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "status"), "Marked down."))
    assert "Bearing seized" in browser.find_element(By.ID, "status").text
    browser.save_screenshot(str(ARTIFACTS / "asset-down-768x1024.png"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Back up']").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "status"), "Status: Active."))
    db.session.rollback()  # a fresh snapshot: the server committed in its own thread
    period = db.session.scalars(select(DowntimePeriod)).one()
    assert period.reason == "Bearing seized" and period.ended_at is not None

    # A meter reading.
    browser.find_element(By.ID, "f-value").send_keys("1250")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save reading']").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "meters"), "Reading saved: 1250"))
    db.session.rollback()
    assert db.session.scalars(select(MeterReading)).one().value == 1250

    # Report a problem: tap, (prefilled form), tap.
    browser.find_element(By.ID, "report-button").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "f-title")))
    assert browser.find_element(By.ID, "f-title").get_attribute("value") == "Fault on PMP-101"
    browser.save_screenshot(str(ARTIFACTS / "asset-report-form-768x1024.png"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Create work order']").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "flash"), "created."))
    db.session.rollback()  # a fresh snapshot: the server committed in its own thread
    wo = db.session.scalars(select(WorkOrder).where(WorkOrder.title == "Fault on PMP-101")).one()
    assert wo.type == "corrective" and wo.requested_by == me.id
    assert wo.fo_number in browser.find_element(By.ID, "open-orders").text

    # Label of this asset, then a sheet for ticked rows (printed as A4: print media emulated).
    browser.find_element(By.LINK_TEXT, "Print label").click()
    _wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".label svg")))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".label svg")) == 2  # asset page + report codes
    screenshots(browser, "asset-label")
    browser.get(live_server + "/assets")
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[name=id]")
    for box in boxes:
        box.click()
    browser.find_element(By.XPATH, "//button[contains(., 'Print labels')]").click()
    _wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".label")) == 4)
    screenshots(browser, "label-sheet")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "header.bar").is_displayed()
        browser.set_window_size(794, 1123)  # A4 at 96 dpi
        browser.save_screenshot(str(ARTIFACTS / "label-sheet-print.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_public_problem_report_on_a_phone(live_server, browser, users):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-555", description="Chiller pump",
                               location="Roof")
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    for size, name in (((390, 844), "phone"), ((768, 1024), "tablet")):
        browser.delete_all_cookies()
        browser.set_window_size(*size)
        browser.get(f"{live_server}/report/{pump.report_token}")
        assert "PMP-555" in browser.find_element(By.CLASS_NAME, "report-asset").text
        browser.save_screenshot(str(ARTIFACTS / f"report-form-{size[0]}x{size[1]}.png"))
        browser.find_element(By.ID, "f-description").send_keys(f"Water on the floor ({name})")
        browser.find_element(By.ID, "f-reporterName").send_keys("Kim, packing line")
        browser.find_element(By.XPATH, "//button[normalize-space()='Send report']").click()
        _wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Thank you"))
        number = browser.find_element(By.CLASS_NAME, "fo-number").text
        db.session.rollback()  # a fresh snapshot: the server committed in its own thread
        wo = db.session.scalars(select(WorkOrder).where(WorkOrder.fo_number == number)).one()
        assert wo.reporter_name == "Kim, packing line" and wo.status == "new" and wo.requested_by is None
        browser.save_screenshot(str(ARTIFACTS / f"report-done-{size[0]}x{size[1]}.png"))
    # Without any input the errors show next to their fields.
    browser.get(f"{live_server}/report/{pump.report_token}")
    browser.find_element(By.XPATH, "//button[normalize-space()='Send report']").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "e-reporterName")))
    assert browser.find_element(By.ID, "e-description").is_displayed()
