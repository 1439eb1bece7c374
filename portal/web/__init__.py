"""The HTMX portal: server-rendered pages on the same services as the API.

Conventions (see README "Portal"): views parse forms with forms.form_model, answer with
rendering.render (page or block), never hold business rules, and log in through Flask-Login on
the same AuthSession rows as API tokens (session.py). Errors render in the base layout (errors.py,
from the handlers in portal/error_handlers.py).
"""
from __future__ import annotations

from flask import Flask

from portal.web.blueprint import web

__all__ = ["register_web", "web"]


def register_web(app: Flask) -> None:
    from portal.models.enums import WORK_ORDER_STATUS
    from portal.platform.extensions import csrf
    from portal.services.work_orders import readings
    from portal.web import (  # noqa: F401  (routes register on import)
        acting,
        admin_console,
        admin_warehouse,
        asset_tree,
        assets,
        board,
        failure_codes,
        hold_reasons,
        home,
        idempotency,
        imports,
        live_poll,
        notifications,
        offline,
        pickers,
        planner,
        report,
        scan,
        session,
        signoff,
        timefmt,
        work_order_checklists,
        work_order_extras,
    )
    from portal.web import kpis as kpi_views  # noqa: F401  (KPI dashboard)
    from portal.web import login as login_views  # noqa: F401
    from portal.web import my_requests as my_request_views  # noqa: F401  (a requester's own requests)
    from portal.web import parts as stock_views  # noqa: F401  (stock pages)
    from portal.web import pm as pm_views  # noqa: F401  (PM template list and editor)
    from portal.web import requests as request_views  # noqa: F401  (the requests inbox)
    from portal.web import work_orders as work_order_views  # noqa: F401

    csrf.init_app(app)
    session.init_login(app)
    app.register_blueprint(web)
    # Quiet live polls (most of a plant's requests) answered before Flask builds a request.
    app.wsgi_app = live_poll.QuietPolls(app, app.wsgi_app)  # type: ignore[method-assign]

    @app.context_processor
    def _portal_context() -> dict:
        from flask_login import current_user

        # As the request started (acting.py): a page rendered after a commit reads no user again.
        zone_name, mark = acting.request_place() if current_user.is_authenticated else (None, ".")
        tz = timefmt.zone(zone_name)
        # The plant's decimal mark: readings are shown back as its people write them ("65,5").
        # The header's bell (templates/notifications/_bell.html): read only when a page draws it,
        # never for a fragment (a board's live refresh renders no header).
        return {"tz": tz, "decimal_mark": mark, "pending_requests": _pending_requests,
                "bell": notifications.header_bell}

    def _pending_requests() -> int | None:
        """The nav's count of requests waiting in the inbox (managers and admins; None: no link),
        read only by the layout that shows it."""
        from flask_login import current_user

        from portal.platform import header_counts
        from portal.services.common.actor import Actor
        from portal.services.identity.permissions import can
        from portal.services.work_orders.requests import pending_count

        if not current_user.is_authenticated:
            return None
        actor = Actor.of(current_user.user)
        if not can(actor, "requests.review"):
            return None
        # The same for every reviewer of the warehouse: counted again only after its requests changed.
        return header_counts.cached(header_counts.requests_key(actor.warehouse_id),
                                    f"{header_counts.PREFIX}:pending:{actor.warehouse_id}",
                                    lambda: pending_count(actor))[1]

    app.add_template_filter(lambda value, tz: timefmt.when(value, tz), "when")
    app.add_template_filter(lambda value, tz: timefmt.due_state(value, tz), "due_state")
    app.add_template_filter(lambda value, tz: timefmt.local_input(value, tz), "local_input")
    app.add_template_filter(readings.format_reading, "reading")
    app.add_template_filter(readings.limits, "limits")
    # One wording of a work order's status everywhere ("In progress"), as the selects show it.
    app.add_template_filter(WORK_ORDER_STATUS.label, "wo_status")
