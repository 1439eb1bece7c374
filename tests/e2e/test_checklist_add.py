"""A manager creates a work order, lands on it, and gives it a PM template's checklist, in real Chromium."""
from __future__ import annotations

from e2e.conftest import ARTIFACTS, log_in
from portal.schemas.pm import PMTemplateCreate
from portal.services.pm import templates as pm_templates


def test_create_lands_on_the_new_order_and_copies_a_template_checklist(live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    pm_templates.create_template(users.actor("north", "manager"), PMTemplateCreate.model_validate({
        "name": "Conveyor check", "frequencyType": "calendar", "frequency": 30, "checklist": [
            {"description": "Belt tension", "type": "pass_fail", "required": True},
            {"description": "Gearbox temperature", "type": "measurement", "unit": "°C", "max": 80}]}))
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(live_server + "/work-orders/new")
    browser.find_element(By.ID, "f-title").send_keys("Conveyor 3 rattles")
    browser.find_element(By.ID, "f-checklistItems").send_keys("Guard refitted")
    browser.find_element(By.CSS_SELECTOR, "form.board-form button[type=submit]").click()
    # On the new order, not the list; its typed check is there.
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Conveyor 3 rattles"))
    assert browser.find_element(By.ID, "flash").text.endswith("-001 created.")
    assert "Guard refitted" in browser.find_element(By.ID, "checklist").text
    browser.find_element(By.CSS_SELECTOR, "#add-checklist > summary").click()
    Select(browser.find_element(By.ID, "f-add-fromTemplateId")).select_by_visible_text("Conveyor check (2 items)")
    browser.save_screenshot(str(ARTIFACTS / "checklist-add-768x1024.png"))
    for width, height in ((390, 844), (1440, 900)):
        browser.set_window_size(width, height)
        browser.execute_script("document.getElementById('f-add-unit').scrollIntoView()")
        browser.save_screenshot(str(ARTIFACTS / f"checklist-add-{width}x{height}.png"))
    browser.set_window_size(768, 1024)
    copy = browser.find_element(By.XPATH, "//button[normalize-space()='Copy checklist']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", copy)  # clear of the sticky bar
    copy.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "checklist"), "Gearbox temperature"))
    assert "2 checklist items added." in browser.find_element(By.ID, "wo").text
    assert browser.find_element(By.ID, "bar-progress").text.startswith("0 of 3")
