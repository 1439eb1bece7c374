"""Scan in the app, end to end, with a camera: chromium's fake camera plays a video of our own label.

A chromium of its own, started with the fake-camera flags (the camera allowed without a prompt, the
picture read from a file). In it a technician opens the asset's label page; the label, as the portal
draws and prints it, is screenshotted; zbarimg (a real decoder) reads both its codes from that PNG;
the PNG becomes a Y4M video (YUV 4:2:0, written here in Python with Pillow); then /scan, with that
video as the camera, must end on the asset's page. Before it, a supplier's QR code on the camera must
be said to be "not one of this plant's asset labels" while the page stays. Chromium opens the video
file each time a page starts the camera, so the file can be written (and rewritten) after the
browser started.

A second test, in the suite's own chromium (no camera at all): the page says so and the typed tag
opens the asset.

Which decoder runs is the browser's: Chromium's BarcodeDetector where it has one for QR codes (not
in Linux builds so far), else the vendored jsQR; the test names the one that ran.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import factories
import pytest
from PIL import Image

from e2e.conftest import ARTIFACTS, CHROMEDRIVER, CHROMIUM, PortalChrome, log_in, waiter
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service

ZBARIMG = shutil.which("zbarimg")
VIDEO_SIZE = (800, 600)


def write_y4m(picture: Image.Image, path: Path, *, at: tuple[int, int], frames: int = 2, fps: int = 10) -> None:
    """`picture` at `at` on a grey background, as a Y4M video: 4:2:0 chroma, full-range (JPEG) YCbCr."""
    width, height = VIDEO_SIZE
    frame = Image.new("RGB", VIDEO_SIZE, (150, 150, 150))
    frame.paste(picture, at)
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() + cr.resize(half, Image.Resampling.BOX).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


@pytest.fixture
def camera_browser(tmp_path):
    """A chromium whose camera is the video at `camera_browser.video` (written by the test)."""
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("chromium and chromedriver not installed (apt-get install chromium chromium-headless-shell chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    video = tmp_path / "label.y4m"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--window-size=390,844",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = PortalChrome(service=Service(CHROMEDRIVER), options=options)
    driver.video = video
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def _decode(png: Path) -> list[str]:
    out = subprocess.run([ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
                         capture_output=True, text=True, timeout=60)
    return sorted(line for line in out.stdout.splitlines() if line)


def test_the_camera_reads_our_printed_label_and_opens_the_asset(app, live_server, camera_browser, users):
    from selenium.webdriver.common.by import By

    browser, wait = camera_browser, waiter(camera_browser)
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    factories.equipment(manager, assetTag="FAN-7", description="Roof fan")  # another asset, not to be opened
    pump = factories.equipment(manager, assetTag="PMP-3", description="Boiler feed pump")
    job = factories.work_order(manager, title="Seal leaking", equipmentId=pump.id)

    log_in(browser, live_server, tech)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "h1") and "My work" in b.find_element(By.TAG_NAME, "h1").text)
    # A phone's screen (3 device pixels a CSS pixel): the screenshot shows the label about as sharp
    # as a print, where one screen pixel a module would blur the small code.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    browser.get(f"{live_server}/assets/{pump.id}/label")
    label = browser.find_element(By.CSS_SELECTOR, "article.label")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    # Where the asset's code is on the label (CSS pixels; the screenshot has 3 device pixels each).
    code_box = browser.execute_script(
        "const l = arguments[0].getBoundingClientRect(), q = arguments[0].querySelector('.label-asset-qr svg')"
        ".getBoundingClientRect(); return {x: q.left - l.left, y: q.top - l.top, width: q.width, height: q.height}", label)
    png = ARTIFACTS / "scan-label.png"
    png.write_bytes(label.screenshot_as_png)

    # Printed (print media): every word at least 12 pt (16 CSS px), the tag larger, nothing cut
    # by the card's edge. Then back to the screen for the screenshot.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    sizes, outside = browser.execute_script(
        "const l = arguments[0], box = l.getBoundingClientRect();"
        "const sizes = {}; for (const s of ['.label-tag', '.label-name', '.label-asset-qr figcaption', '.label-report figcaption'])"
        " sizes[s] = parseFloat(getComputedStyle(l.querySelector(s)).fontSize);"
        "const outside = [...l.querySelectorAll('svg, figcaption, .label-report')].filter(e => {"
        " const r = e.getBoundingClientRect(); return r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom; })"
        " .map(e => e.className.baseVal ?? e.className);"
        "return [sizes, outside]", label)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert min(sizes.values()) >= 16 and sizes[".label-tag"] >= 24, sizes
    assert outside == []

    # The printed label itself: both codes decode, each to what it should open.
    if ZBARIMG:
        assert _decode(png) == sorted([f"{live_server}/assets/{pump.id}?label={pump.report_token}",
                                       f"{live_server}/report/{pump.report_token}"])

    # Held up to the phone as the scan page asks: the big code in the middle of the picture, about
    # half its height, the rest of the label (the report code too) around it.
    picture = Image.open(png).convert("RGB")
    scale = VIDEO_SIZE[1] * 0.5 / (code_box["height"] * 3)
    picture = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.Resampling.LANCZOS)
    centre = ((code_box["x"] + code_box["width"] / 2) * 3 * scale, (code_box["y"] + code_box["height"] / 2) * 3 * scale)
    label_at = (round(VIDEO_SIZE[0] / 2 - centre[0]), round(VIDEO_SIZE[1] / 2 - centre[1]))

    engine = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!('BarcodeDetector' in window)) { done('jsqr'); return; }"
        "BarcodeDetector.getSupportedFormats().then(f => done(f.includes('qr_code') ? 'barcode-detector' : 'jsqr'),"
        " () => done('jsqr'));")
    print(f"decoder in this chromium: {engine}")  # shown with pytest -s; the report says which ran

    # First a code that is not ours (a supplier's link): said in words, and the camera keeps looking.
    import segno
    foreign = ARTIFACTS / "scan-foreign.png"
    segno.make("https://supplier.example.com/p/4006381333931", error="m").save(str(foreign), scale=8, border=4)
    write_y4m(Image.open(foreign).convert("RGB"), browser.video, at=(250, 150))
    browser.get(f"{live_server}/scan")
    wait.until(lambda b: "not one of this plant's asset labels" in b.find_element(By.ID, "scan-status").text)
    assert "supplier.example.com" in browser.find_element(By.ID, "scan-status").text
    assert browser.current_url.endswith("/scan")

    # Then the label: a new visit opens the camera (and so the video file) again.
    write_y4m(picture, browser.video, at=label_at)
    browser.get(f"{live_server}/scan")
    wait.until(lambda b: b.current_url.endswith(f"/assets/{pump.id}"))
    wait.until(lambda b: b.find_elements(By.ID, "open-orders"))
    assert "PMP-3" in browser.find_element(By.TAG_NAME, "h1").text
    assert job.fo_number in browser.find_element(By.ID, "open-orders").text
    problems = [e["message"] for e in browser.get_log("browser")
                if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]]
    assert problems == []


def test_without_a_camera_the_page_says_so_and_the_typed_tag_opens_the_asset(live_server, browser, users, wait):
    """The suite's own chromium has no camera (no fake device): getUserMedia fails, the page says so
    in words, and the tag typed in the form (lower case, as a phone's keyboard gives it) opens the asset."""
    from selenium.webdriver.common.by import By

    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    pump = factories.equipment(manager, assetTag="PMP-3", description="Boiler feed pump")
    log_in(browser, live_server, tech)
    wait.until(lambda b: b.find_elements(By.LINK_TEXT, "Scan a label"))
    browser.find_element(By.LINK_TEXT, "Scan a label").click()
    status = lambda b: b.find_element(By.ID, "scan-status").text  # noqa: E731
    wait.until(lambda b: "Type the asset tag below" in status(b))
    assert "camera" in status(browser).lower()
    assert browser.find_element(By.CSS_SELECTOR, ".scan-view").get_attribute("hidden") is not None
    assert browser.switch_to.active_element.get_attribute("id") == "f-code"  # ready to type
    browser.find_element(By.ID, "f-code").send_keys("pmp-9")
    browser.find_element(By.CSS_SELECTOR, "#scan-type button[type=submit]").click()
    wait.until(lambda b: "No asset has the tag “pmp-9”" in b.find_element(By.ID, "scan-type").text)
    field = browser.find_element(By.ID, "f-code")
    field.clear()
    field.send_keys("pmp-3")
    browser.find_element(By.CSS_SELECTOR, "#scan-type button[type=submit]").click()
    wait.until(lambda b: b.current_url.endswith(f"/assets/{pump.id}"))
    assert "PMP-3" in browser.find_element(By.TAG_NAME, "h1").text
