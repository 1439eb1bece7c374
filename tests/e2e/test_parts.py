"""A manager receives stock, counts a part, marks a reorder ordered and receives it in two deliveries
(each after a confirmation step), in real Chromium."""
from __future__ import annotations

import factories
from sqlalchemy import select

from e2e.conftest import ARTIFACTS, log_in
from portal.models import Part, ReorderRequest, StockMovement
from portal.platform.extensions import db
from portal.schemas.parts import StockMovementCreate
from portal.services.inventory import parts as parts_service


def test_manager_receives_counts_and_handles_a_reorder(live_server, browser, users, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    manager = users.actor("north", "manager")
    seal = factories.part(manager, partNumber="SEAL-40", description="Mechanical seal 40 mm", category="Seals",
                          stockLevel=3, reorderPoint=5, supplier="Acme Seals", location="A-12-B")
    factories.part(manager, partNumber="BRG-6205", stockLevel=45, reorderPoint=10)
    belt = factories.part(manager, partNumber="BELT-A42", description="V-belt A42", category="Belts",
                          stockLevel=12, reorderPoint=10, reorderQuantity=20, autoReorder=True,
                          supplier="Gates")
    parts_service.record_stock_movement(manager, belt.id, StockMovementCreate(type="adjustment", quantity=-4))

    browser.set_window_size(768, 1024)
    log_in(browser, live_server, users["north"]["manager"])
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "My work"))
    browser.set_window_size(768, 1024)
    browser.get(live_server + "/parts")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.part.low")
    assert {r.find_element(By.CSS_SELECTOR, "th").text for r in rows} == {"SEAL-40", "BELT-A42"}
    assert all("Low stock" in r.text for r in rows)
    browser.save_screenshot(str(ARTIFACTS / "parts-list-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.save_screenshot(str(ARTIFACTS / "parts-list-1440x900.png"))
    browser.set_window_size(768, 1024)

    # Filter as you type: only the low-stock seals remain, without a page load.
    browser.find_element(By.ID, "f-q").send_keys("seal")
    wait.until(lambda d: "BRG-6205" not in d.find_element(By.ID, "results").text)
    assert "SEAL-40" in browser.find_element(By.ID, "results").text

    browser.find_element(By.LINK_TEXT, "SEAL-40").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "SEAL-40"))
    marker = browser.execute_script("return window.name = 'same-page'")  # survives only without a reload
    assert "Low stock" in browser.find_element(By.CSS_SELECTOR, ".level-box").text

    # Receive 10: the level, the low-stock marker and the ledger change in place.
    browser.find_element(By.ID, "f-quantity").send_keys("10")
    browser.find_element(By.ID, "f-note").send_keys("PO 4711")
    browser.find_element(By.CSS_SELECTOR, "#stock button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "stock-level"), "13"))
    assert "Low stock" not in browser.find_element(By.CSS_SELECTOR, ".level-box").text
    assert "PO 4711" in browser.find_element(By.ID, "ledger").text
    assert "Stock now 13" in browser.find_element(By.ID, "flash").text

    # Count the shelf: 11 found; the movement records the difference.
    browser.find_element(By.CSS_SELECTOR, "input[name=type][value=count]").click()
    browser.find_element(By.ID, "f-quantity").send_keys("11")
    browser.find_element(By.CSS_SELECTOR, "#stock button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "stock-level"), "11"))
    first_row = browser.find_element(By.CSS_SELECTOR, "#ledger tr").text
    assert "Count" in first_row and "-2" in first_row
    # A mistake shows next to its field.
    browser.find_element(By.CSS_SELECTOR, "input[name=type][value=adjustment]").click()
    browser.find_element(By.ID, "f-quantity").send_keys("-50")
    browser.find_element(By.CSS_SELECTOR, "#stock button[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "e-quantity")))
    assert "refused" in browser.find_element(By.ID, "e-quantity").text
    assert browser.execute_script("return window.name") == marker
    browser.save_screenshot(str(ARTIFACTS / "part-detail-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.save_screenshot(str(ARTIFACTS / "part-detail-1440x900.png"))
    browser.set_window_size(768, 1024)

    # The belt's reorder request: mark it ordered, then receive it.
    browser.get(live_server + "/parts/reorders")
    row = browser.find_element(By.CSS_SELECTOR, "tr.reorder")
    assert "BELT-A42" in row.text and "Open" in row.text
    browser.save_screenshot(str(ARTIFACTS / "reorders-768x1024.png"))
    row.find_element(By.XPATH, ".//button[normalize-space()='Mark ordered']").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "tr.reorder"), "Ordered"))
    assert "Marked ordered." in browser.find_element(By.ID, "flash").text
    # Receive: how many (what remains, prefilled), then a confirmation; 15 now, the 5 others later.
    browser.find_element(By.XPATH, "//tr[contains(@class,'reorder')]//a[normalize-space()='Receive 20…']").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Receive BELT-A42"))
    quantity = browser.find_element(By.ID, "f-quantity")
    assert quantity.get_attribute("value") == "20"
    quantity.clear()
    quantity.send_keys("15")
    browser.find_element(By.ID, "f-note").send_keys("DN 8812")
    browser.find_element(By.XPATH, "//button[normalize-space()='Next: check and confirm']").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Book 15 × BELT-A42 into stock?"))
    assert "5 stay to come" in browser.find_element(By.CSS_SELECTOR, "form.receive-confirm").text
    browser.save_screenshot(str(ARTIFACTS / "reorder-confirm-768x1024.png"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Confirm receipt of 15']").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "Received 15 of 20: 5 still to come."))
    row = browser.find_element(By.CSS_SELECTOR, "tr.reorder")
    assert "15 received · 5 to come" in row.text and "Ordered" in row.text
    row.find_element(By.XPATH, ".//a[normalize-space()='Receive 5…']").click()
    wait.until(ec.presence_of_element_located((By.ID, "f-quantity")))
    browser.find_element(By.XPATH, "//button[normalize-space()='Next: check and confirm']").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "the request closes"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Confirm receipt of 5']").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "tr.reorder"), "In stock"))
    assert "the reorder request is complete and closed" in browser.find_element(By.ID, "flash").text
    browser.save_screenshot(str(ARTIFACTS / "reorders-received-768x1024.png"))
    browser.set_window_size(1440, 900)
    browser.save_screenshot(str(ARTIFACTS / "reorders-1440x900.png"))
    browser.get(live_server + "/parts/new")
    browser.find_element(By.ID, "f-partNumber").send_keys("SEAL-40")  # taken: the error shows by the field
    browser.find_element(By.CSS_SELECTOR, "form.part-form button[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "e-partNumber")))
    browser.save_screenshot(str(ARTIFACTS / "part-new-1440x900.png"))
    browser.set_window_size(768, 1024)
    browser.save_screenshot(str(ARTIFACTS / "part-new-768x1024.png"))

    db.session.rollback()
    assert db.session.get(Part, seal.id).stock_level == 11
    assert db.session.get(Part, belt.id).stock_level == 8 + 20
    request = db.session.scalars(select(ReorderRequest).where(ReorderRequest.part_id == belt.id)).one()
    assert request.status == "received" and request.ordered_at is not None and request.received_quantity == 20
    receipt = db.session.get(StockMovement, request.stock_movement_id)
    assert (receipt.kind, receipt.quantity) == ("receipt", 5)
