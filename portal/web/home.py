"""`/`: My work."""
from __future__ import annotations

from flask_login import current_user, login_required

from portal.models.types import utcnow
from portal.services.common.actor import Actor
from portal.services.work_orders.my_work import my_work as my_work_query
from portal.web.blueprint import web
from portal.web.rendering import render
from portal.web.timefmt import zone


@web.get("/")
@login_required
def my_work():
    tz = zone(current_user.warehouse.timezone)
    work = my_work_query(Actor.of(current_user.user), now=utcnow(), tz=tz)
    return render("web/my_work.html", work=work, tz=tz)
