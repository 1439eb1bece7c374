"""An admin creates a user who enrols at first login, then registers a webhook to a receiver on
127.0.0.1, sends a test and sees it delivered in the log; real headless Chromium at 768x1024."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from conftest import PASSWORD
from receiver import Receiver
from sqlalchemy import select

from e2e.conftest import log_in, screenshots
from portal.models import User, WebhookEndpoint
from portal.models.types import utcnow
from portal.platform.extensions import db


def _logout(browser) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, ".who button[type=submit]").click()




def test_admin_creates_user_who_enrols_then_registers_and_tests_a_webhook(app, live_server, browser, users, wait, absent):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    admin = users["north"]["admin"]
    totp = pyotp.TOTP(admin.totp_secret)
    browser.set_window_size(768, 1024)

    # The admin logs in and opens the console from the nav.
    log_in(browser, live_server, email=admin.email, code=totp.now())
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.find_element(By.LINK_TEXT, "Admin").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Users"))

    # Create a user.
    browser.find_element(By.ID, "f-name").send_keys("Nadia Fitter")
    browser.find_element(By.ID, "f-email").send_keys("nadia@north.example.com")
    Select(browser.find_element(By.ID, "f-role")).select_by_value("technician")
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space()='Add user']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "nadia@north.example.com created"))
    row = browser.find_element(By.XPATH, "//tr[.//span[text()='nadia@north.example.com']]")
    assert "At next login" in row.text and "never" in row.text
    screenshots(browser, "admin-users")

    # The new user's first login: scan = read the key from the page, compute the code.
    _logout(browser)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Log in"))
    log_in(browser, live_server, email="nadia@north.example.com", code="")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Set up your authenticator"))
    secret = browser.find_element(By.CSS_SELECTOR, "code.secret").text.replace(" ", "")
    browser.find_element(By.ID, "f-code").send_keys(pyotp.TOTP(secret).now())
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    assert absent(By.LINK_TEXT, "Admin")  # a technician sees no admin section
    _logout(browser)

    # Back as the admin (the next time step's code: a code is accepted once).
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Log in"))
    log_in(browser, live_server, email=admin.email, code=totp.at(utcnow() + timedelta(seconds=30)))
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(live_server + "/admin/users")
    row = browser.find_element(By.XPATH, "//tr[.//span[text()='nadia@north.example.com']]")
    assert "Enrolled" in row.text and "never" not in row.text

    with Receiver() as receiver:
        browser.find_element(By.LINK_TEXT, "Webhooks").click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Webhooks"))
        assert "No webhook yet" in browser.find_element(By.TAG_NAME, "main").text
        screenshots(browser, "admin-webhooks-empty")
        browser.find_element(By.ID, "f-url").send_keys(receiver.url)
        # Sensible events come ticked (admin_console.DEFAULT_EVENTS); untick one, tick another.
        ticked = [box.get_attribute("value") for box in browser.find_elements(By.CSS_SELECTOR, "input[name=events]")
                  if box.is_selected()]
        assert ticked == ["work_order.created", "work_order.completed", "equipment.status_changed",
                          "inventory.low_stock", "pm.overdue"]
        browser.find_element(By.CSS_SELECTOR, "input[name=events][value='pm.overdue']").click()
        browser.find_element(By.CSS_SELECTOR, "input[name=events][value='parts.requested']").click()
        browser.find_element(By.XPATH, "//button[normalize-space()='Register']").click()
        wait.until(ec.presence_of_element_located((By.ID, "new-secret")))
        shown = browser.find_element(By.ID, "new-secret").get_attribute("value")
        db.session.rollback()
        hook = db.session.scalars(select(WebhookEndpoint)).one()
        assert shown == hook.secret and browser.current_url.endswith(f"/admin/webhooks/{hook.id}")
        assert hook.events == ["work_order.created", "work_order.completed", "equipment.status_changed",
                               "inventory.low_stock", "parts.requested"]
        screenshots(browser, "admin-webhook-secret")

        browser.find_element(By.XPATH, "//button[normalize-space()='Send a test']").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Test delivered: HTTP 200"))
        assert absent(By.ID, "new-secret")  # shown once
        log = browser.find_element(By.ID, "results").text
        assert "webhook.test" in log and "Delivered" in log
        assert len(receiver.requests) == 1
        assert receiver.requests[0].headers["X-MaintainPro-Event"] == "webhook.test"
        screenshots(browser, "admin-webhook-log")

        # A failing receiver: the log says its answer once, and the failed test ping can be sent again.
        receiver.default_status = 500
        browser.find_element(By.XPATH, "//button[normalize-space()='Send a test']").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Test failed: HTTP 500"))
        failed = browser.find_element(By.CSS_SELECTOR, "tr.delivery.state-failed")
        assert re.fullmatch(r"Attempt 1 · \d\d:\d\d:\d\d · HTTP 500 · [\d,]+ ms", failed.find_element(By.CSS_SELECTOR, "td.answer").text)
        failed.find_element(By.XPATH, ".//button[normalize-space()='Redeliver']").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Sent again as a new ping"))
        assert len(browser.find_elements(By.CSS_SELECTOR, "tr.delivery")) == 3
        screenshots(browser, "admin-webhook-log-failed", scroll_to="#log-h")

    browser.find_element(By.LINK_TEXT, "Performance").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Performance"))
    assert "Requests" in browser.find_element(By.ID, "perf").text
    screenshots(browser, "admin-performance")
    db.session.rollback()
    assert db.session.scalars(select(User).where(User.email == "nadia@north.example.com")).one().totp_confirmed_at
