"""The board's rows write out the forms macros' markup for their three controls (priority, assignee,
due date): a hundred rows made three hundred macro calls, half the board's CPU. A row answered with
errors still calls the macros; these tests keep the two alike, so a change to a macro shows here."""
from __future__ import annotations

from datetime import timedelta

import factories
import pytest
from jinja2_fragments.flask import render_block

from portal.models.enums import PRIORITY
from portal.models.types import utcnow
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders import reads
from portal.services.work_orders.board_views import COLUMNS
from portal.web.timefmt import zone


@pytest.fixture
def row(app, users):
    """render(row_errors, row_form): the board row of an open, assigned work order with a due date."""
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    pump = factories.equipment(manager, assetTag="PUMP-1", location="Hall A")
    wo = factories.work_order(manager, title="Seal <leaking>", equipmentId=pump.id, priority="high",
                              assignedTo=tech.id, dueDate=(utcnow() - timedelta(days=2)).isoformat())
    wo = work_order_service.get_work_order(manager, wo.id)
    other = users["north"]["technician2"]
    labels = reads.labels(manager, user_ids={tech.id, other.id}, equipment_ids={pump.id})

    def render(errors: dict, given: dict) -> str:
        with app.test_request_context("/work-orders"):
            return render_block("work_orders/board.html", "row", wo=wo, priorities=PRIORITY.options,
                                assets=labels.assets, names=labels.names, columns=list(COLUMNS), here="q=x",
                                tz=zone(None), row_errors=errors, row_form=given)

    return render, other.id


@pytest.mark.parametrize("given", [{}, "other", {"priority": "low", "dueDate": "2030-01-02T03:04"}])
def test_a_row_without_errors_is_the_macros_markup(row, given):
    render, other = row
    given = {"assignedTo": other} if given == "other" else given
    # An error of no field of the row: the macros render the controls, with no error shown.
    assert render({}, given) == render({"elsewhere": "not shown"}, given)
    assert 'selected>Low' in render({}, {"priority": "low"}) and 'overdue</strong>' in render({}, given)


def test_a_rows_field_error_is_still_placed_by_the_macro(row):
    render, _ = row
    html = render({"priority": "Pick a priority"}, {"priority": "urgent"})
    assert 'aria-invalid="true"' in html and 'id="e-priority-' in html and "Pick a priority" in html


@pytest.mark.parametrize("root", ["", "/cmms"])
def test_row_url_is_url_for_with_the_id(app, root):
    """row_url() builds a route's URL once per request and puts each id in it: the same as url_for,
    under an application root too."""
    from flask import url_for

    from portal.web.board import row_url

    ids = ["5f0c8a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6", "00000000-0000-0000-0000-0000000000ab"]
    with app.test_request_context("/work-orders", base_url=f"http://localhost{root}/"):
        for endpoint in ("web.work_order_page", "web.board_edit", "web.board_move"):
            for wo_id in ids:
                assert row_url(endpoint, wo_id) == url_for(endpoint, work_order_id=wo_id)
        assert row_url("web.board_edit", ids[0]).startswith(f"{root}/work-orders/")
