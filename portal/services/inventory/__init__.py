"""Parts and stock: the catalogue, consumption that never drives stock below zero, movements and
reorder requests.
"""
