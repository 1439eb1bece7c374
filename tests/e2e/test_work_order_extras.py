"""A technician comments on a work order and attaches a photo through the file input, in Chromium."""
from __future__ import annotations

import io

import factories
import pyotp
from conftest import PASSWORD
from photos import jpeg_with_gps
from PIL import Image

from e2e.conftest import ARTIFACTS
from portal.models import WorkOrderAttachment, WorkOrderComment
from portal.platform.extensions import db


def test_comment_and_photo_on_a_tablet(live_server, browser, users, app, tmp_path, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    me = users["north"]["technician"]
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, title="Replace pump seal", assignedTo=me.id, priority="high")
    from portal.schemas.attachments import CommentCreate
    from portal.services.work_orders import comments
    comments.add_comment(manager, wo.id, CommentCreate(body="Seal kit is on shelf A-12-B."))
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(jpeg_with_gps(size=(1200, 800), orientation=1))

    browser.set_window_size(768, 1024)
    browser.get(live_server + f"/work-orders/{wo.id}/comments")
    assert browser.current_url.endswith("/login?next=%2Fwork-orders%2F" + wo.id + "%2Fcomments") \
        or "/login" in browser.current_url
    browser.find_element(By.ID, "f-email").send_keys(me.email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "f-code").send_keys(pyotp.TOTP(me.totp_secret).now())
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    if not browser.current_url.endswith(f"/work-orders/{wo.id}/comments"):
        browser.get(live_server + f"/work-orders/{wo.id}/comments")
    wait.until(ec.presence_of_element_located((By.ID, "wo-comments")))
    assert "No photos yet." in browser.find_element(By.ID, "wo-photos").text
    browser.save_screenshot(str(ARTIFACTS / "wo-extras-empty-768x1024.png"))

    # A comment: typed, posted by htmx, the thread re-rendered in place, the success announced.
    browser.find_element(By.ID, "f-comment-body").send_keys("Waiting for the bearing, back at 14:00")
    browser.find_element(By.CSS_SELECTOR, ".comment-form button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Waiting for the bearing"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Comment added."))
    assert browser.find_element(By.ID, "f-comment-body").get_attribute("value") == ""

    # A photo through the file input (the tablet's camera on a real device).
    file_input = browser.find_element(By.ID, "f-photo-file")
    assert file_input.get_attribute("capture") == "environment" and file_input.get_attribute("accept") == "image/*"
    file_input.send_keys(str(photo))
    browser.find_element(By.CSS_SELECTOR, ".photo-form button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Photo attached."))
    thumb = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#wo-photos .photo img")))
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", thumb))
    # The browser shows the generated thumbnail (320 px wide), not the 1200 px original scaled down.
    assert browser.execute_script("return arguments[0].naturalWidth", thumb) == 320
    link = browser.find_element(By.CSS_SELECTOR, "#wo-photos .photo a")
    box = link.size
    assert box["height"] >= 44 and box["width"] >= 44
    browser.save_screenshot(str(ARTIFACTS / "wo-extras-768x1024.png"))
    browser.execute_script("document.getElementById('wo-photos').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "wo-photos-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.save_screenshot(str(ARTIFACTS / "wo-extras-1440x900.png"))

    # Tapping the thumbnail opens the full-size image.
    full_url = link.get_attribute("href")
    browser.get(full_url)
    assert browser.execute_script("return document.images[0].naturalWidth") == 1200

    db.session.rollback()  # end the test thread's read snapshot: the server thread wrote since
    assert db.session.query(WorkOrderComment).count() == 2
    row = db.session.query(WorkOrderAttachment).one()
    assert row.uploaded_by == me.id and row.width == 1200
    with open(f"{app.config['UPLOAD_DIR']}/{row.storage_key}", "rb") as fh:
        stored = Image.open(io.BytesIO(fh.read()))
    assert len(stored.getexif()) == 0
