"""Business rules by domain. A service takes plain values and the acting user, checks permissions and
tenancy, owns the transaction and records domain events; it never knows about HTTP or RQ.
"""
