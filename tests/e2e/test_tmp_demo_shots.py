"""Temporary (not committed): the demo plant's KPI page and drill-downs at three sizes."""
from __future__ import annotations

import base64
from pathlib import Path

import pyotp

from e2e.sweep import at_size

OUT = Path("/tmp/shots/bad-actors")


def test_demo_shots(live_server, browser, app):
    from selenium.webdriver.common.by import By
    from sqlalchemy import select

    from portal import demo
    from portal.models import Equipment, User
    from portal.platform.extensions import db

    demo.seed()
    manager = db.session.scalars(select(User).where(User.email == "manager@demo.maintainpro.test")).one()
    comp = db.session.scalars(select(Equipment).where(Equipment.asset_tag == "COMP-103")).one()
    browser.get(live_server + "/login")
    browser.find_element(By.ID, "f-email").send_keys(manager.email)
    browser.find_element(By.ID, "f-password").send_keys(demo.DEMO_PASSWORD)
    browser.find_element(By.ID, "f-code").send_keys(pyotp.TOTP(manager.totp_secret).now())
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    OUT.mkdir(parents=True, exist_ok=True)
    pages = {"kpis": "/kpis?days=365", "bad-actor": f"/kpis/bad-actors/{comp.id}?days=365",
             "schedule": "/kpis/schedule-compliance?days=30", "planned-work": "/kpis/planned-work?days=30",
             "backlog-cw": "/kpis/backlog-crew-weeks?days=30", "break-in": "/kpis/break-in?days=30",
             "planner": "/planner"}
    wide = []
    for width in (390, 768, 1440):
        at_size(browser, width)
        for name, path in pages.items():
            browser.get(live_server + path)
            if width == 390 and name == "kpis":
                browser.find_element(By.CSS_SELECTOR, ".menu-button").click()
            shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            (OUT / f"{name}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
            sw = browser.execute_script("return document.documentElement.scrollWidth")
            if sw > width:
                wide.append((name, width, sw))
    assert not wide, wide
