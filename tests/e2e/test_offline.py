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

from selenium.common.exceptions import TimeoutException
from sqlalchemy import func, select

from e2e.conftest import ARTIFACTS, log_in, waiter
from portal.models import ChecklistItem, WorkOrder
from portal.models.attachments import WorkOrderComment as Comment
from portal.models.types import utcnow
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
        # Set to n: the n-th POST from now reaches the server, its answer is lost and the network
        # drops there (a replay cut in the middle); `dropped` is set then.
        self.drop_at_post: int | None = None
        self.posts = 0
        self.dropped = threading.Event()
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
            posted, doomed = threading.Event(), threading.Event()
            for a, b, up in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pipe, args=(a, b, up, posted, doomed), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, up: bool, posted: threading.Event,
              doomed: threading.Event) -> None:
        try:
            while data := source.recv(65536):
                if up and data.startswith(b"POST "):
                    posted.set()
                    with self.lock:
                        self.posts += 1
                        if self.drop_at_post is not None and self.posts == self.drop_at_post:
                            doomed.set()
                if not up and posted.is_set() and self.lose_post_answers:
                    break  # the answer is lost on the way back
                if not up and doomed.is_set():
                    self.drop_at_post = None
                    threading.Thread(target=self._drop, daemon=True).start()
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def _drop(self) -> None:
        self.cut()
        self.dropped.set()

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


def _work_order(client, auth, users, tag: str = "PMP-21", checklist: list[dict] = CHECKLIST) -> tuple[str, dict[str, str]]:
    """A PM work order on pump `tag` assigned to north's technician, and its checklist items' ids by key."""
    h = auth("north", "manager")
    tech = users.actor("north", "technician")
    pump = client.post("/api/equipment", json={"assetTag": tag, "location": "Cold store"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Pump PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30,
        "equipmentIds": [pump], "assignedTo": tech.id, "checklist": checklist})
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


def _shots(browser, name: str, scroll_to: str | None = None, *, only_asked: bool = False) -> None:
    """`name`-390x844.png and -768x1024.png; `only_asked`: only when OFFLINE_SHOTS names a folder (a
    resize and a screenshot cost about half a second: the journey's own pictures are taken on demand)."""
    from selenium.webdriver.common.by import By

    if only_asked and "OFFLINE_SHOTS" not in os.environ:
        return
    for width, height in ((390, 844), (768, 1024)):
        browser.set_window_size(width, height)
        if scroll_to:
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                                   browser.find_element(By.CSS_SELECTOR, scroll_to))
        browser.save_screenshot(str(SHOTS / f"{name}-{width}x{height}.png"))
    browser.set_window_size(768, 1024)


def test_offline_changes_wait_then_reach_the_server_once(live_server, browser, users, client, auth, wait, app):
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
        app.config["LIVE_POLL_SECONDS"] = 1  # the page's live refresh, every second from its next load
        browser.get(f"{base}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Assigned"))
        proxy.cut()
        clean = f"ci-{items['clean']}"
        _tap(browser, By.ID, f"{clean}-done")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "1 change waiting"))
        wait.until(ec.text_to_be_present_in_element((By.ID, "bar-progress"), "2 of 2 done"))  # the count follows
        h = auth("north", "manager")
        assert client.patch(f"/api/work-orders/{wo_id}", json={"status": "completed"}, headers=h).status_code == 200
        # The network is back before the queue is sent: the live refresh brings the completed order,
        # and the tick made here stays ticked, counted and said to be waiting.
        proxy.restore()
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Completed"))
        assert "Waiting to send · Ticked: Area cleaned" in browser.find_element(By.CSS_SELECTOR, f"#{clean} .queued").text
        assert browser.find_element(By.ID, f"{clean}-done").is_selected()
        assert "2 of 2 done" in browser.find_element(By.ID, "bar-progress").text
        browser.get(base + "/outbox")
        refused = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#outbox-list li.refused")))
        assert "Ticked: Area cleaned" in refused.text
        assert "Refused: " in refused.text and "can no longer change" in refused.text
        # The choice: fix it on the work order (a link to it), send it again, or drop it.
        assert refused.find_element(By.LINK_TEXT, "Fix on the work order").get_attribute("href").endswith(f"/work-orders/{wo_id}")
        assert "Send again" in refused.text
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


