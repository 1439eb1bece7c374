from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who acts: plain values, so a service never lazy-loads the user mid-transaction."""

    id: str | None
    role: str
    warehouse_id: str
    email: str = ""

    @classmethod
    def system(cls, warehouse_id: str) -> Actor:
        """Periodic jobs act as the system inside one warehouse."""
        return cls(id=None, role="system", warehouse_id=warehouse_id, email="system")

    @classmethod
    def of(cls, user) -> Actor:
        return cls(id=user.id, role=user.role, warehouse_id=user.warehouse_id, email=user.email)
