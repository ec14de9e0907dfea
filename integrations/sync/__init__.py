"""Calendar sync between CRM activities and a host's linked calendar (issue 13).

``planner.plan`` is pure: it turns the status rows, both sides and the host's policy
into a plan; executors (a later step) do the I/O. See docs/sync.md.
"""