JOURNEY = [
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
    {"id": "temp", "description": "Bearing temperature", "type": "measurement", "unit": "°C", "min": 10, "max": 60},
]


def _device(browser, script: str):
    """Run `script` (a promise's body, `done` its callback) in the page."""
    return browser.execute_async_script("const done = arguments[arguments.length - 1];" + script)


def _static_versions(browser) -> list[str]:
    return _device(browser, "caches.keys().then(k => done(k.filter(n => n.startsWith('mp-static-')).sort()));")


def _png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (64, 48), (200, 40, 40)).save(path)
    return path


def test_the_whole_journey_offline_then_once_on_the_server(live_server, browser, users, client, auth, wait, app,
                                                          tmp_path):
    """Start, a tick and an out-of-range reading with its follow-up, a part from the device's catalogue
    and one requested, the timer started and stopped, a comment, a photo, complete: all offline, drawn
    at once from the queue; a reload without a network reads My work, the work order (with its photo's
    thumbnail) and a work order opened earlier from the device; a new release reaches the device while
    the queue waits; the replay is cut in the middle; every change is on the server once (the API says)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    h = auth("north", "manager")
    wo_id, items = _work_order(client, auth, users, "PMP-22", JOURNEY)
    shelf = client.post("/api/parts", headers=h, json={"partNumber": "SEAL-40", "description": "Gland seal",
                                                       "stockLevel": 5, "unitCost": "4.00"}).json["id"]
    gone = client.post("/api/parts", headers=h, json={"partNumber": "BRG-6205", "description": "Bearing",
                                                      "stockLevel": 0, "unitCost": "9.00"}).json["id"]
    with _png(tmp_path / "before.png").open("rb") as before:
        assert client.post(f"/api/work-orders/{wo_id}/attachments", headers=h,
                           data={"file": (before, "before.png")}).status_code == 201
    other = client.post("/api/work-orders", headers=h, json={"title": "Door closer loose", "priority": "low",
                                                              "type": "corrective"}).json["id"]
    proxy = CuttableProxy(int(live_server.rsplit(":", 1)[1]))
    base = f"http://127.0.0.1:{proxy.port}"
    try:
        log_in(browser, base, users["north"]["technician"])
        wait.until(lambda b: b.execute_script("return document.documentElement.getAttribute('data-device-copy-pages')") == "3")
        browser.get(f"{base}/work-orders/{other}")  # opened once, not assigned: kept as a recent one
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Door closer loose"))
        browser.get(f"{base}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.ID, "wo-status"), "Assigned"))
        wait.until(lambda b: _device(b, f"caches.open('mp-pages').then(c => c.match('/work-orders/{other}')).then(r => done(!!r));"))
        old_versions = _static_versions(browser)
        assert len(old_versions) == 1
        proxy.cut()
        started = utcnow()

        # Start work: the bar says what the device holds and offers the next step.
        _tap(browser, By.XPATH, "//button[normalize-space()='Start work']")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#wo-bar .queued"), "Waiting to send · Start work"))
        assert browser.find_element(By.ID, "wo-status").text == "In progress"
        assert browser.find_element(By.CSS_SELECTOR, "#wo-bar a[data-reveal]").text == "Complete…"
        # A tick: the status bar's count follows it.
        _tap(browser, By.ID, f"ci-{items['guard']}-done")
        wait.until(ec.text_to_be_present_in_element((By.ID, "bar-progress"), "1 of 2 done"))
        assert "all required done" in browser.find_element(By.ID, "bar-progress").text
        # A reading out of range: flagged here, and its follow-up asked for at once.
        temp = f"ci-{items['temp']}"
        browser.find_element(By.ID, f"{temp}-value").send_keys("75")
        _tap(browser, By.CSS_SELECTOR, f"#{temp} button[type=submit]")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#{temp} .check-state"), "Out of range on this device: 75"))
        wait.until(ec.text_to_be_present_in_element((By.ID, "bar-progress"), "2 of 2 done"))
        _tap(browser, By.CSS_SELECTOR, f"#{temp} .follow-up-button")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "4 changes waiting"))
        # Parts: the picker lists the device's catalogue, in stock first; one used, one requested.
        _tap(browser, By.ID, "f-partQ")
        wait.until(ec.text_to_be_present_in_element((By.ID, "part-options"), "No network: parts as kept on this device"))
        options = browser.find_element(By.ID, "part-options").text
        assert options.index("SEAL-40") < options.index("Out of stock: request them") < options.index("BRG-6205")
        browser.find_element(By.ID, "f-quantityUsed").clear()
        browser.find_element(By.ID, "f-quantityUsed").send_keys("2")
        ask = "#part-options button.ask[aria-label='Request 2 BRG-6205']"  # the list again, for 2
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ask)))
        _tap(browser, By.CSS_SELECTOR, f"#part-options input[value='{shelf}']")
        _tap(browser, By.CSS_SELECTOR, "#parts button.add-part")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#parts .queued"), "Part used: SEAL-40 × 2"))
        _tap(browser, By.CSS_SELECTOR, ask)
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "6 changes waiting"))
        _shots(browser, "offline-parts", scroll_to="#part-options", only_asked=True)
        # The timer runs on the device, and its stop says what it books.
        _tap(browser, By.XPATH, "//button[normalize-space()='Start timer']")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#labor .running"), "Timer running on this device since"))
        elapsed = browser.find_element(By.CSS_SELECTOR, "#labor .elapsed")
        wait.until(lambda _: elapsed.text not in ("", "0:00:00"))  # it ticks
        _tap(browser, By.XPATH, "//button[normalize-space()='Stop timer and book']")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#labor .booked"), "Stopped on this device: 1 min, booked when sent"))
        # A comment and a photo (kept as a blob, shown from the device).
        browser.find_element(By.ID, "f-comment-body").send_keys("Gland seal replaced, bearing runs hot.")
        _tap(browser, By.XPATH, "//button[normalize-space()='Post comment']")
        browser.find_element(By.ID, "f-photo-file").send_keys(str(_png(tmp_path / "after.png")))
        _tap(browser, By.XPATH, "//button[normalize-space()='Attach photo']")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#wo-photos .queued"), "Photo: after.png"))
        assert browser.execute_script("return document.querySelector('#wo-photos .queued-photo').naturalWidth") == 64
        # Complete.
        _tap(browser, By.CSS_SELECTOR, "#wo-bar a[data-reveal]")
        browser.find_element(By.ID, "f-completionNotes").send_keys("Seal replaced; follow-up for the bearing.")
        _tap(browser, By.XPATH, "//button[normalize-space()='Complete work order']")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-count"), "11 changes waiting"))
        assert browser.find_element(By.ID, "wo-status").text == "Completed"
        assert browser.find_element(By.ID, "toast").get_attribute("hidden")

        # A reload without a network: all of it again, from the device, saying how old it is.
        browser.get(base + "/")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".device-copy"), "served from the device, as of"))
        assert "PMP-22" in browser.find_element(By.ID, "main").text
        _shots(browser, "offline-my-work", only_asked=True)
        browser.get(f"{base}/work-orders/{wo_id}")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#labor .booked"), "booked when sent"))
        assert browser.find_element(By.ID, "wo-status").text == "Completed"
        assert "2 of 2 done" in browser.find_element(By.ID, "bar-progress").text
        assert browser.find_element(By.ID, f"ci-{items['guard']}-done").is_selected()
        browser.execute_script("document.getElementById('wo-photos').scrollIntoView()")  # the thumbnail loads lazily
        wait.until(lambda b: b.execute_script("return document.querySelector('#wo-photos .photos img').naturalWidth") > 0)
        _shots(browser, "offline-work-order", scroll_to="#checklist", only_asked=True)
        _shots(browser, "offline-work-order-labor", scroll_to="#labor", only_asked=True)
        browser.get(f"{base}/work-orders/{other}")
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".device-copy"), "served from the device"))
        assert "Door closer loose" in browser.find_element(By.TAG_NAME, "h1").text

        # A new release while the device is offline; the network comes back and drops in the middle
        # of the replay (the follow-up's answer lost); the next load brings the new worker, and the
        # queue, still on the device, is sent: each change once.
        app.config["RELEASE"] = "next"
        app.config["OFFLINE_DEVICE_BYTES"] = 1  # and with it, storage as short as it gets
        browser.get(base + "/outbox")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "11 waiting to send"))
        _shots(browser, "offline-outbox-journey", only_asked=True)
        proxy.posts, proxy.drop_at_post = 0, 4
        proxy.restore()
        _tap(browser, By.XPATH, "//button[normalize-space()='Send now']")
        assert proxy.dropped.wait(30)
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "8 waiting to send"))
        back = utcnow()
        proxy.restore()
        browser.get(base + "/outbox")
        wait.until(ec.text_to_be_present_in_element((By.ID, "outbox-summary"), "Nothing waiting"))
        assert not browser.find_element(By.ID, "outbox-send").is_displayed()  # no "Send now" with nothing to send
        # The new worker took over: its release's files kept, the old release's gone (the queue was not).
        # The new worker installs (fetching the release's static files through the proxy) and takes over.
        # Each page load asks the browser to compare /sw.js once; an install that lost the race with the
        # replay's requests is tried again on the next load, as a technician's next page would.
        for _attempt in range(4):
            with contextlib.suppress(TimeoutException):
                waiter(browser, 20).until(lambda b: len(versions := _static_versions(b)) == 1
                                          and versions != old_versions)
                break
            # A load held up behind the install (a busy machine) ends after 30 s and the next attempt
            # loads again, instead of chromedriver's own two minutes failing the journey.
            browser.set_page_load_timeout(30)
            try:
                with contextlib.suppress(TimeoutException):
                    browser.get(base + "/outbox")
            finally:
                browser.set_page_load_timeout(300)
        assert len(_static_versions(browser)) == 1 and _static_versions(browser) != old_versions
        assert browser.execute_script("return !!navigator.serviceWorker.controller")
        # Under the new bound, the next page stored prunes: the work order opened but not assigned
        # goes, the assigned one (on the server's list, kept on the device) stays.
        browser.get(base + "/")
        pages = f"caches.open('mp-pages').then(c => Promise.all(['/work-orders/{other}', '/work-orders/{wo_id}', '/']" \
                ".map(p => c.match(p)))).then(r => done(r.map(Boolean)));"
        wait.until(lambda b: _device(b, pages) == [False, True, True])

        db.session.rollback()  # the test's reads start after the live server's writes
        wo = client.get(f"/api/work-orders/{wo_id}?expand=parts,checklist,labor,comments", headers=h).json
        assert wo["status"] == "completed" and wo["completionNotes"] == "Seal replaced; follow-up for the bearing."
        checks = {c["itemId"]: c for c in wo["checklist"]}
        assert checks["guard"]["done"] is True and checks["temp"]["value"] == 75 and checks["temp"]["flagged"] is True
        assert started <= _utc(checks["guard"]["doneAt"]) <= back  # ticked at the device's time
        assert [(p["partId"], p["quantity"]) for p in wo["parts"]] == [(shelf, 2)]
        assert client.get(f"/api/parts/{shelf}", headers=h).json["stockLevel"] == 3
        [labor] = wo["labor"]
        assert labor["minutes"] == 1 and started <= _utc(labor["performedAt"]) <= back  # the device's start
        assert [c["body"] for c in wo["comments"]] == ["Gland seal replaced, bearing runs hot."]
        photos = client.get(f"/api/work-orders/{wo_id}/attachments", headers=h).json
        assert sorted(p["filename"] for p in _rows(photos)) == ["after.png", "before.png"]
        asked = _rows(client.get(f"/api/work-orders/{wo_id}/part-requests", headers=h).json)
        assert [(r["partId"], r["quantity"]) for r in asked] == [(gone, 2)]
        assert len(_rows(client.get(f"/api/work-orders/{wo_id}/follow-ups", headers=h).json)) == 1
    finally:
        proxy.cut()


def _rows(body):
    return body["data"] if isinstance(body, dict) else body


def _utc(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
