"""Dagster run statuses logviz treats alike, named once for the sensor and the API."""

# A run in one of these may still write: another run of the same job is not started.
IN_FLIGHT_STATUSES = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED")
TERMINAL_STATUSES = ("SUCCESS", "FAILURE", "CANCELED")
