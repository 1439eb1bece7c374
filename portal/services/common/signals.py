"""The domain's signals, sent by the services; the rules that receive them are connected in
portal/wiring.py (none connects itself on import).

Receivers run inside the sender's unit of work, in the order wiring.py connects them: whatever
they write commits with the change, and a receiver that raises rolls the whole change back.
"""
from __future__ import annotations

from portal.platform.signals import signals

work_order_completing = signals.signal("work_order.completing", doc="""\
Sent by services/work_orders/lifecycle.py when a change completes a work order, before anything of
the change is applied: sender is the WorkOrder (still in its old status), keywords `actor` and
`now`. A receiver refuses the completion by raising a DomainError (the change is not made).""")

work_order_completed = signals.signal("work_order.completed", doc="""\
Sent by services/work_orders/lifecycle.py after a work order was completed (completed_at set,
history and events recorded), inside the same transaction: sender is the WorkOrder, keywords
`actor` and `now`.""")

event_recorded = signals.signal("event.recorded", doc="""\
Sent by services/common/events.py for each domain event recorded, inside the transaction of the
change: sender is the DomainEvent row (added to the session, not yet committed).""")

warehouse_created = signals.signal("warehouse.created", doc="""\
Sent by services/identity/auth.py when it creates a warehouse, inside the creating transaction:
sender is the new Warehouse (added to the session).""")
