"""A manager on the board in a real browser at 1440x900: its table, kanban and calendar, live filters,
keys, a saved view, bulk changes refreshed in place, and a change made elsewhere appearing within a
poll; a work order page refreshing around a comment being typed. Screenshots go to test-artifacts/."""
from __future__ import annotations

from e2e.conftest import ARTIFACTS, log_in, waiter
from portal.models import WorkOrder
from portal.platform.extensions import db

LIVE_WAIT = 30  # seconds: how long a change made elsewhere may take to show before the test fails


def test_manager_board_views_filters_bulk_keys_and_live_update(live_server, browser, users, client, auth):
    """At 1440x900: the dense table (20+ rows, sticky header, sort), live filters with the URL,
    keys, a saved view, bulk changes with the rows refreshed in place, the question before
    reassigning started work, kanban and calendar (with the PM forecast), and a live refresh."""
    from datetime import UTC, datetime, timedelta

    import factories

    from e2e.sweep import at_size

    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    h = auth("north", "manager")
    pump = factories.equipment(manager, assetTag="PUMP-9", location="Hall 9")
    soon = datetime.now(UTC) + timedelta(days=2)
    for n in range(26):
        factories.work_order(manager, title=f"Routine check {n:02d}", priority=("low", "medium", "high")[n % 3],
                             dueDate=(soon + timedelta(hours=n)).isoformat())
    started = factories.work_order(manager, title="Pump seal swap", equipmentId=pump.id, assignedTo=tech.id)
    factories.move_to(manager, started.id, "in_progress")
    a, b = (factories.work_order(manager, title=t, priority="low").id for t in ("Guard rail loose", "Belt frays"))
    assert client.post("/api/pm-templates", headers=h, json={
        "name": "Pump monthly", "frequencyType": "calendar", "frequency": 30, "leadDays": 0,
        "startDate": (datetime.now(UTC) - timedelta(days=28)).isoformat(), "equipmentIds": [pump.id]}).status_code == 201
    wait = waiter(browser)

    at_size(browser, 1440)  # a 1440x900 viewport, as the page sweep measures
    try:
        _board_at_1440(browser, live_server, users, client, h, wait, pump, soon, started, a, b)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


