"""Notifications: in the portal (the bell) and by e-mail, from the domain events' outbox.

rules.py says who is told of which event; outbox.py writes the notifications and the mails in the
event's transaction; mail.py sends the mails from a worker; digest.py gathers the daily digest;
inbox.py and preferences.py are what a person reads and chooses."""
