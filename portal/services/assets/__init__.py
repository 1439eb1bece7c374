"""Assets (equipment): register and change them, their status, meters, and what the asset page shows.
"""
