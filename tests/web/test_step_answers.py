"""A work order step's answer shows its section exactly as the whole page does, read on its own
(portal/web/work_orders.py _parts_context, _labor_context: not the page's detail_context); and the
request's snapshot of the person (portal/web/acting.py) never outlives its request."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from portal.models import User
from portal.platform.extensions import db
from portal.services.work_orders import reads
from web.conftest import csrf_from

HX = {"HX-Request": "true"}
CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=|name="csrf_token" value=)"[^"]*"')


def section(html: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert found, f"no #{section_id} in the answer"
    return CSRF_VALUE.sub(r'\1""', found.group(0))  # a token per rendering: not what is compared


@pytest.fixture
def job(job, client):
    """The technician's work order (web/conftest.py), with the page's CSRF token."""
    return {**job, "csrf": csrf_from(client.get(f"/work-orders/{job['id']}").get_data(as_text=True))}


def test_the_part_answer_is_the_pages_parts_section(client, job):
    for quantity in ("2", "1"):  # the second line: the table and its total, not only the first row
        answer = client.post(f"/work-orders/{job['id']}/parts", headers={**HX, "X-CSRFToken": job["csrf"]},
                             data={"partId": job["part"], "quantityUsed": quantity})
        assert answer.status_code == 200
    page = client.get(f"/work-orders/{job['id']}").get_data(as_text=True)
    shown = section(answer.get_data(as_text=True), "parts")
    assert "BRG-6205" in shown and "Bearing" in shown and 'id="parts-cost"' in shown
    assert shown == section(page, "parts")


def test_the_labor_answer_is_the_pages_labor_section(client, users, job):
    for minutes in ("30", "45"):
        answer = client.post(f"/work-orders/{job['id']}/labor", headers={**HX, "X-CSRFToken": job["csrf"]},
                             data={"action": "book", "minutes": minutes})
        assert answer.status_code == 200
    page = client.get(f"/work-orders/{job['id']}").get_data(as_text=True)
    shown = section(answer.get_data(as_text=True), "labor")
    tech = users["north"]["technician"]
    assert "1 h 15 min" in shown and (tech.name or tech.email) in shown
    assert shown == section(page, "labor")


def test_a_refused_part_keeps_its_answer_in_the_section(client, job):
    answer = client.post(f"/work-orders/{job['id']}/parts", headers={**HX, "X-CSRFToken": job["csrf"]},
                         data={"partId": job["part"], "quantityUsed": "11"})
    assert answer.status_code == 422
    shown = section(answer.get_data(as_text=True), "parts")
    assert "10 in stock, 11 requested" in shown and "No parts used yet." in shown


def test_the_sections_read_only_the_actors_warehouse(users, job):
    """Another warehouse's actor reading a work order id it cannot see gets nothing from either read."""
    south = users.actor("south", "manager")
    assert reads.parts_section(south, job["id"]).consumed == []
    assert reads.labor_section(south, job["id"]) == ([], {})


def test_a_role_changed_between_two_requests_shows_on_the_next(client, users, job):
    """The snapshot is dropped with its request: the app context the tests keep across requests
    does not hand the technician's role to the next request after a promotion."""
    estimate = "Change the estimate"
    assert estimate not in client.get(f"/work-orders/{job['id']}").get_data(as_text=True)
    db.session.execute(update(User).where(User.id == users["north"]["technician"].id).values(role="manager"))
    db.session.commit()
    assert estimate in client.get(f"/work-orders/{job['id']}").get_data(as_text=True)
