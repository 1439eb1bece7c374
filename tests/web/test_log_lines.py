"""LOG_FORMAT=text (`make run`): an open page's live-update polls that find nothing new print no line."""
from __future__ import annotations

import logging

import pytest


@pytest.fixture
def access_lines():
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep()
    logger = logging.getLogger("maintainpro.access")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_a_live_poll_that_found_nothing_is_no_text_line(app, client, users, portal_login, access_lines):
    app.config["LOG_FORMAT"] = "text"
    portal_login(users["north"]["manager"])
    changed = client.get("/work-orders/changes")
    assert changed.status_code == 200
    assert client.get("/work-orders/changes", query_string={"since": changed.headers["X-Live-Version"]}).status_code == 204
    # "14:02:07 GET /work-orders/changes 200 12 ms": the poll that brought rows, not the empty one.
    assert [line.split(" ")[1:4] for line in access_lines] == [["GET", "/work-orders/changes", "200"]]
