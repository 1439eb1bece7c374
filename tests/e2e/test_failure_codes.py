"""A technician completes a corrective work order on a phone (390x844) where the warehouse requires
failure codes: the completion step offers the pump's short lists, refuses without them (the browser's
own `required`), and completes with them; the codes then read on the work page."""
from __future__ import annotations

import os
from pathlib import Path

import factories

from e2e.conftest import ARTIFACTS, log_in, screenshots
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.work_orders import failure_codes

SHOTS = Path(os.environ.get("FAILURE_SHOTS", str(ARTIFACTS)))


def test_completing_a_repair_with_its_failure_codes_on_a_phone(live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    manager = users.actor("north", "manager")
    with unit_of_work():
        failure_codes.seed_defaults(manager.warehouse_id)
        failure_codes.set_required(manager, True)
    pump = factories.equipment(manager, assetTag="PMP-390", equipmentClass="pump")
    job = factories.work_order(manager, equipmentId=pump.id, title="Seal leaking",
                               assignedTo=users["north"]["technician"].id)
    db.session.commit()

    browser.set_window_size(390, 844)
    log_in(browser, live_server, users["north"]["technician"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(f"{live_server}/work-orders/{job.id}")
    summary = browser.find_element(By.CSS_SELECTOR, "#complete > summary")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    fieldset = wait.until(ec.visibility_of_element_located((By.ID, "failure-codes")))
    assert "(required)" in fieldset.text
    modes = [o.get_attribute("value") for o in Select(browser.find_element(By.ID, "f-failureMode")).options]
    assert "ELP" in modes and modes[0] == ""  # the pump's list, after "Pick…"
    # Sent without codes: the browser keeps the form (required), nothing is completed.
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Complete work order']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    assert browser.execute_script("return document.getElementById('f-failureMode').matches(':invalid')")
    db.session.rollback()
    assert db.session.get(type(job), job.id).status == "assigned"

    for field, code in (("f-failureMode", "ELP"), ("f-failureCause", "WEAR"), ("f-failureRemedy", "REPL")):
        Select(browser.find_element(By.ID, field)).select_by_value(code)
    browser.find_element(By.ID, "f-completionNotes").send_keys("Seal replaced, no leak under pressure.")
    # Each select a thumb's size, and nothing wider than the phone.
    for field in ("f-failureMode", "f-failureCause", "f-failureRemedy"):
        assert browser.find_element(By.ID, field).rect["height"] >= 44
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.save_screenshot(str(SHOTS / "failure-codes-complete-390x844.png"))
    screenshots(browser, "failure-codes-complete", scroll_to="#failure-codes")  # 768 and 1440, to look at
    browser.set_window_size(390, 844)
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Complete work order']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Completed"))
    # In the facts (folded on a phone): the codes with their labels.
    assert "ELP External leakage" in browser.find_element(By.ID, "wo-failure").get_attribute("textContent")
    db.session.rollback()
    done = db.session.get(type(job), job.id)
    assert (done.failure_mode, done.failure_cause, done.failure_remedy) == ("ELP", "WEAR", "REPL")
    browser.set_window_size(768, 1024)
