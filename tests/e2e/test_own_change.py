"""The work order page in a browser: a tick's answer hands the page its version, so the next live
polls are quiet 204s and nothing is re-rendered; a colleague's change after it is still brought in
by the next poll (portal/web/live_poll.py answers_own_change, static/js/portal.js)."""
from __future__ import annotations

import os
from pathlib import Path

import factories

from e2e.conftest import ARTIFACTS, log_in
from portal.platform import live
from portal.schemas.pm import ChecklistAdd
from portal.services.work_orders import checklists as checklist_service

SHOTS = Path(os.environ.get("OWN_CHANGE_SHOTS", str(ARTIFACTS)))

# Every live poll's status and every live morph, recorded by the page (window.fetch wrapped: portal.js
# calls window.fetch at each poll).
RECORD = """
window.__polls = []; window.__morphs = 0;
var original = window.fetch;
window.fetch = function (url, init) {
  return original.apply(this, arguments).then(function (resp) {
    if (String(url).indexOf('/changes?') !== -1) { window.__polls.push(resp.status); }
    return resp;
  });
};
document.addEventListener('portal:live-morphed', function () { window.__morphs++; });
"""


def test_a_tick_is_not_re_rendered_by_the_next_poll_but_a_colleagues_comment_is(
        live_server, browser, users, client, auth, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    wo = factories.work_order(manager, title="Seal leaking", assignedTo=me.id)
    factories.move_to(users.actor("north", "technician"), wo.id, "in_progress")
    [guard, swept] = checklist_service.add_items(manager, wo.id, ChecklistAdd.model_validate(
        {"items": [{"description": "Guard refitted", "required": True}, {"description": "Area swept", "required": True}]}))
    key = live.work_order_key(wo.warehouse_id, wo.id)
    colleague = auth("north", "manager")  # before the browser: the server's thread writes meanwhile

    log_in(browser, live_server, me)
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.get(f"{live_server}/work-orders/{wo.id}")
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "In progress"))
    # A refused completion lists the two required items (the whole page answered, at its version).
    browser.find_element(By.CSS_SELECTOR, "#wo-bar a[data-reveal]").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Complete work order']").click()
    missing = wait.until(ec.visibility_of_element_located((By.ID, "missing-items")))
    assert len(missing.find_elements(By.TAG_NAME, "li")) == 2
    browser.execute_script(RECORD)
    wait.until(lambda b: len(b.execute_script("return window.__polls")) >= 1)  # polling, every second here

    box = browser.find_element(By.ID, f"ci-{guard.id}-done")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "bar-progress"), "1 of 2 done"))
    # The page took the version its tick made (the counter's own value), and keeps it.
    wait.until(lambda b: b.find_element(By.ID, "live").get_attribute("data-live-version") == live.read(key))
    ticked_at = len(browser.execute_script("return window.__polls"))
    wait.until(lambda b: len(b.execute_script("return window.__polls")) >= ticked_at + 3)
    polls = browser.execute_script("return window.__polls")
    assert set(polls) == {204}, polls
    assert browser.execute_script("return window.__morphs") == 0
    assert "Done by" in browser.find_element(By.ID, f"ci-{guard.id}").text
    # No redraw drops the refusal's list now: the tick takes its item off it, the other stays.
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#missing-items a")] == ["Area swept"]
    browser.save_screenshot(str(SHOTS / "own-change-ticked-768x1024.png"))

    # A colleague's comment after the tick: the next poll brings it (200, one morph).
    r = client.post(f"/api/work-orders/{wo.id}/comments", json={"body": "Use the new seal kit"},
                    headers=colleague)
    assert r.status_code == 201
    wait.until(ec.text_to_be_present_in_element((By.ID, "wo-comments"), "Use the new seal kit"))
    assert 200 in browser.execute_script("return window.__polls")
    assert browser.execute_script("return window.__morphs") == 1
    assert browser.find_element(By.ID, "live").get_attribute("data-live-version") == live.read(key)
    # The last item ticked: the list is gone.
    box = browser.find_element(By.ID, f"ci-{swept.id}-done")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    wait.until(lambda b: not b.find_elements(By.ID, "missing-items"))
