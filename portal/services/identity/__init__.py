"""Who may do what: users, passwords, TOTP and sessions, API keys, warehouses and the permission
matrix.
"""
