"""The people work can be assigned to, kept in the process per warehouse (services/work_orders/reads.py
assignable_people) under the warehouse's people version (platform/people.py): what the board's
whole page lists; a committed change of a user shows at the next read, a rolled back one changes
nothing, another warehouse's change leaves the list kept."""
from __future__ import annotations

from sqlalchemy import event, insert

from portal.models import User
from portal.models.types import new_id
from portal.platform import people
from portal.platform.extensions import db
from portal.schemas.users import UserUpdate
from portal.services.identity import auth as auth_service
from portal.services.identity import users as user_service
from portal.services.work_orders import reads


def statements_of(call) -> tuple[object, int]:
    """call()'s answer and the SELECTs it ran."""
    seen: list[str] = []

    def listener(*args) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return call(), len([sql for sql in seen if sql.lstrip().upper().startswith("SELECT")])
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_the_list_is_labels_people_read_again_only_after_a_change(app, users):
    manager = users.actor("north", "manager")
    wid = manager.warehouse_id
    first = reads.assignable_people(manager)
    assert first == reads.labels(manager, people=True).people
    again, n = statements_of(lambda: reads.assignable_people(manager))
    assert again == first and n == 0

    # A new technician (committed through the ORM) moves the version: the next read lists them.
    before = people.version(wid)
    new = auth_service.create_user("newtech@north.example.com", "a long enough password", "technician",
                                   "North Plant", name="Aaron New", actor=users.actor("north", "admin"))
    assert people.version(wid) != before
    listed, n = statements_of(lambda: reads.assignable_people(manager))
    assert (new.id, "Aaron New") in listed and n == 1

    # Deactivated: gone from the list at the next read.
    user_service.update_user(users.actor("north", "admin"), new.id, UserUpdate.model_validate({"active": False}))
    assert new.id not in dict(reads.assignable_people(manager))

    # Another warehouse's change leaves this one's version (and list) alone.
    version = people.version(wid)
    user_service.update_user(users.actor("south", "admin"), users["south"]["technician"].id,
                             UserUpdate.model_validate({"name": "Renamed"}))
    assert people.version(wid) == version
    assert statements_of(lambda: reads.assignable_people(manager))[1] == 0


def test_a_bulk_insert_bumps_the_warehouses_it_writes_to(app, users):
    north, south = (users[w]["manager"].warehouse_id for w in ("north", "south"))
    manager = users.actor("north", "manager")
    assert "Bulk" not in dict(reads.assignable_people(manager)).values()  # kept from here
    versions = people.version(north), people.version(south)
    db.session.execute(insert(User), [{"id": new_id(), "email": "bulk@north.example.com", "name": "Bulk",
                                       "password_hash": "x", "role": "technician", "warehouse_id": north,
                                       "active": True, "totp_secret": "JBSWY3DPEHPK3PXP"}])
    db.session.commit()
    assert people.version(north) != versions[0] and people.version(south) == versions[1]
    assert "Bulk" in dict(reads.assignable_people(manager)).values()


def test_a_rolled_back_change_bumps_nothing(app, users):
    wid = users["north"]["manager"].warehouse_id
    version = people.version(wid)
    user = db.session.get(User, users["north"]["technician"].id)
    user.name = "Not kept"
    db.session.flush()
    db.session.rollback()
    assert people.version(wid) == version
