"""Sign-off on a phone (390x844): completion refused until signed, a signature drawn on the canvas with
pointer moves (a mouse stroke and a finger stroke, the page not scrolling), signed, shown, completed,
and printed with its signature. Without JavaScript the fragment says why there is no pad."""
from __future__ import annotations

import base64
import os
from pathlib import Path

import factories
import pytest

from e2e.conftest import ARTIFACTS, log_in
from portal.models import WorkOrder, WorkOrderAttachment
from portal.platform.extensions import db
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.work_orders import lifecycle as wo_service

# Where the screenshots of this screen are looked at besides test-artifacts/ (SHOTS_DIR to change it).
SHOTS = Path(os.environ.get("SIGNOFF_SHOTS_DIR", str(ARTIFACTS)))


def viewport(browser, width: int, height: int) -> None:
    """The page's viewport exactly width × height (a window of that size loses its own bars' height)."""
    browser.set_window_size(width, height)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def shot(browser, name: str, at: str | None = None) -> None:
    """signoff-<name>-<width>x<height>.png, scrolled to `at` (a CSS selector) when given."""
    from selenium.webdriver.common.by import By

    if at:
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                               browser.find_element(By.CSS_SELECTOR, at))
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = browser.execute_script("return window.innerWidth + 'x' + window.innerHeight")
    browser.save_screenshot(str(SHOTS / f"signoff-{name}-{size}.png"))


