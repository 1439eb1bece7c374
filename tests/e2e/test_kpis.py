"""A manager opens the KPI dashboard in headless Chromium, switches the period, prints it on one A4 page.

Screenshots (1440x900, 768x1024) and the print view (PDF, and PNG when poppler's pdftoppm is there)
are saved under test-artifacts/.
"""
from __future__ import annotations

import base64
import re
import shutil
import subprocess
from datetime import timedelta

import pyotp
from conftest import PASSWORD
from test_kpis import at, kpi_fixture, move, new_equipment, new_order

from e2e.conftest import ARTIFACTS
from portal.models import Equipment, WorkOrder
from portal.models.types import utcnow
from portal.schemas.pm import PMTemplateCreate
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates


def plant_history(users, now) -> None:
    """kpi_fixture's month, plus 90 days of work orders and weekly PM on two more pumps; PUMP-A's two repairs
    coded "fails to start" (the bad actors' why)."""
    from portal.services.work_orders import failure_codes

    ids = kpi_fixture(users, now)
    m = users.actor("north", "manager")
    with pm_scheduler.unit_of_work():
        failure_codes.seed_defaults(m.warehouse_id)
        for wo in pm_scheduler.db.session.query(WorkOrder).filter(
                WorkOrder.equipment_id == ids["A"], WorkOrder.type.in_(("corrective", "emergency")),
                WorkOrder.status == "completed"):
            wo.failure_mode, wo.failure_cause, wo.failure_remedy = "FTS", "ELF", "REPL"
    d, e = new_equipment(m, "PUMP-D"), new_equipment(m, "PUMP-E")
    for n in range(2, 88, 3):
        wo = new_order(m, at(now, -n), "corrective" if n % 2 else "inspection", d if n % 4 else e)
        if n > 6:
            move(m, wo, at(now, -n + 2), "in_progress", "completed")
    down = new_order(m, at(now, -60), "emergency", e, down=True)
    move(m, down, at(now, -57), "in_progress", "completed")
    template = pm_templates.create_template(m, PMTemplateCreate.model_validate({
        "name": "Weekly lubrication", "frequencyType": "calendar", "frequency": 700, "leadDays": 0,
        "startDate": at(now, 400), "equipmentIds": [d.id, e.id]}), now=at(now, -100))
    for week in range(1, 13):
        for equipment, late in ((d, week % 3 == 0), (e, week % 5 == 0)):
            with pm_scheduler.unit_of_work():
                wo = pm_scheduler.create_pm_work_order(template, pm_scheduler.db.session.get(Equipment, equipment.id),
                                                     at(now, -7 * week), trigger="calendar",
                                                     now=at(now, -7 * week - 2))
            move(m, wo, at(now, -7 * week + (1 if late else -1)), "in_progress", "completed")


