"""Python client of the MaintainPro CMMS API v1 (the contract's resources, errors and webhooks).

    from maintainpro_client import MaintainProClient, verify_webhook

    client = MaintainProClient("http://127.0.0.1:8000/api")
    client.auth.login("planner@plant.example.com", "password", mfa_token="123456")
    for work_order in client.work_orders.iterate(status="new,assigned"):
        print(work_order["foNumber"], work_order["title"])
"""
from .client import MaintainProClient, Page
from .errors import MaintainProError
from .webhooks import verify_webhook

__all__ = ["MaintainProClient", "MaintainProError", "Page", "verify_webhook"]
__version__ = "1.0.0"
