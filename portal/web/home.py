"""`/`: My work."""
from __future__ import annotations

from flask_login import current_user, login_required

from ..models.types import utcnow
from ..services.actor import Actor
from ..services.my_work import my_work as my_work_query
from . import web
from .rendering import render
from .timefmt import zone


@web.get("/")
@login_required
def my_work():
    tz = zone(current_user.warehouse.timezone)
    work = my_work_query(Actor.of(current_user.user), now=utcnow(), tz=tz)
    return render("web/my_work.html", work=work, tz=tz)
