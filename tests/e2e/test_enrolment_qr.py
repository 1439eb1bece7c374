"""Enrolment that works everywhere: an admin resets a technician's authenticator and gets a one-time
enrolment link; the technician opens it, logs in with their password, and the enrolment page's QR
code, screenshotted at phone, tablet and desk sizes, decodes (zbarimg, a real decoder) to exactly
their otpauth:// URI. Phones are emulated with DevTools' device metrics (mobile viewport, 3x pixels).
Skipped with a message when zbarimg is missing (apt-get install zbar-tools)."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import EnrolmentCode, User
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service
from portal.services.identity import enrolment

ZBARIMG = shutil.which("zbarimg")
pytestmark = pytest.mark.skipif(
    ZBARIMG is None, reason="zbarimg not installed (apt-get install zbar-tools): the QR codes cannot be decoded")
# (width, height, phone): phones get DevTools' device metrics (mobile: true), the others a window.
SIZES = ((360, 740, True), (390, 844, True), (768, 1024, False), (1024, 768, False), (1440, 900, False))


def _decode(png: Path) -> list[str]:
    """Every QR code zbarimg finds in the screenshot, as text."""
    out = subprocess.run([ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
                         capture_output=True, text=True, timeout=60)
    return [line for line in out.stdout.splitlines() if line]


def _console_problems(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] in ("SEVERE", "WARNING") or "Content Security Policy" in entry["message"]]


def _at_size(browser, width: int, height: int, phone: bool) -> None:
    if phone:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": height, "deviceScaleFactor": 3, "mobile": True})
    else:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.set_window_size(width, height)


def _shoot(browser, name: str, selector: str) -> Path:
    """The viewport with `selector` scrolled to its middle, as a user would scroll to it."""
    browser.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", selector)
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def _fits(browser, width: int, selector: str) -> None:
    """Nothing wider than the device, and the whole code inside the viewport's width."""
    page_width, left, right = browser.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [document.documentElement.scrollWidth, r.left, r.right]", selector)
    assert page_width <= width, f"page {page_width} px wide on a {width} px screen"
    assert left >= 0 and right <= width, (left, right)


def test_reset_link_then_enrolment_qr_scans_at_every_size(app, live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    admin, tech = users["north"]["admin"], users["north"]["technician"]
    browser.get_log("browser")  # what chromium logged before the portal's pages
    log_in(browser, live_server, admin)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(live_server + "/admin/users")
    row = browser.find_element(By.ID, f"user-{tech.id}")
    row.find_element(By.XPATH, ".//button[normalize-space()='Reset MFA']").click()
    wait.until(ec.alert_is_present()).accept()  # hx-confirm
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "reset"))
    code = browser.find_element(By.ID, "enrolment-code").text
    link = browser.find_element(By.ID, "enrolment-link").get_attribute("value")
    assert link == f"{live_server}/enrol/{code}"
    db.session.rollback()  # a fresh snapshot: the server committed in its own thread
    stored = db.session.scalars(select(EnrolmentCode).where(EnrolmentCode.user_id == tech.id)).one()
    # Only the hash of the code is kept (dashes are for reading; the hash is of the characters).
    assert stored.code_hash == hashlib.sha256(code.replace("-", "").encode()).hexdigest() and stored.used_at is None

    try:
        # The admin's page: its QR code is the link (a phone's camera opens it), at three sizes.
        # (Only the code is measured here: the logged-in layout's main menu is the phone navigation's concern.)
        for width, height, phone in ((390, 844, True), (768, 1024, False), (1440, 900, False)):
            _at_size(browser, width, height, phone)
            shot = _shoot(browser, f"admin-mfa-reset-{width}x{height}", ".qr svg")
            assert _decode(shot) == [link], f"admin page at {width}x{height}"
        _at_size(browser, 768, 1024, False)
        browser.find_element(By.CSS_SELECTOR, ".who button[type=submit]").click()  # log out
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Log in"))

        # The technician opens the link, then logs in with the password alone (no code yet).
        browser.get(link)
        wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Enrolment code accepted"))
        assert browser.current_url == live_server + "/login"  # the code left the address bar
        log_in(browser, live_server, email=tech.email, code="")
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Set up your authenticator"))
        db.session.rollback()
        uri = auth_service.provisioning_uri(db.session.get(User, tech.id))
        assert browser.find_element(By.LINK_TEXT, "Add to authenticator app").get_attribute("href") == uri

        for width, height, phone in SIZES:
            _at_size(browser, width, height, phone)
            _fits(browser, width, ".qr svg")
            shot = _shoot(browser, f"enrol-{width}x{height}", ".qr svg")
            assert _decode(shot) == [uri], f"enrolment page at {width}x{height}: {shot}"
            # The key to type by hand: the same secret, in groups of four.
            key = browser.find_element(By.CSS_SELECTOR, "code.secret").text
            assert key.replace(" ", "") == uri.split("secret=")[1].split("&")[0]
            assert all(len(part) == 4 for part in key.split(" "))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.set_window_size(768, 1024)

    # No CSP violation or script error on the admin's page, the login or the enrolment page.
    assert _console_problems(browser) == []

    # The code from the QR code's secret finishes the enrolment; the enrolment code is spent.
    browser.find_element(By.ID, "f-code").send_keys(pyotp.parse_uri(uri).now())
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    db.session.rollback()
    assert db.session.get(EnrolmentCode, stored.id).used_at is not None


def test_typed_enrolment_code_on_a_phone(live_server, browser, users, wait):
    """Without the link: the password, then the code typed (one typo first), then the QR code."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    tech = users["north"]["technician"]
    issued = auth_service.reset_mfa(users.actor("north", "admin"), tech.id)
    try:
        _at_size(browser, 390, 844, True)
        log_in(browser, live_server, email=tech.email, code="")
        wait.until(ec.presence_of_element_located((By.ID, "f-enrolmentCode")))
        typo = issued.code[:-1] + ("Y" if issued.code.endswith("X") else "X")  # never the code itself
        browser.find_element(By.ID, "f-enrolmentCode").send_keys(typo)
        browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        error = wait.until(ec.presence_of_element_located((By.ID, "e-enrolmentCode")))
        assert error.text == enrolment.INVALID
        for width, height, phone in ((390, 844, True), (768, 1024, False), (1440, 900, False)):
            _at_size(browser, width, height, phone)
            _fits(browser, width, "#f-enrolmentCode")
            _shoot(browser, f"enrol-code-{width}x{height}", "main")
        _at_size(browser, 390, 844, True)
        field = browser.find_element(By.ID, "f-enrolmentCode")
        field.clear()
        field.send_keys(issued.code.lower().replace("-", " "))
        browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".qr svg")))
        _fits(browser, 390, ".qr svg")
        db.session.rollback()
        uri = auth_service.provisioning_uri(db.session.get(User, tech.id))
        assert _decode(_shoot(browser, "enrol-after-code-390x844", ".qr svg")) == [uri]
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.set_window_size(768, 1024)
