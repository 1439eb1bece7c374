"""The technician without a network (issue 21), in a real chromium against the real server, through a
TCP proxy on 127.0.0.1 that the test cuts and restores (the service worker's own fetches lose the
network too, as on a plant floor):

- offline, a checklist tick and a comment are kept on the device and shown at once as waiting;
- a reload while offline renders My work and the work order from the device, saying so;
- back online, the outbox is sent and each change is on the server exactly once, even when the
  answer to the first try was lost on the way back;
- a change refused meanwhile (a manager completed the work order) is shown with the server's
  reason, and dropped only when the technician drops it.
Screenshots of the waiting state and of the outbox at 390x844 and 768x1024 (OFFLINE_SHOTS or
test-artifacts/)."""
from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path

from sqlalchemy import func, select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import ChecklistItem, WorkOrder
from portal.models.attachments import WorkOrderComment as Comment
from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler

SHOTS = Path(os.environ.get("OFFLINE_SHOTS", str(ARTIFACTS)))
CHECKLIST = [
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": False},
    {"id": "clean", "description": "Area cleaned", "type": "checkbox", "required": False},
]


class CuttableProxy:
    """127.0.0.1:<port> forwarded to the live server until cut(): then every open connection is
    closed and new ones are refused, as when Wi-Fi drops; restore() listens on the same port again."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        # Set: a connection that carried a POST gets no answer (closed instead), as when the network
        # drops after the server did the work: the device cannot know whether it happened.
        self.lose_post_answers = False
        self.port = 0
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            posted = threading.Event()
            for a, b, up in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pipe, args=(a, b, up, posted), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, up: bool, posted: threading.Event) -> None:
        try:
            while data := source.recv(65536):
                if up and data.startswith(b"POST "):
                    posted.set()
                if not up and posted.is_set() and self.lose_post_answers:
                    break  # the answer is lost on the way back
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()
        with self.lock:
            ends, self.open = list(self.open), set()
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


def _work_order(client, auth, users) -> tuple[str, dict[str, str]]:
    h = auth("north", "manager")
    tech = users.actor("north", "technician")
    pump = client.post("/api/equipment", json={"assetTag": "PMP-21", "location": "Cold store"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Pump PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30,
        "equipmentIds": [pump], "assignedTo": tech.id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    items = {i.item_key: i.id for i in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))}
    return wo_id, items


def _tap(browser, by: str, value: str) -> None:
    """Click where the screen shows it (centred: the sticky status bar covers the top edge)."""
    element = browser.find_element(by, value)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _comments(wo_id: str) -> int:
    db.session.rollback()  # a fresh read: the live server wrote meanwhile
    return db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.work_order_id == wo_id, Comment.body == "Seal weeping, tightened the gland."))


def _shots(browser, name: str, scroll_to: str | None = None) -> None:
    from selenium.webdriver.common.by import By

    for width, height in ((390, 844), (768, 1024)):
        browser.set_window_size(width, height)
        if scroll_to:
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                                   browser.find_element(By.CSS_SELECTOR, scroll_to))
        browser.save_screenshot(str(SHOTS / f"{name}-{width}x{height}.png"))
    browser.set_window_size(768, 1024)


def test_offline_changes_wait_then_reach_the_server_once(live_server, browser, users, client, auth, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    SHOTS.mkdir(parents=True, exist_ok=True)
    wo_id, items = _work_order(client, auth, users)
    proxy = CuttableProxy(int(live_server.rsplit(":", 1)[1]))
    base = f"http://127.0.0.1:{proxy.port}"
    try:
        log_in(browser, base, users["north"]["technician"])
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
        # The worker installed and kept My work, the outbox and the assigned work order.
        wait.until(lambda b: b.execute_script("return document.documentElement.getAttribute('data-device-copy-pages')") == "3")
        browser.get(f"{base}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Assigned"))
        assert browser.execute_script("return !!navigator.serviceWorker.controller")

        proxy.cut()
        browser.find_element(By.ID, "f-comment-body").send_keys("Seal weeping, tightened the gland.")
        _tap(browser, By.XPATH, "//button[normalize-space()='Post comment']")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "1 change waiting"))
        guard = f"ci-{items['guard']}"
        _tap(browser, By.ID, f"{guard}-done")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#{guard} .queued"), "Waiting to send"))
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "2 changes waiting"))
        assert "Comment: Seal weeping" in browser.find_element(By.CSS_SELECTOR, "#wo-comments .queued").text
        assert browser.find_element(By.ID, "toast").get_attribute("hidden")  # no "no connection" error

        # A reload without a network: My work and the work order from the device, saying so.
        browser.get(base + "/")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".device-copy"), "served from the device, as of"))
        assert "PMP-21" in browser.find_element(By.ID, "main").text
        browser.get(f"{base}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#{guard} .queued"), "Waiting to send"))
        assert browser.find_element(By.CSS_SELECTOR, ".device-copy").is_displayed()
        assert browser.find_element(By.ID, f"{guard}-done").is_selected()
        _shots(browser, "offline-waiting", scroll_to="#checklist")
        browser.get(base + "/outbox")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "2 waiting to send"))
        whats = browser.find_element(By.ID, "outbox-list").text
        assert "Ticked: Guard refitted" in whats and "Comment: Seal weeping, tightened the gland." in whats
        _shots(browser, "offline-outbox")

        # The network comes back but drops the answer of the first change sent: the server did it,
        # the device cannot know, and keeps it waiting.
        proxy.lose_post_answers = True
        proxy.restore()
        browser.find_element(By.XPATH, "//button[normalize-space()='Send now']").click()
        wait.until(lambda _: _comments(wo_id) == 1)
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "2 waiting to send"))
        proxy.cut()
        proxy.lose_post_answers = False

        # Back online: the next page load sends the queue, in order; the comment sent again with
        # its key gets the first answer, so each change is on the server once.
        proxy.restore()
        browser.get(base + "/outbox")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "Nothing waiting"))
        assert browser.find_element(By.ID, "outbox-count").get_attribute("hidden")
        db.session.rollback()  # a fresh read: the live server wrote meanwhile
        assert db.session.get(ChecklistItem, items["guard"]).done is True
        assert _comments(wo_id) == 1

        # Refused: offline, the other item is ticked; meanwhile a manager completes the order.
        browser.get(f"{base}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Assigned"))
        proxy.cut()
        clean = f"ci-{items['clean']}"
        _tap(browser, By.ID, f"{clean}-done")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "1 change waiting"))
        h = auth("north", "manager")
        assert client.patch(f"/api/work-orders/{wo_id}", json={"status": "completed"}, headers=h).status_code == 200
        proxy.restore()
        browser.get(base + "/outbox")
        refused = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#outbox-list li.refused")))
        assert "Ticked: Area cleaned" in refused.text
        assert "Refused: " in refused.text and "can no longer change" in refused.text
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "1 change refused"))
        _shots(browser, "offline-refused")
        db.session.rollback()  # a fresh read: the live server wrote meanwhile
        assert db.session.get(ChecklistItem, items["clean"]).done is False
        assert db.session.get(WorkOrder, wo_id).status == "completed"
        # Dropped only by the technician's choice.
        browser.find_element(By.XPATH, "//button[normalize-space()='Drop this change']").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "Nothing waiting"))
    finally:
        proxy.cut()
