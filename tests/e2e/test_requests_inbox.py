"""The requests inbox in Chromium at 1440x900: a problem reported logged out with a photo (and a
second one) appear in the manager's inbox with the nav's count; one is approved into a work order that has the
photo, the other declined, and the reporter's status link shows the reason."""
from __future__ import annotations

import factories
from photos import smooth

from e2e.conftest import ARTIFACTS, log_in, waiter
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from portal.services.work_orders import problem_reports


def _report(browser, wait, base: str, token: str, text: str, photo: str | None = None) -> str:
    """Report a problem from the label's page, logged out; the private status link."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(f"{base}/report/{token}")
    browser.find_element(By.ID, "f-description").send_keys(text)
    browser.find_element(By.ID, "f-reporterName").send_keys("Kim, packing line")
    if photo:
        browser.find_element(By.CSS_SELECTOR, "input[name=photo]").send_keys(photo)
    browser.find_element(By.XPATH, "//button[normalize-space()='Send report']").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Thank you"))
    assert "reviews it first" in browser.find_element(By.TAG_NAME, "main").text
    return browser.find_element(By.ID, "status-link").get_attribute("value")


def test_report_approve_and_decline_through_the_inbox(live_server, browser, users, tmp_path, upload_dir):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    wait = waiter(browser)
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-900", location="Hall 4")
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(
        problemReportsEnabled=True, requestRouting="inbox"))
    photo = tmp_path / "leak.jpg"
    photo.write_bytes(smooth((640, 480), "JPEG"))
    browser.set_window_size(1440, 900)
    try:
        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
        _report(browser, wait, live_server, pump.report_token, "Water under the pump", str(photo))
        # The second one as the form's service makes it (the form was just driven): its private link.
        second_report = problem_reports.submit_report(pump.report_token, ProblemReportCreate(
            description="Pump too loud", reporterName="Kim, packing line"))
        declined_link = f"{live_server}/report/status/{second_report.status_token}"
        browser.get(declined_link)
        wait.until(ec.text_to_be_present_in_element((By.CLASS_NAME, "report-status-words"), "waiting for review"))

        log_in(browser, live_server, users["north"]["manager"])
        nav = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#nav-requests a")))
        assert nav.text.split() == ["Requests", "2", "waiting"]
        nav.click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Requests"))
        cards = browser.find_elements(By.CSS_SELECTOR, "article.rq")
        assert [c.find_element(By.TAG_NAME, "h2").text for c in cards] == [
            "PMP-900: Water under the pump", "PMP-900: Pump too loud"]
        first, second = cards
        assert "reported by Kim, packing line" in first.text and "PMP-900" in first.text
        img = first.find_element(By.CSS_SELECTOR, ".rq-photo img")
        wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 0)
        browser.save_screenshot(str(ARTIFACTS / "requests-inbox-1440x900.png"))

        # Approve the first, assigned to the technician, high priority: the card says so in place.
        first_id = first.get_attribute("id")
        Select(first.find_element(By.CSS_SELECTOR, "select[name=priority]")).select_by_value("high")
        # The entry's select carries "Nobody yet"; opening it brings the page's people (once per page).
        assign = first.find_element(By.CSS_SELECTOR, "select[name=assignedTo]")
        assert len(assign.find_elements(By.TAG_NAME, "option")) == 1
        assign.click()
        wait.until(lambda d: len(first.find_elements(By.CSS_SELECTOR, "select[name=assignedTo] option")) > 2)
        Select(first.find_element(By.CSS_SELECTOR, "select[name=assignedTo]")).select_by_visible_text("north technician")
        first.find_element(By.XPATH, ".//button[normalize-space()='Approve']").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, first_id), "Approved"))
        wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "a work order was made"))
        assert browser.find_element(By.CSS_SELECTOR, "#nav-requests a").text.split() == ["Requests", "1", "waiting"]

        # Decline the second: a reason is needed, then the reporter's link shows it.
        second_id = second.get_attribute("id")
        second.find_element(By.CSS_SELECTOR, ".rq-decline summary").click()
        browser.find_element(By.CSS_SELECTOR, f"#{second_id} .rq-decline button").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#{second_id} .rq-decline[open] .error")))
        box = browser.find_element(By.CSS_SELECTOR, f"#{second_id} textarea[name=reason]")
        box.send_keys("The pump is replaced at the shutdown next week")
        browser.find_element(By.CSS_SELECTOR, f"#{second_id} .rq-decline button").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, second_id), "Declined"))
        assert "nav-count" not in browser.find_element(By.ID, "nav-requests").get_attribute("innerHTML")
        browser.save_screenshot(str(ARTIFACTS / "requests-inbox-decided-1440x900.png"))

        # The approved request's work order, with the reporter and the photo.
        browser.find_element(By.CSS_SELECTOR, f"#{first_id} .rq-outcome a").click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Water under the pump"))
        assert len(browser.find_elements(By.CSS_SELECTOR, "#wo-photos .photo img")) == 1
        assert "Kim, packing line" in browser.find_element(By.ID, "wo-facts").get_attribute("textContent")
        browser.save_screenshot(str(ARTIFACTS / "requests-approved-work-order-1440x900.png"))

        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
        browser.get(declined_link)
        wait.until(ec.text_to_be_present_in_element(
            (By.CLASS_NAME, "report-status-words"), "Declined: The pump is replaced at the shutdown next week"))
        browser.save_screenshot(str(ARTIFACTS / "requests-declined-status-1440x900.png"))
    finally:
        browser.set_window_size(768, 1024)
