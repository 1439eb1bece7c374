"""Webhooks: endpoints, the outbox fan-out, and signed delivery with retries."""
