"""A manager plans next week at 1440x900 with the keyboard alternative (the day-and-person select and
the Schedule button), then freezes it; a work order added afterwards shows as break-in work.
Screenshots: test-artifacts/planner-1440x900.png (and PLANNER_SHOTS_DIR if set)."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from e2e.conftest import ARTIFACTS, log_in
from portal.models.types import utcnow
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.planning.schedules import monday_of
from portal.services.work_orders import lifecycle

SHOTS = Path(os.environ.get("PLANNER_SHOTS_DIR", str(ARTIFACTS)))


def test_manager_schedules_with_the_keyboard_and_freezes(live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    belt = lifecycle.create_work_order(manager, WorkOrderCreate.model_validate(
        {"title": "Replace conveyor belt", "estimatedDuration": 180}))
    jam = lifecycle.create_work_order(manager, WorkOrderCreate.model_validate(
        {"title": "Clear the jam at the transfer", "estimatedDuration": 60}))
    week = monday_of(utcnow().date()) + timedelta(days=7)
    tuesday = (week + timedelta(days=1)).isoformat()
    browser.set_window_size(1440, 900)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(lambda d: "/login" not in d.current_url)
    browser.get(f"{live_server}/planner")  # the coming week by default
    wait.until(lambda d: d.find_element(By.ID, "plan-grid-h"))
    assert "Draft" in browser.find_element(By.ID, "plan-state-h").text

    # Keyboard only: focus the select, pick Tuesday for the technician, tab to the button, Enter.
    slot = browser.find_element(By.ID, f"f-slot-{belt.id}")
    Select(slot).select_by_value(f"{tuesday}|{tech.id}")
    slot.send_keys(Keys.TAB)  # to the hours (prefilled from the estimate)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Schedule"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    cell = f'td[data-slot="{tuesday}|{tech.id}"]'
    wait.until(lambda d: belt.fo_number in d.find_element(By.CSS_SELECTOR, cell).text)
    assert "3 / 8 h" in browser.find_element(By.CSS_SELECTOR, cell).text

    browser.find_element(By.CSS_SELECTOR, ".plan-freeze button").click()
    wait.until(lambda d: "Frozen" in d.find_element(By.ID, "plan-state-h").text)
    Select(browser.find_element(By.ID, f"f-slot-{jam.id}")).select_by_value(f"{tuesday}|{tech.id}")
    browser.find_element(By.CSS_SELECTOR, f"#wo-{jam.id} button[type=submit]").click()
    wait.until(lambda d: jam.fo_number in d.find_element(By.CSS_SELECTOR, cell).text)
    text = browser.find_element(By.CSS_SELECTOR, cell).text
    assert "Break-in" in text and "4 / 8 h" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / "planner-1440x900.png"))
