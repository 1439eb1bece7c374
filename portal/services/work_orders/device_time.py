"""Times from the device: a tick or a timer made offline happened when the technician did it, not
when the queue reached the server. The device's clock is believed within bounds; outside them the
time the server received the action stands (the work is never refused for a clock)."""
from __future__ import annotations

from datetime import datetime, timedelta

# A device clock a little ahead of the server's is normal; beyond this it is wrong.
DEVICE_CLOCK_SKEW = timedelta(minutes=2)


def accepted_time(device_at: datetime | None, *, not_before: datetime, received: datetime) -> datetime:
    """`device_at` when believable: not after `received` + DEVICE_CLOCK_SKEW (and then never later
    than `received`), not before `not_before` (the work order's creation). Else `received`."""
    if device_at is None or device_at > received + DEVICE_CLOCK_SKEW or device_at < not_before:
        return received
    return min(device_at, received)
