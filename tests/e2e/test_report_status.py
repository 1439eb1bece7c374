"""The reporter follows up, on a phone (390x844): report a problem logged
out, keep the private status link from the thank-you page, a technician writes an internal comment
and one marked "visible to the reporter", and the status page shows that one alone. The thank-you
page's QR code decodes (zbarimg, when installed) to the same link."""
from __future__ import annotations

import shutil
import subprocess

import factories
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in, waiter
from portal.models import WorkOrder
from portal.platform.extensions import db
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service

ZBARIMG = shutil.which("zbarimg")


def _fits(browser, width: int) -> None:
    page_width = browser.execute_script("return document.documentElement.scrollWidth")
    assert page_width <= width, f"page {page_width} px wide on a {width} px screen"


def test_reporter_follows_the_work_from_the_status_link(live_server, browser, users):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = waiter(browser)
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-808", description="Chiller pump")
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    browser.set_window_size(390, 844)  # the headless shell's window is the page (tests/e2e/conftest.py)
    try:
        # Logged out, from the label's code: report, then the thank-you page with the private link.
        browser.get(f"{live_server}/report/{pump.report_token}")
        browser.find_element(By.ID, "f-description").send_keys("Water under the chiller")
        browser.find_element(By.ID, "f-reporterName").send_keys("Kim, packing line")
        browser.find_element(By.ID, "f-reporterEmail").send_keys("kim@plant.example")
        _fits(browser, 390)
        browser.execute_script("document.getElementById('f-reporterEmail').scrollIntoView({block: 'center'})")
        browser.save_screenshot(str(ARTIFACTS / "report-status-form-390x844.png"))
        browser.find_element(By.XPATH, "//button[normalize-space()='Send report']").click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Thank you"))
        link = browser.find_element(By.ID, "status-link").get_attribute("value")
        assert link.startswith(f"{live_server}/report/status/")
        _fits(browser, 390)
        browser.find_element(By.CSS_SELECTOR, "[data-copy]").click()
        wait.until(lambda d: d.find_element(By.ID, "status-link-copied").text != "")  # copied, or selected
        browser.save_screenshot(str(ARTIFACTS / "report-status-done-390x844.png"))
        browser.set_window_size(768, 1024)
        browser.save_screenshot(str(ARTIFACTS / "report-status-done-768x1024.png"))
        browser.set_window_size(390, 844)
        if ZBARIMG:
            browser.find_element(By.CSS_SELECTOR, ".status-link-qr summary").click()
            browser.execute_script("document.querySelector('.status-link-qr svg').scrollIntoView({block: 'center'})")
            shot = ARTIFACTS / "report-status-qr-390x844.png"
            browser.save_screenshot(str(shot))
            out = subprocess.run([ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(shot)],
                                 capture_output=True, text=True, timeout=60)
            assert out.stdout.split() == [link]

        browser.get(link)
        wait.until(ec.text_to_be_present_in_element((By.CLASS_NAME, "report-status-words"), "Received"))
        assert "No notes yet" in browser.find_element(By.TAG_NAME, "main").text
        _fits(browser, 390)

        # A technician writes an internal comment and one for the reporter.
        db.session.rollback()  # a fresh snapshot: the server committed in its own thread
        wo = db.session.scalars(select(WorkOrder).where(WorkOrder.equipment_id == pump.id)).one()
        log_in(browser, live_server, users["north"]["technician"])
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "a[href='/logout'], form[action='/logout']")))
        browser.get(f"{live_server}/work-orders/{wo.id}")
        # Among the facts, folded under "Details" on a phone.
        assert "kim@plant.example" in browser.find_element(By.ID, "wo-facts").get_attribute("textContent")
        for text, public in (("Internal: call the chiller supplier", False),
                             ("A seal is leaking; we fit a new one tomorrow morning", True)):
            box = wait.until(ec.element_to_be_clickable((By.ID, "f-comment-body")))
            box.send_keys(text)
            if public:
                tick = browser.find_element(By.ID, "f-comment-public")
                browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", tick)
                tick.click()
                assert tick.is_selected()
            browser.find_element(By.XPATH, "//button[normalize-space()='Post comment']").click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), text))
        tags = browser.find_elements(By.CSS_SELECTOR, "#wo-comments .tag.reporter-visible")
        assert len(tags) == 1
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", tags[0])
        browser.save_screenshot(str(ARTIFACTS / "report-status-comment-390x844.png"))

        # Logged out again, the reporter's link shows the public note and nothing of the team's.
        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
        browser.get(link)
        wait.until(ec.text_to_be_present_in_element((By.CLASS_NAME, "report-notes"), "we fit a new one tomorrow"))
        main = browser.find_element(By.TAG_NAME, "main").text
        assert "Internal: call the chiller supplier" not in main and "north technician" not in main
        _fits(browser, 390)
        browser.save_screenshot(str(ARTIFACTS / "report-status-page-390x844.png"))
        browser.set_window_size(768, 1024)
        browser.save_screenshot(str(ARTIFACTS / "report-status-page-768x1024.png"))
        # A mistyped link: a page for people, which points to the label's "Report a problem" code.
        for width, height in ((390, 844), (768, 1024)):
            browser.set_window_size(width, height)
            browser.get(link[:-3])
            wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "This status link does not work"))
            _fits(browser, width)
            browser.save_screenshot(str(ARTIFACTS / f"report-status-missing-{width}x{height}.png"))
    finally:
        browser.set_window_size(768, 1024)
