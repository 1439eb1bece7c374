"""A manager imports assets from a CSV with one bad row, in real Chromium, with a real `worker.py`:
upload, preview, start, the progress bar moving, the report with the refused row."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import TEST_CONFIG
from sqlalchemy import func, select

from e2e.conftest import log_in, screenshots, waiter
from portal.models import Equipment, ImportJob
from portal.platform.extensions import db
from portal.platform.redis import get_redis

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1500
BAD_LINE = 3






def _csv(tmp_path: Path) -> Path:
    lines = ["Asset Tag,Model,Manufacturer,Criticality,Location,Area,Colour"]
    for i in range(1, ROWS + 1):
        criticality = "extreme" if i + 1 == BAD_LINE else ("high", "medium", "low")[i % 3]
        lines.append(f"PMP-{i:04d},CR {i % 90 + 10},Grundfos,{criticality},Building {'ABC'[i % 3]},Hall {i % 7},blue")
    path = tmp_path / "plant-assets.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_manager_imports_assets_and_watches_the_progress(app, live_server, browser, users, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = waiter(browser, 20)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.find_element(By.LINK_TEXT, "Import").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Import from CSV"))
    screenshots(browser, "imports-upload")

    browser.find_element(By.ID, "f-file").send_keys(str(_csv(tmp_path)))
    browser.find_element(By.CSS_SELECTOR, ".imp-upload button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "plant-assets.csv"))
    mapping = {row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
               for row in browser.find_elements(By.CSS_SELECTOR, ".imp-mapping tbody tr")}
    assert mapping["Asset Tag"] == "assetTag" and mapping["Colour"] == "ignored: unknown column"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".imp-rows tbody tr")) == 10
    screenshots(browser, "imports-preview")

    browser.find_element(By.XPATH, "//button[normalize-space()='Start import']").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#imp-status progress")))
    assert "Waiting for a worker" in browser.find_element(By.ID, "imp-status").text

    db.session.rollback()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               IMPORT_BATCH_ROWS="25",
               REDIS_URL=TEST_CONFIG.get("REDIS_URL") or "unix://" + get_redis().connection_pool.connection_kwargs["path"])
    worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py"), "--no-cron", "--queues", "imports"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        # The element replaces itself every second: the bar moves while the worker commits batches.
        def moving(driver) -> str | None:
            bars = driver.find_elements(By.CSS_SELECTOR, "#imp-status progress")
            if bars and 0 < int(bars[0].get_attribute("value")) < 100:
                return driver.find_element(By.ID, "imp-status").text
            return None

        # Elements are replaced under our feet every second: a stale one is simply looked up again.
        text = waiter(browser, 30).until(moving)
        assert "Importing" in text and f"of {ROWS} rows" in text
        screenshots(browser, "imports-progress")
        # Done: the final fragment has no trigger, so the polling stops on the report.
        waiter(browser, 120).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#imp-status.imp-report")))
    finally:
        # The import is over (or the test failed): no warm shutdown to wait for. The whole group, so
        # that no child of the worker (RQ's scheduler) keeps its stderr open.
        os.killpg(worker.pid, signal.SIGKILL)
        _, stderr = worker.communicate(timeout=30)
    report = browser.find_element(By.ID, "imp-status")
    assert report.get_attribute("hx-trigger") is None
    counts = [li.text.replace("\n", " ").lower() for li in report.find_elements(By.CSS_SELECTOR, ".imp-counts li")]
    assert counts[:4] == [f"{ROWS - 1} created", "0 updated", "0 unchanged", "1 refused"], stderr.decode()[-2000:]
    [row] = report.find_elements(By.CSS_SELECTOR, ".imp-refused tbody tr")
    line, reason = (td.text for td in row.find_elements(By.TAG_NAME, "td"))
    assert line == str(BAD_LINE) and reason.startswith("criticality: Input should be")
    assert report.find_element(By.PARTIAL_LINK_TEXT, "Download refused rows")
    screenshots(browser, "imports-report")
    browser.find_element(By.LINK_TEXT, "Import another file").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Import from CSV"))
    assert "plant-assets.csv" in browser.find_element(By.CSS_SELECTOR, ".imp-table tbody tr").text
    screenshots(browser, "imports-list", scroll_to="#imp-past")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Equipment)) == ROWS - 1
    assert db.session.scalar(select(ImportJob.status)) == "done"
