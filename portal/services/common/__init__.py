"""What every domain uses: the acting user, domain errors, events, paging and search, PATCH diffs,
tenancy lookups, per-row isolation of periodic work.
"""
