"""Named signals (blinker) whose receivers run in the order they were connected.

Every cross-domain rule is a receiver of such a signal, connected in portal/wiring.py; the signals
are declared where they are sent (platform/database.py: committed; services/common/signals.py: the
domain's). blinker calls a signal's receivers in an undefined order unless the signal's `set_class`
keeps insertion order (blinker's documented way to influence it); with an ordered set, wiring.py's
order, top to bottom, is the order the rules run in, on every run.
"""
from __future__ import annotations

from blinker import NamedSignal, Namespace
from ordered_set import OrderedSet


class OrderedSignal(NamedSignal):
    """A named signal calling its receivers in connection order."""

    set_class = OrderedSet


class Signals(Namespace):
    """Signals by name, each an OrderedSignal."""

    def signal(self, name: str, doc: str | None = None) -> OrderedSignal:
        if name not in self:
            self[name] = OrderedSignal(name, doc)
        return self[name]


# Every signal of MaintainPro, by name (tests check that importing a module connects none).
signals = Signals()
