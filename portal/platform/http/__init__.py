"""HTTP concerns every response shares: security headers and limits, fingerprinted static files, the
JSON provider, file serving, absolute URLs.
"""
