"""The bell in a real browser at 1440x900: a technician's count goes up within a poll when their
manager assigns them a work order (through the API, from another session), they open the
notifications page from the bell and mark the entry read; the count goes with it."""
from __future__ import annotations

from e2e.conftest import ARTIFACTS, log_in, waiter


def test_the_bell_counts_live_and_the_list_marks_read(app, live_server, browser, users, client, auth):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    app.config["NOTIFY_POLL_SECONDS"] = 1  # the bell asks every second instead of every 15
    tech = users["north"]["technician"]
    manager = auth("north", "manager")  # its session written before the browser's requests start
    wait = waiter(browser)
    browser.set_window_size(1440, 900)
    log_in(browser, live_server, tech)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    assert not browser.find_elements(By.CSS_SELECTOR, "#bell .bell-count")

    created = client.post("/api/work-orders", headers=manager, json={
        "title": "Hydraulic hose weeps", "priority": "high", "assignedTo": tech.id})
    assert created.status_code == 201
    fo_number = created.json["foNumber"]
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#bell .bell-count"), "1"))
    assert browser.find_element(By.ID, "bell").get_attribute("textContent").split() == ["Notifications,", "1", "unread"]

    browser.find_element(By.ID, "bell").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Notifications"))
    entry = browser.find_element(By.CSS_SELECTOR, ".note.unread")
    assert f"Assigned to you: {fo_number} Hydraulic hose weeps" in entry.text
    browser.save_screenshot(str(ARTIFACTS / "notifications-1440x900.png"))
    entry.find_element(By.CSS_SELECTOR, ".note-read button").click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".note.unread"))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#bell .bell-count"))
    assert "read" in browser.find_element(By.CSS_SELECTOR, ".note .note-meta").text
    # The entry links to its work order.
    browser.find_element(By.CSS_SELECTOR, ".note-title").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Hydraulic hose weeps"))