def full_page(browser, width: int, name: str) -> None:
    """The whole page in one screenshot (to look at the charts below the fold), then the tablet size again."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, height + 140)
    browser.save_screenshot(str(ARTIFACTS / name))
    browser.set_window_size(width, 1024 if width == 768 else 900)


def test_manager_opens_kpis_switches_period_and_prints(live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.print_page_options import PrintOptions
    from selenium.webdriver.support import expected_conditions as ec

    plant_history(users, utcnow() - timedelta(minutes=1))
    me = users["north"]["manager"]
    browser.set_window_size(1440, 900)
    browser.get(live_server + "/kpis")
    assert "/login" in browser.current_url
    browser.find_element(By.ID, "f-email").send_keys(me.email)
    browser.find_element(By.ID, "f-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "f-code").send_keys(pyotp.TOTP(me.totp_secret).now())
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "KPI dashboard"))
    assert browser.current_url == live_server + "/kpis"
    assert browser.find_element(By.CSS_SELECTOR, "#period-30").get_attribute("aria-current") == "page"
    assert "91.3 h" in browser.find_element(By.ID, "figure-mttr-hours").text
    # Three charts with the page, then the Pareto of failure modes with the bad actors' own request.
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#bad-actors svg[role=img] desc"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg[role=img] desc")) == 4
    browser.save_screenshot(str(ARTIFACTS / "kpis-1440x900.png"))

    # Switch to 90 days: htmx swaps the dashboard, the URL follows, the page is not reloaded.
    browser.execute_script("window.__same_page = true")
    browser.find_element(By.ID, "period-90").click()
    wait.until(lambda b: b.find_element(By.ID, "period-90").get_attribute("aria-current") == "page")
    assert browser.current_url == live_server + "/kpis?days=90"
    assert browser.execute_script("return window.__same_page") is True
    assert browser.find_element(By.ID, "kpi-status").get_attribute("textContent") == "Showing the last 90 days."
    assert "Last 90 days" in browser.find_element(By.ID, "kpi-period").text
    assert "PUMP-E" in browser.find_element(By.ID, "chart-downtime-d").get_attribute("textContent")
    browser.save_screenshot(str(ARTIFACTS / "kpis-90d-1440x900.png"))
    full_page(browser, 1440, "kpis-90d-1440-full.png")

    browser.set_window_size(768, 1024)
    browser.find_element(By.ID, "period-30").click()
    wait.until(lambda b: b.current_url.endswith("/kpis?days=30"))
    browser.save_screenshot(str(ARTIFACTS / "kpis-768x1024.png"))
    full_page(browser, 768, "kpis-768-full.png")
    # Nothing wider than the tablet's screen; the period links are touch-sized.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 768
    assert browser.find_element(By.ID, "period-7").size["height"] >= 44
    browser.execute_script("document.getElementById('dashboard').scrollIntoView()")
    browser.find_element(By.CSS_SELECTOR, "#chart-flow-cap ~ details summary").click()
    assert "Week of" in browser.find_element(By.CSS_SELECTOR, "#chart-flow-cap ~ details table").text

    # Back and forward follow the pushed URLs.
    browser.back()
    wait.until(lambda b: b.current_url.endswith("/kpis?days=90"))
    wait.until(lambda b: b.find_element(By.ID, "period-90").get_attribute("aria-current") == "page")

    # The print view: one A4 page.
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    options.background = True
    pdf = base64.b64decode(browser.print_page(options))
    (ARTIFACTS / "kpis-print.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(ARTIFACTS / "kpis-print.pdf"),
                        str(ARTIFACTS / "kpis-print")], check=True)

    # Issue 22: a card opens the records behind its figure, same period; the outcome filter narrows them.
    browser.set_window_size(1440, 900)
    browser.find_element(By.CSS_SELECTOR, "#figure-pm-compliance a.figure-open").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "PM work orders due"))
    assert browser.current_url == live_server + "/kpis/pm-compliance?days=90"
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.record")
    assert browser.find_element(By.ID, "kpi-sum").text.startswith(f"{len(rows)} due:") and len(rows) >= 20
    browser.save_screenshot(str(ARTIFACTS / "kpi-records-1440x900.png"))
    late = browser.find_element(By.XPATH, "//nav[@class='outcomes']/a[starts-with(., 'Late')]")
    count = int(re.search(r"\((\d+)\)", late.text).group(1))
    late.click()
    wait.until(lambda b: b.current_url.endswith("outcome=late"))
    outcomes = [r.get_attribute("class") for r in browser.find_elements(By.CSS_SELECTOR, "tr.record")]
    assert len(outcomes) == count > 0 and set(outcomes) == {"record outcome-late"}
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1440
    browser.find_element(By.LINK_TEXT, "← KPI dashboard").click()
    wait.until(lambda b: b.current_url.endswith("/kpis?days=90"))

    # Issue 23: "which five assets cost us most last year and why", in three clicks from anywhere:
    # 1) KPIs in the navigation, 2) 365 days, 3) the costliest asset's row -> its work orders and failure codes.
    browser.get(live_server + "/")
    browser.find_element(By.LINK_TEXT, "KPIs").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "KPI dashboard"))
    browser.find_element(By.ID, "period-365").click()
    wait.until(lambda b: b.find_element(By.ID, "period-365").get_attribute("aria-current") == "page")
    # The bad actors arrive in a request of their own once the 365-day block is shown.
    first = wait.until(lambda b: b.find_element(By.CSS_SELECTOR, "#bad-actor-1"))
    assert first.find_element(By.CSS_SELECTOR, "th").text.startswith("PUMP-A")
    assert "Fails to start ×2" in first.text  # why: its coded failures
    browser.execute_script("document.getElementById('bad-actors').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "kpis-bad-actors-1440x900.png"))
    first.find_element(By.CSS_SELECTOR, "th a").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "PUMP-A"))
    assert "/kpis/bad-actors/" in browser.current_url and browser.current_url.endswith("?days=365")
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "tr.record")]
    assert any("FTS" in r and "Fails to start" in r for r in rows) and "25.00" in rows[0]
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1440
    browser.save_screenshot(str(ARTIFACTS / "kpis-bad-actor-1440x900.png"))


def test_the_bad_actors_say_so_when_their_request_fails(live_server, browser, users, wait):
    """The KPI page loads its bad actors after itself; with that request cut (as on a dropped network),
    the section says it could not load them and keeps its link, instead of "Ranking…" for ever."""
    from selenium.webdriver.common.by import By

    from e2e.conftest import log_in

    plant_history(users, utcnow() - timedelta(minutes=1))
    browser.set_window_size(1440, 900)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(lambda b: "/login" not in b.current_url)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/kpis/bad-actors*"]})
    try:
        browser.get(live_server + "/kpis?days=365")
        section = browser.find_element(By.ID, "bad-actors")
        wait.until(lambda b: section.get_attribute("aria-busy") is None)
        assert section.text.startswith("Bad actors\nThe bad actors could not be loaded.")
        link = section.find_element(By.CSS_SELECTOR, "a")
        assert link.get_attribute("href").endswith("/kpis/bad-actors?days=365")
        assert not browser.find_elements(By.CSS_SELECTOR, "#bad-actor-1")
        browser.execute_script("document.getElementById('bad-actors').scrollIntoView()")
        browser.save_screenshot(str(ARTIFACTS / "kpis-bad-actors-failed-1440x900.png"))
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    link.click()  # the network back: the link opens them on a page of their own
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#bad-actor-1"))
