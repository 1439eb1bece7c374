"""The browser's console stays quiet: every page of the portal loads, and is used a little, without a
Content-Security-Policy violation or a script error. htmx is configured by its <meta name="htmx-config">
(no inline indicator style, no eval), and nothing else inline is tried either.

The console is read through chromedriver's log (`goog:loggingPrefs`, set in e2e/conftest.py)."""
from __future__ import annotations

from e2e.conftest import log_in, waiter


def _problems(browser) -> list[str]:
    """The console lines logged since the last call that are CSP violations, errors or warnings."""
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] in ("SEVERE", "WARNING") or "Content Security Policy" in entry["message"]]


def test_pages_log_no_csp_violation_or_error(live_server, browser, users, client, auth):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    h = auth("north", "manager")
    eq = client.post("/api/equipment", json={"assetTag": "PRESS-1", "location": "Hall 2"}, headers=h).json
    wo = client.post("/api/work-orders", json={"title": "Press leaks oil", "equipmentId": eq["id"]}, headers=h).json
    part = client.post("/api/parts", json={"partNumber": "SEAL-9", "description": "Seal kit", "reorderPoint": 2},
                       headers=h).json
    wait = waiter(browser)

    browser.get(live_server + "/login")
    wait.until(ec.presence_of_element_located((By.ID, "f-email")))
    browser.get_log("browser")  # what chromium logged before the page (none of the portal's)
    log_in(browser, live_server, users["north"]["admin"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    seen = {"/login": _problems(browser)}

    pages = ["/work-orders", f"/work-orders/{wo['id']}", "/work-orders/new", "/assets", f"/assets/{eq['id']}",
             "/assets/new", "/parts", f"/parts/{part['id']}", "/parts/reorders", "/pm-templates",
             "/pm-templates/new", "/imports", "/kpis", "/admin/users", "/admin/warehouse", "/admin/webhooks",
             "/admin/performance"]
    for path in pages:
        browser.get(live_server + path)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "main h1")))
        seen[path] = _problems(browser)

    # Used, not only loaded: a boosted link, an htmx form swap (the work order's comment), and a live
    # poll's morph on the board (a change made elsewhere).
    browser.get(f"{live_server}/work-orders/{wo['id']}")
    browser.find_element(By.ID, "f-comment-body").send_keys("Tightened the fitting")
    browser.find_element(By.CSS_SELECTOR, "#wo-comments button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Tightened the fitting"))
    browser.find_element(By.LINK_TEXT, "Work orders").click()
    wait.until(ec.presence_of_element_located((By.ID, "board-bulk")))
    assert client.patch(f"/api/work-orders/{wo['id']}", json={"title": "Press leaks oil badly"}, headers=h).status_code == 200
    waiter(browser, 12).until(ec.text_to_be_present_in_element((By.ID, "results"), "Press leaks oil badly"))
    seen["in use"] = _problems(browser)

    assert {path: lines for path, lines in seen.items() if lines} == {}
