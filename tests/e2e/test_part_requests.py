"""On a phone (390x844): a technician searches a part on the work page, sees the parts in stock
first and the short one said before the pick, requests an out-of-stock part and sees it on the work
order; the manager sees which work order waits for it on the reorder requests page."""
from __future__ import annotations

import factories

from e2e.conftest import ARTIFACTS, log_in


def _fits(browser, selector: str) -> dict:
    """How `selector` sits in the viewport: its right edge, its own sideways overflow, and the
    smallest height of the targets (options' labels, buttons) inside it."""
    return browser.execute_script("""
        const el = document.querySelector(arguments[0]);
        const targets = [...el.querySelectorAll('label.pick, button, a')].filter(t => t.offsetParent);
        return {right: el.getBoundingClientRect().right, overflow: el.scrollWidth - el.clientWidth,
                viewport: document.documentElement.clientWidth,
                smallest: Math.min(...targets.map(t => t.getBoundingClientRect().height))};
    """, selector)


def test_technician_requests_an_out_of_stock_part_on_a_phone(live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    me = users["north"]["technician"]
    manager = users.actor("north", "manager")
    factories.part(manager, partNumber="BRG-1000", description="Ball bearing 1000, sealed both sides", stockLevel=0)
    factories.part(manager, partNumber="BRG-6205", description="Ball bearing 6205-2RS", stockLevel=7)
    factories.part(manager, partNumber="BRG-6300", description="Ball bearing 6300", stockLevel=2)
    factories.part(manager, partNumber="BELT-A42", description="V-belt A42", stockLevel=5)  # not a match
    wo = factories.work_order(manager, title="Conveyor 3 drive end bearing noisy", assignedTo=me.id,
                              equipmentId=factories.equipment(manager, location="Line 3").id)

    browser.set_window_size(390, 844)
    log_in(browser, live_server, me)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(f"{live_server}/work-orders/{wo.id}")
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Conveyor 3"))

    # The quantity first, then the search: the options say what the stock means for 3.
    quantity = browser.find_element(By.ID, "f-quantityUsed")
    quantity.clear()
    quantity.send_keys("3")
    browser.find_element(By.ID, "f-partQ").send_keys("BRG")
    # The answer to the search (typing the quantity first asked for every part, BELT-A42 included),
    # read in one go: an earlier answer may still be swapped out while a test reads it node by node.
    numbers = "return [...document.querySelectorAll('#part-options .pn')].map(e => e.textContent)"
    wait.until(lambda b: b.execute_script(numbers) == ["BRG-6205", "BRG-6300", "BRG-1000"])
    options = browser.find_element(By.ID, "part-options").text
    assert "7 in stock" in options and "Only 2 in stock" in options and "Request 1 more" in options
    out = browser.find_element(By.CSS_SELECTOR, "#part-options .part-option.out")
    assert "Out of stock" in out.text
    assert not browser.find_elements(By.CSS_SELECTOR, "#part-options .part-option.out input[name=partId]")
    browser.execute_script("document.getElementById('parts').scrollIntoView()")
    fit = _fits(browser, "#parts")
    assert fit["right"] <= fit["viewport"] and fit["overflow"] <= 0, fit
    assert fit["smallest"] >= 44, fit
    browser.save_screenshot(str(ARTIFACTS / "part-picker-390x844.png"))

    # Request the out-of-stock one: it shows on the work order as requested.
    ask = browser.find_element(By.CSS_SELECTOR, "#part-options .part-option.out button.ask")
    assert ask.text == "Request this part (3)"
    ask.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "part-requests"), "BRG-1000"))
    requested = browser.find_element(By.ID, "part-requests").text
    assert "Qty 3" in requested and "Requested" in requested
    # (The "BRG-1000: 3 requested" message is checked in tests/web/test_part_picker.py: here a live
    # refresh of the page, which the request itself wakes, may already have replaced it.)
    browser.execute_script("document.getElementById('parts').scrollIntoView()")
    fit = _fits(browser, "#parts")
    assert fit["right"] <= fit["viewport"] and fit["overflow"] <= 0, fit
    browser.save_screenshot(str(ARTIFACTS / "part-requested-390x844.png"))
    browser.set_window_size(768, 1024)
    browser.find_element(By.ID, "f-partQ").send_keys("BRG")
    wait.until(lambda b: b.execute_script(numbers) == ["BRG-6205", "BRG-6300", "BRG-1000"])
    # Asked for already: the option says so instead of offering the same request again.
    assert "3 requested" in browser.find_element(By.CSS_SELECTOR, "#part-options .part-option.out").text
    browser.execute_script("document.getElementById('parts').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "part-picker-768x1024.png"))

    # The manager: the reorder requests page says which work order waits, and who asked.
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    browser.set_window_size(390, 844)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(f"{live_server}/parts/reorders")
    row = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "tr.reorder")))
    assert "BRG-1000" in row.text and wo.fo_number in row.text and "asked by" in row.text
    browser.save_screenshot(str(ARTIFACTS / "reorders-390x844.png"))
    browser.set_window_size(768, 1024)
    browser.save_screenshot(str(ARTIFACTS / "reorders-768x1024.png"))
    row.find_element(By.LINK_TEXT, wo.fo_number).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Conveyor 3"))
    assert "Requested" in browser.find_element(By.ID, "part-requests").text