def _board_at_1440(browser, live_server, users, client, h, wait, pump, soon, started, a, b) -> None:
    from datetime import UTC, datetime, timedelta

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    from e2e.sweep import WIDEST, at_size

    tech, admin = users["north"]["technician"], users["north"]["admin"]
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.find_element(By.LINK_TEXT, "Work orders").click()
    wait.until(ec.presence_of_element_located((By.ID, "board-table")))

    # Dense: 20+ whole rows on the screen as the page opens; the header stays while the rows scroll.
    visible = browser.execute_script(
        "return [...document.querySelectorAll('#board-table tbody tr')].filter(r => r.getBoundingClientRect().bottom <= innerHeight).length")
    browser.save_screenshot(str(ARTIFACTS / "board-table-1440x900.png"))
    assert visible >= 20, visible
    browser.execute_script("document.querySelector('.board-table-wrap').scrollTop = 400")
    assert browser.execute_script("""const w = document.querySelector('.board-table-wrap').getBoundingClientRect();
        return Math.abs(document.querySelector('#board-table th').getBoundingClientRect().top - w.top) < 2""")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1440

    # Sort by a header (the server sorts; the URL keeps it), then filter as you type (no button).
    browser.find_element(By.CSS_SELECTOR, "th.col-priority a").click()
    wait.until(lambda d: "sort=priority" in d.current_url)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "th.col-priority[aria-sort=ascending]")))
    browser.find_element(By.ID, "f-q").send_keys("Pump")
    wait.until(lambda d: "q=Pump" in d.current_url and "sort=priority" in d.current_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#board-table tbody tr")) == 1)
    Select(browser.find_element(By.ID, "f-priority")).select_by_value("critical")
    wait.until(lambda d: "priority=critical" in d.current_url and not d.find_elements(By.ID, "board-table"))
    browser.get(live_server + "/work-orders?q=e&sort=priority")  # the URL is the view: bookmarkable
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "th.col-priority[aria-sort=ascending]")))
    assert browser.find_element(By.ID, "f-q").get_attribute("value") == "e"

    # The asset filter: typing asks for a few matching assets (not a list of every asset) without
    # filtering the board yet; the asset chosen filters it and the URL keeps it.
    browser.get(live_server + "/work-orders")
    wait.until(ec.presence_of_element_located((By.ID, "board-table")))
    browser.find_element(By.ID, "f-equipmentQ").send_keys("pump-9")
    # Read in the page at once: the options are swapped while they arrive (a stale element otherwise).
    wait.until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('#f-equipmentId option')].map(o => o.value)") == ["", pump.id])
    assert "assetQ" not in browser.current_url  # the search box alone does not filter the board
    assert len(browser.find_elements(By.CSS_SELECTOR, "#board-table tbody tr")) > 20
    browser.save_screenshot(str(ARTIFACTS / "board-asset-picker-1440x900.png"))
    # Chosen through a wait: a search answer arriving late swaps the select (a stale element otherwise).
    wait.until(lambda d: Select(d.find_element(By.ID, "f-equipmentId")).select_by_value(pump.id) or True)
    wait.until(lambda d: f"equipmentId={pump.id}" in d.current_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#board-table tbody tr")) == 1)
    assert "Pump seal swap" in browser.find_element(By.ID, "board-table").text
    browser.refresh()  # the URL is the view: the asset stays chosen
    wait.until(ec.text_to_be_present_in_element((By.ID, "results"), "Work orders of asset PUMP-9 · Hall 9"))
    assert Select(browser.find_element(By.ID, "f-equipmentId")).first_selected_option.get_attribute("value") == pump.id
    assert len(browser.find_elements(By.CSS_SELECTOR, "#board-table tbody tr")) == 1
    browser.get(live_server + "/work-orders?q=e&sort=priority")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "th.col-priority[aria-sort=ascending]")))

    # Keys: down moves to the next row, space ticks it, Enter opens it.
    rows = browser.find_elements(By.CSS_SELECTOR, "#board-table tbody tr")
    first = rows[0].get_attribute("id").removeprefix("wo-")
    browser.execute_script("arguments[0].focus()", rows[0])
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    second = rows[1].get_attribute("id")
    assert browser.switch_to.active_element.get_attribute("id") == second
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    assert browser.find_element(By.CSS_SELECTOR, f"#{second} input[name=ids]").is_selected()
    browser.switch_to.active_element.send_keys(Keys.ARROW_UP)
    assert browser.switch_to.active_element.get_attribute("id") == f"wo-{first}"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/work-orders/" + first))
    browser.back()
    wait.until(ec.presence_of_element_located((By.ID, "board-table")))

    # Bulk: two new rows to the technician, high priority: one call, the rows show it at once.
    browser.get(live_server + "/work-orders?sort=priority")
    wait.until(ec.presence_of_element_located((By.ID, f"wo-{a}")))
    for wo_id in (a, b):
        browser.find_element(By.CSS_SELECTOR, f"#wo-{wo_id} input[name=ids]").click()
    Select(browser.find_element(By.ID, "f-bulk-assignee")).select_by_visible_text("north technician")
    Select(browser.find_element(By.ID, "f-bulk-priority")).select_by_value("high")
    browser.find_element(By.CSS_SELECTOR, "#board-bulk button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "board-msg"), "2 work orders assigned to north technician, high priority."))
    for wo_id in (a, b):
        wait.until(lambda d, w=wo_id: Select(d.find_element(By.ID, f"f-assignedTo-{w}")).first_selected_option.text
                   == "north technician")
        assert Select(browser.find_element(By.ID, f"f-priority-{wo_id}")).first_selected_option.text == "High"
        assert browser.find_element(By.CSS_SELECTOR, f"#wo-{wo_id} .status").text == "Assigned"
        assert not browser.find_element(By.CSS_SELECTOR, f"#wo-{wo_id} input[name=ids]").is_selected()
    db.session.rollback()
    assert {db.session.get(WorkOrder, i).assigned_to for i in (a, b)} == {tech.id}

    # Reassigning started work asks first; nothing changes until confirmed.
    browser.find_element(By.CSS_SELECTOR, f"#wo-{started.id} input[name=ids]").click()
    Select(browser.find_element(By.ID, "f-bulk-assignee")).select_by_visible_text("north admin")
    Select(browser.find_element(By.ID, "f-bulk-priority")).select_by_index(0)
    browser.find_element(By.CSS_SELECTOR, "#board-bulk button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "board-msg"), "Reassign anyway?"))
    browser.save_screenshot(str(ARTIFACTS / "board-reassign-1440x900.png"))
    db.session.rollback()
    assert db.session.get(WorkOrder, started.id).assigned_to == tech.id
    browser.find_element(By.ID, "board-confirm").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "board-msg"), "1 work order assigned to north admin."))
    db.session.rollback()
    assert db.session.get(WorkOrder, started.id).assigned_to == admin.id

    # Inline edits behave alike: each saves on change and says so in its row.
    Select(browser.find_element(By.ID, f"f-priority-{a}")).select_by_value("critical")
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#wo-{a} .row-note"), "Saved"))
    db.session.rollback()
    assert db.session.get(WorkOrder, a).priority == "critical"
    # A row's assignee select carries its own assignee; opening it brings the page's people once.
    row_select = browser.find_element(By.ID, f"f-assignedTo-{b}")
    assert len(row_select.find_elements(By.TAG_NAME, "option")) == 2  # Unassigned, north technician
    row_select.click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, f"#f-assignedTo-{b} option")) > 2)
    Select(browser.find_element(By.ID, f"f-assignedTo-{b}")).select_by_visible_text("north admin")
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#wo-{b} .row-note"), "Saved"))
    db.session.rollback()
    assert db.session.get(WorkOrder, b).assigned_to == admin.id

    # A saved view: named, listed, and it opens the board as it was saved.
    browser.get(live_server + "/work-orders?view=kanban&priority=high")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".kanban")))
    browser.find_element(By.CSS_SELECTOR, "#board-saved summary").click()
    browser.find_element(By.ID, "f-view-name").send_keys("High ones")
    browser.find_element(By.CSS_SELECTOR, ".board-save-view button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "View “High ones” saved."))
    browser.get(live_server + "/work-orders")
    wait.until(ec.presence_of_element_located((By.ID, "board-table")))
    browser.find_element(By.CSS_SELECTOR, "#board-saved summary").click()
    browser.find_element(By.LINK_TEXT, "High ones").click()
    wait.until(lambda d: "view=kanban" in d.current_url and "priority=high" in d.current_url)
    lanes = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".kanban-lane h2"))
    assert [lane.text for lane in lanes][:2] == ["New 8", "Assigned 1"]  # 8 routine checks; B (A went critical)
    browser.save_screenshot(str(ARTIFACTS / "board-kanban-1440x900.png"))

    # The calendar: due work by day, and the PM forecast (the pump's next monthly check).
    browser.find_element(By.LINK_TEXT, "Calendar").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cal")))
    browser.get(live_server + "/work-orders?view=calendar&span=week&date=" + (soon + timedelta(days=0)).date().isoformat())
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".cal"), "Routine check"))
    browser.get(live_server + "/work-orders?view=calendar&date=" + (datetime.now(UTC) + timedelta(days=2)).date().isoformat())
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".cal"), "Pump monthly · PUMP-9"))
    browser.save_screenshot(str(ARTIFACTS / "board-calendar-1440x900.png"))

    # Live: a change made elsewhere shows within a poll, in the table's row.
    browser.get(live_server + "/work-orders")
    wait.until(ec.presence_of_element_located((By.ID, f"wo-{b}")))
    assert client.patch(f"/api/work-orders/{b}", json={"title": "Belt frays badly"}, headers=h).status_code == 200
    waiter(browser, LIVE_WAIT).until(ec.text_to_be_present_in_element((By.ID, f"wo-{b}"), "Belt frays badly"))
    for width, height in ((768, 1024), (390, 844)):
        at_size(browser, width)
        browser.save_screenshot(str(ARTIFACTS / f"board-table-{width}x{height}.png"))
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width, browser.execute_script(WIDEST, width)