@pytest.fixture
def wo(users, app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    manager = users.actor("north", "manager")
    eq = factories.equipment(manager, assetTag="CNV-12", location="Line 2")
    return wo_service.create_work_order(manager, WorkOrderCreate.model_validate(
        {"title": "Replace conveyor belt", "assignedTo": users["north"]["technician"].id,
         "equipmentId": eq.id, "requiresSignature": True}))


def test_sign_off_on_a_phone_then_complete_and_print(live_server, browser, users, wait, wo):
    try:
        sign_off(live_server, browser, users, wait, wo)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def sign_off(live_server, browser, users, wait, wo) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    viewport(browser, 390, 844)
    log_in(browser, live_server, users["north"]["technician"])
    wait.until(lambda d: "/login" not in d.current_url)
    page = f"{live_server}/work-orders/{wo.id}"

    # Without JavaScript: no form that cannot work, words instead.
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(page)
        browser.find_element(By.CSS_SELECTOR, "#sign > summary").click()  # <details> opens without script
        nojs = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#signoff .signoff-nojs")))
        assert nojs.is_displayed() and "needs a screen that can draw" in nojs.text
        assert not browser.find_element(By.CSS_SELECTOR, "#signoff .signoff-form").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

    viewport(browser, 768, 1024)
    browser.get(page)
    browser.find_element(By.CSS_SELECTOR, "#sign > summary").click()
    wait.until(ec.visibility_of_element_located((By.ID, "signoff-pad")))
    shot(browser, "pad", at="#signoff")
    viewport(browser, 390, 844)
    browser.get(page)
    # Folded until chosen, like the page's other forms.
    assert not browser.find_element(By.ID, "signoff-pad").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#sign > summary").click()
    pad = wait.until(ec.visibility_of_element_located((By.ID, "signoff-pad")))
    shot(browser, "pad", at="#signoff")
    assert not browser.find_element(By.CSS_SELECTOR, "#signoff .signoff-nojs").is_displayed()
    assert browser.find_element(By.ID, "f-signerName").get_attribute("value") == "north technician"
    assert browser.execute_script("return getComputedStyle(arguments[0]).touchAction", pad) == "none"
    assert pad.size["width"] >= 300 and pad.size["height"] >= 180  # room for a finger on a 390 px phone
    # The sign-off adds nothing wider than the phone (the page's own width is the page shell's matter).
    wide = browser.execute_script(
        "return [...document.querySelectorAll('#signoff, #signoff *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth).map(e => e.outerHTML.slice(0, 80))")
    assert wide == []

    # Completing first: refused in words, with a link to the pad.
    complete = (By.XPATH, "//button[normalize-space()='Complete work order']")
    open_completion(browser)
    browser.find_element(*complete).click()
    error = wait.until(ec.visibility_of_element_located((By.ID, "e-signature")))
    assert "signs before it is completed" in error.text
    shot(browser, "refused", at=".signoff-error")
    browser.find_element(By.LINK_TEXT, "Go to the signature box").click()
    pad = wait.until(ec.visibility_of_element_located((By.ID, "signoff-pad")))

    # A stroke with the mouse, then one with a finger; the page does not scroll while drawing.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    scroll_before = browser.execute_script("return window.scrollY")
    (ActionChains(browser).move_to_element_with_offset(pad, -120, 20).click_and_hold()
     .move_by_offset(40, -50).move_by_offset(40, 60).move_by_offset(40, -40).move_by_offset(50, 30)
     .release().perform())
    finger = PointerInput(interaction.POINTER_TOUCH, "finger")
    touch = ActionBuilder(browser, mouse=finger)
    touch.pointer_action.move_to(pad, 20, 40).pointer_down()
    for dx, dy in ((30, -70), (30, 60), (40, -30)):
        touch.pointer_action.move_by(dx, dy)
    touch.pointer_action.pointer_up()
    touch.perform()
    assert browser.execute_script("return window.scrollY") == scroll_before
    value = browser.find_element(By.CSS_SELECTOR, "#signoff input[name=signature]").get_attribute("value")
    assert value.startswith("data:image/png;base64,")
    shot(browser, "drawn")

    name = browser.find_element(By.ID, "f-signerName")
    name.clear()
    name.send_keys("Dana Ortiz")
    browser.find_element(By.XPATH, "//section[@id='signoff']//button[normalize-space()='Sign']").click()
    caption = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#signoff .signature figcaption")))
    assert caption.text.startswith("Signed by Dana Ortiz ·") and caption.text.endswith("captured by north technician")
    img = browser.find_element(By.CSS_SELECTOR, "#signoff .signature img")
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img))
    shot(browser, "signed", at="#signoff")
    viewport(browser, 768, 1024)
    shot(browser, "signed", at="#signoff")
    viewport(browser, 390, 844)

    open_completion(browser)
    browser.find_element(*complete).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Completed"))
    assert browser.find_elements(By.ID, "signoff-pad") == []
    assert "Signed by Dana Ortiz" in browser.find_element(By.ID, "signoff").text
    shot(browser, "completed")

    # The printout: the signature prints, the pad and the buttons do not.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        img = browser.find_element(By.CSS_SELECTOR, "#signoff .signature img")
        assert img.is_displayed() and img.size["height"] > 20
        assert all(not b.is_displayed() for b in browser.find_elements(By.CSS_SELECTOR, "#wo button"))
        shot(browser, "print", at="#signoff")
        viewport(browser, 768, 1024)
        shot(browser, "print", at="#signoff")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    shot(browser, "completed", at="#signoff")
    # The real printout (A4, what "Print" gives), kept beside the screenshots to be looked at.
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"]
    (SHOTS / "signoff-printout.pdf").write_bytes(base64.b64decode(pdf))

    db.session.rollback()  # end this thread's snapshot: the server thread wrote since
    assert db.session.get(WorkOrder, wo.id).status == "completed"
    row = db.session.query(WorkOrderAttachment).filter_by(kind="signature").one()
    assert row.signer_name == "Dana Ortiz" and row.uploaded_by == users["north"]["technician"].id


def open_completion(browser) -> None:
    """The completion form is folded under "Complete…" until chosen (the work page)."""
    from selenium.webdriver.common.by import By

    fold = browser.find_element(By.ID, "complete")
    if fold.get_attribute("open") is None:
        fold.find_element(By.TAG_NAME, "summary").click()
