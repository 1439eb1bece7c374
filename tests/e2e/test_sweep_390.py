"""The page sweep at 390 px wide (tests/e2e/sweep.py): every page, every role, axe, no sideways scroll,
targets >= 44 px, the navigation reachable. One file per size, so the sizes run in parallel."""
from e2e.sweep import sweep


def test_every_page_at_390(live_server, browser, client, auth, users):
    problems = sweep(browser, live_server, client, auth, users, 390)
    assert not problems, "\n".join(problems)


def test_new_work_order_with_the_asset_picker_then_its_page_at_390(live_server, browser, users):
    """On a phone: the new work order form's asset picker (type, choose from the few matches, Enter
    in the search box does not send the form), then the work order's page as its technician: the
    asset named, the start button in reach, nothing wider than the phone, axe clean."""
    import factories
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    from e2e.conftest import ARTIFACTS, log_in, waiter
    from e2e.sweep import at_size, check_page

    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PUMP-390", location="Hall 3")
    for n in range(30):  # more assets than the picker offers at once
        factories.equipment(manager, assetTag=f"FAN-{n:03d}", location="Roof", description="Roof fan")
    tech = users["north"]["technician"]
    wait = waiter(browser)
    at_size(browser, 390)
    try:
        log_in(browser, live_server, users["north"]["manager"])
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
        browser.get(live_server + "/work-orders/new")
        browser.find_element(By.ID, "f-title").send_keys("Pump seal weeps")
        search = browser.find_element(By.ID, "f-equipmentQ")
        search.send_keys("pump-39" + Keys.ENTER)  # Enter searches; it does not create the work order
        wait.until(lambda d: [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#f-equipmentId option")]
                   == ["", pump.id])
        assert browser.current_url.endswith("/work-orders/new")
        problems = check_page(browser, 390, "new work order with the picker at 390")
        browser.save_screenshot(str(ARTIFACTS / "new-work-order-picker-390x844.png"))
        Select(browser.find_element(By.ID, "f-equipmentId")).select_by_value(pump.id)
        Select(browser.find_element(By.ID, "f-assignedTo")).select_by_visible_text("north technician")
        browser.find_element(By.CSS_SELECTOR, "main form.board-form button[type=submit]").click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Pump seal weeps"))
        url = browser.current_url

        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
        log_in(browser, live_server, tech)
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
        browser.get(url)
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "PUMP-390"))
        start = browser.find_element(By.XPATH, "//main//button[normalize-space()='Start work']")
        assert start.is_displayed() and start.rect["x"] + start.rect["width"] <= 390
        start.click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "In progress"))
        assert not browser.find_elements(By.CSS_SELECTOR, "main select#f-equipmentId, main select[name=assignedTo]")
        problems += check_page(browser, 390, "work order page at 390")
        browser.save_screenshot(str(ARTIFACTS / "work-order-page-390x844.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
    assert not problems, "\n".join(problems)
