"""A technician logs in with a TOTP code in a real browser and lands on My work."""
from __future__ import annotations

from datetime import timedelta

import factories
import pyotp
from conftest import PASSWORD

from e2e.conftest import ARTIFACTS, waiter
from portal.models.types import utcnow


def test_login_with_totp_lands_on_my_work(live_server, browser, users):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    me = users["north"]["technician"]
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, location="Building A")
    factories.work_order(manager, title="Replace pump seal", assignedTo=me.id, priority="critical",
                         equipmentId=pump.id, dueDate=utcnow() - timedelta(days=2))
    factories.work_order(manager, title="Check belt tension", assignedTo=me.id, priority="medium",
                         dueDate=utcnow() + timedelta(days=1))

    browser.set_window_size(768, 1024)
    browser.get(live_server + "/")
    assert browser.current_url.endswith("/login")
    browser.save_screenshot(str(ARTIFACTS / "login-768x1024.png"))
    browser.find_element(By.ID, "f-email").send_keys(me.email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "f-code").send_keys(pyotp.TOTP(me.totp_secret).now())
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    waiter(browser).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    assert browser.current_url == live_server + "/"
    text = browser.find_element(By.ID, "assigned").text
    assert text.index("Replace pump seal") < text.index("Check belt tension")
    assert "2 days overdue" in text
    assert browser.execute_script("return typeof window.htmx") == "object"  # vendored htmx loaded
    browser.save_screenshot(str(ARTIFACTS / "my-work-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.save_screenshot(str(ARTIFACTS / "my-work-1440x900.png"))
