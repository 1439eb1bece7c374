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

    # Tablet and phone: each day a box with its work inside it; a day with work takes two columns,
    # so its lines (number, hours, Remove) read on one row instead of stacking down the page.
    from e2e.sweep import WIDEST, at_size

    try:
        for width, height in ((768, 1024), (390, 844)):
            at_size(browser, width)
            browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "plan-grid-h"))
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width, \
                browser.execute_script(WIDEST, width)
            shape = browser.execute_script("""
                const cell = document.querySelector(arguments[0]), row = cell.closest('tr');
                const item = cell.querySelector('.plan-item');
                return {cell: cell.getBoundingClientRect().width, row: row.getBoundingClientRect().width,
                        line: item.getBoundingClientRect().height < 60,
                        inside: item.getBoundingClientRect().right <= cell.getBoundingClientRect().right + 0.5};""", cell)
            assert shape["inside"] and shape["line"], shape  # the item in its day's box, on one line
            if width == 768:
                assert shape["cell"] < 0.7 * shape["row"], shape  # a day, not a line across the person's week
            browser.save_screenshot(str(SHOTS / f"planner-{width}x{height}.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