def open_kanban(browser, live_server, users, wait, card_id: str) -> None:
    """The north manager logged in, on the board's kanban with the card `card_id` on it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(live_server + "/work-orders?view=kanban")
    wait.until(ec.presence_of_element_located((By.ID, f"card-{card_id}")))


def test_kanban_moves_by_mouse_touch_and_keyboard(live_server, browser, users, wait):
    """At 1440x900: a card dragged to another lane moves through the status service; a refused drop
    stays in its lane with the reason on the card; on hold asks why on the card; the Move menu does
    the same from the keyboard (the focus follows the card); a finger drags by the grip (768)."""
    import os
    from pathlib import Path

    import factories
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    from e2e.sweep import WIDEST, at_size
    from portal.platform.database import unit_of_work
    from portal.services.work_orders import hold_reasons

    shots = Path(os.environ.get("BOARD_SHOTS_DIR", str(ARTIFACTS)))
    shots.mkdir(parents=True, exist_ok=True)
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    with unit_of_work():
        hold_reasons.seed_defaults(manager.warehouse_id)
    fresh = factories.work_order(manager, title="Guard rail loose")
    keyed = factories.work_order(manager, title="Label the valves", priority="low")
    touched = factories.work_order(manager, title="Lamp out in bay 2", priority="low")
    waiting = factories.work_order(manager, title="Belt frays", assignedTo=tech.id)
    started = factories.work_order(manager, title="Pump seal swap", assignedTo=tech.id, priority="high")
    factories.move_to(manager, started.id, "in_progress")

    def status(wo) -> str:
        db.session.rollback()
        return db.session.get(WorkOrder, wo.id).status

    def lane_of(wo) -> str:
        return browser.find_element(By.ID, f"card-{wo.id}").find_element(
            By.XPATH, "ancestor::section[@data-status]").get_attribute("data-status")

    def drag(wo, to: str) -> None:
        card = browser.find_element(By.CSS_SELECTOR, f"#card-{wo.id} .title")
        lane = browser.find_element(By.CSS_SELECTOR, f'.kanban-lane[data-status="{to}"] h2')
        ActionChains(browser).click_and_hold(card).move_by_offset(12, 8).move_to_element(lane).move_by_offset(0, 40) \
            .release().perform()

    at_size(browser, 1440)
    try:
        open_kanban(browser, live_server, users, wait, fresh.id)

        # A mouse drag: New -> In progress, through the service; the lanes redrawn.
        drag(fresh, "in_progress")
        wait.until(ec.text_to_be_present_in_element((By.ID, "board-msg"), f"{fresh.fo_number} is now in progress."))
        wait.until(lambda d: lane_of(fresh) == "in_progress")
        assert status(fresh) == "in_progress"
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == f"card-{fresh.id}")  # the focus followed

        # A refused drop: In progress -> New stays where it was, the reason on the card.
        drag(started, "new")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#card-{started.id} .kanban-note")))
        note = browser.find_element(By.CSS_SELECTOR, f"#card-{started.id} .kanban-note").text
        assert f"{started.fo_number} cannot go from In progress to New" in note and "it can go to" in note
        assert lane_of(started) == "in_progress" and status(started) == "in_progress"
        browser.save_screenshot(str(shots / "kanban-refused-1440x900.png"))

        # On hold asks why on the card; the reason picked, "Put on hold" holds it.
        drag(waiting, "on_hold")
        wait.until(ec.presence_of_element_located((By.ID, f"f-hold-code-{waiting.id}")))
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == f"f-hold-code-{waiting.id}")
        assert status(waiting) == "assigned"
        browser.save_screenshot(str(shots / "kanban-hold-1440x900.png"))
        Select(browser.find_element(By.ID, f"f-hold-code-{waiting.id}")).select_by_visible_text("Waiting for parts")
        browser.find_element(By.CSS_SELECTOR, f"#card-{waiting.id} .kanban-hold button").click()
        wait.until(lambda d: lane_of(waiting) == "on_hold")
        assert status(waiting) == "on_hold"

        # The keyboard: the card's Move menu, then "In progress"; the focus lands on the moved card.
        summary = browser.find_element(By.CSS_SELECTOR, f"#card-{keyed.id} .kanban-move summary")
        browser.execute_script("arguments[0].focus()", summary)
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        button = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'#card-{keyed.id} .kanban-to button[value="in_progress"]'))
        browser.switch_to.active_element.send_keys(Keys.TAB)
        while browser.switch_to.active_element != button:
            browser.switch_to.active_element.send_keys(Keys.TAB)
        browser.switch_to.active_element.send_keys(Keys.ENTER)
        wait.until(lambda d: lane_of(keyed) == "in_progress")
        wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == f"card-{keyed.id}")
        assert status(keyed) == "in_progress"
        browser.save_screenshot(str(shots / "kanban-1440x900.png"))

        # The bulk bar's on hold: the hold reason shows once "On hold" is picked, and is recorded.
        assert not browser.find_element(By.ID, "f-bulk-hold-code").is_displayed()
        browser.find_element(By.CSS_SELECTOR, f"#card-{keyed.id} input[name=ids]").click()
        Select(browser.find_element(By.ID, "f-bulk-status")).select_by_value("on_hold")
        Select(browser.find_element(By.ID, "f-bulk-hold-code")).select_by_visible_text("Waiting for another trade")
        browser.save_screenshot(str(shots / "bulk-hold-1440x900.png"))
        # Every text the message region shows is kept: a live refresh may redraw the board right after
        # the answer, on a busy machine before a wait looks.
        browser.execute_script("""window.__boardMsgs = [];
            new MutationObserver(() => { const m = document.getElementById('board-msg');
              if (m) { window.__boardMsgs.push(m.textContent); } })
              .observe(document.body, {subtree: true, childList: true, characterData: true});""")
        browser.find_element(By.CSS_SELECTOR, "#board-bulk button[type=submit]").click()
        wait.until(lambda d: any("1 work order now on hold (waiting for another trade)." in m
                                 for m in d.execute_script("return window.__boardMsgs")))
        wait.until(lambda d: lane_of(keyed) == "on_hold")
        assert status(keyed) == "on_hold"

        # A finger on a tablet: touch events on the grip (the page still scrolls elsewhere).
        at_size(browser, 768)
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
        browser.get(live_server + "/work-orders?view=kanban")
        grip = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#card-{touched.id} .kanban-grip"))
        assert grip.value_of_css_property("touch-action") == "none"
        assert browser.find_element(By.CSS_SELECTOR, f"#card-{touched.id} .title").value_of_css_property("touch-action") == "auto"
        start = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]", grip)
        target = browser.execute_script("const r = document.querySelector('.kanban-lane[data-status=assigned] h2')"
                                        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + 30]")
        browser.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
        for n in range(1, 9):
            x, y = start[0] + (target[0] - start[0]) * n / 8, start[1] + (target[1] - start[1]) * n / 8
            browser.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        browser.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        # Unassigned, it cannot go to Assigned: refused in words, as for the mouse.
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#card-{touched.id} .kanban-note"), "has nobody assigned"))
        assert status(touched) == "new"
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 768, browser.execute_script(WIDEST, 768)
        browser.save_screenshot(str(shots / "kanban-768x1024.png"))
        at_size(browser, 390)
        browser.execute_script("document.querySelector('.kanban').scrollIntoView()")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390, browser.execute_script(WIDEST, 390)
        browser.save_screenshot(str(shots / "kanban-390x844.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


def test_work_order_page_refreshes_around_a_comment_being_typed(live_server, browser, second_browser, users, client, auth):
    """The work order page: another user's status change (API) and comment (posted from a second
    browser session) appear with the next polls; the comment this user is typing stays, caret and all."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    tech = users["north"]["technician"]
    h = auth("north", "manager")
    wo_id = client.post("/api/work-orders", json={"title": "Hydraulic leak", "assignedTo": tech.id},
                        headers=h).json["id"]
    wait = waiter(browser, LIVE_WAIT)
    browser.set_window_size(768, 1024)
    log_in(browser, live_server, tech)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(f"{live_server}/work-orders/{wo_id}")
    box = browser.find_element(By.ID, "f-comment-body")
    box.click()
    box.send_keys("Seal kit is on the sh")
    assert client.patch(f"/api/work-orders/{wo_id}", json={"status": "on_hold", "holdReason": "No seal kit"},
                        headers=h).status_code == 200
    # The manager, in a browser session of their own, answers on the same page.
    log_in(second_browser, live_server, users["north"]["manager"])
    waiter(second_browser).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    second_browser.get(f"{live_server}/work-orders/{wo_id}")
    second_browser.find_element(By.ID, "f-comment-body").send_keys("Ordered the kit")
    second_browser.find_element(By.CSS_SELECTOR, "#wo-comments button[type=submit]").click()
    waiter(second_browser, LIVE_WAIT).until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Ordered the kit"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "On hold"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-bar"), "No seal kit"))  # why it waits, in the status bar
    box = browser.find_element(By.ID, "f-comment-body")
    assert box.get_attribute("value") == "Seal kit is on the sh"
    assert browser.switch_to.active_element.get_attribute("id") == "f-comment-body"
    assert "Ordered the kit" not in browser.find_element(By.ID, "wo-comments").text  # its section waits
    browser.save_screenshot(str(ARTIFACTS / "board-detail-live-768x1024.png"))
    # Sent: the section is free again and the next poll brings the other comment in.
    box.send_keys("elf")
    browser.find_element(By.CSS_SELECTOR, "#wo-comments button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Seal kit is on the shelf"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Ordered the kit"))
    # The polls carry the poll token the server handed out (portal/web/live_poll.py), kept through
    # the morphs; with it, a change made elsewhere still comes in.
    wait.until(lambda b: b.find_element(By.ID, "live").get_attribute("data-live-token"))
    assert client.patch(f"/api/work-orders/{wo_id}", json={"title": "Hydraulic leak, line 2"},
                        headers=h).status_code == 200
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-head"), "Hydraulic leak, line 2"))
    assert browser.find_element(By.ID, "live").get_attribute("data-live-token")


# The board's next live check is held in the page and answered, once released, with the lanes as they
# were when this ran: what a check answered before a move committed looks like. The page's other
# requests go through. The timed checks stop (a long interval; window.__armedLong once the timer
# took it); window.__sent and __out count the checks sent through here and still out.
HOLD_THE_NEXT_CHECK = """
var results = document.getElementById("results").outerHTML;
var version = document.getElementById("live").getAttribute("data-live-version");
var realFetch = window.fetch, realTimeout = window.setTimeout;
window.__sent = 0; window.__out = 0; window.__hold = false; window.__held = null; window.__staleRead = false;
window.__armedLong = false;
window.setTimeout = function (fn, ms) {
  if (ms === 600000) { window.__armedLong = true; }
  return realTimeout.apply(this, arguments);
};
window.fetch = function (url) {
  if (String(url).indexOf("/work-orders/changes") === -1) { return realFetch.apply(this, arguments); }
  if (!window.__hold) {
    window.__sent++; window.__out++;
    return realFetch.apply(this, arguments).finally(function () { window.__out--; });
  }
  window.__hold = false;
  return new Promise(function (resolve) {
    window.__held = function () {
      var resp = new Response("<html><body>" + results + "</body></html>",
                              {status: 200, headers: {"X-Live-Version": version}});
      var text = resp.text.bind(resp);
      resp.text = function () { return text().then(function (t) { window.__staleRead = true; return t; }); };
      resolve(resp);
    };
  });
};
document.getElementById("live").setAttribute("data-live-ms", "600000");
"""

# Until the page has no check out: ask for one (a visibility change checks at once, unless one is
# out) and wait for it to come back.
NO_CHECK_OUT = """
if (!window.__armedLong) { return false; }
if (!window.__sent && !window.__out) { document.dispatchEvent(new Event("visibilitychange")); }
return window.__sent > 0 && window.__out === 0;
"""


def test_a_check_answered_before_a_kanban_move_never_puts_the_card_back(live_server, browser, users, wait):
    """A card moved by its Move menu while the board's live check is out, the check answered with the
    lanes from before the move: the page drops that answer (its own request started while the check
    was out), and the card stays in its new lane. The move's answer replaces the lanes, the card that
    sent it with them; htmx 2 then fires htmx:afterRequest on an ancestor still in the page, which the
    page's count of its own requests relies on (static/js/portal.js)."""
    import factories
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    from e2e.sweep import at_size

    manager = users.actor("north", "manager")
    keyed = factories.work_order(manager, title="Label the valves", priority="low")

    def lane_of() -> str:
        return browser.find_element(By.ID, f"card-{keyed.id}").find_element(
            By.XPATH, "ancestor::section[@data-status]").get_attribute("data-status")

    at_size(browser, 1440)
    try:
        open_kanban(browser, live_server, users, wait, keyed.id)
        browser.execute_script(HOLD_THE_NEXT_CHECK)
        wait.until(lambda d: d.execute_script(NO_CHECK_OUT))
        browser.execute_script(
            "var card = document.getElementById(arguments[0]);"
            "card.querySelector('.kanban-move').open = true;"
            "window.__hold = true;"
            "card.querySelector('.kanban-to button[value=\"in_progress\"]').click();"  # the move is on its way
            "document.dispatchEvent(new Event('visibilitychange'));",  # and a check after it
            f"card-{keyed.id}")
        assert browser.execute_script("return window.__held !== null")  # the check went out during the move
        wait.until(ec.text_to_be_present_in_element((By.ID, "board-msg"), f"{keyed.fo_number} is now in progress."))
        assert lane_of() == "in_progress"
        browser.execute_script("window.__held()")
        wait.until(lambda d: d.execute_script("return window.__staleRead"))
        # A script runs as a task of its own, after the page has handled the answer it just read.
        assert browser.execute_script("return 1") == 1 and lane_of() == "in_progress"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
