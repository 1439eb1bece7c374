"""Python client of the MaintainPro CMMS API v1 (the contract's resources, errors and webhooks).

    from maintainpro_client import MaintainProClient, verify_webhook

    client = MaintainProClient("http://127.0.0.1:8000/api")
    client.auth.login("planner@plant.example.com", "password", mfa_token="123456")
    for work_order in client.work_orders.iterate(status="new,assigned"):
        print(work_order["foNumber"], work_order["title"])

Typed: the package ships py.typed, and every method returns the TypedDicts of
maintainpro_client.models (generated from the server's OpenAPI document).
"""
from . import models
from .client import MaintainProClient, Page, Sync
from .endpoints import ENDPOINTS
from .errors import MaintainProError, MaintainProNetworkError, MaintainProTimeout
from .webhooks import verify_timestamped_webhook, verify_webhook

__all__ = ["ENDPOINTS", "MaintainProClient", "MaintainProError", "MaintainProNetworkError", "MaintainProTimeout",
           "Page", "Sync", "models", "verify_timestamped_webhook", "verify_webhook"]
__version__ = "1.1.0"
