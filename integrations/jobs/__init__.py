"""Background work: the SAQ queue on Redis and its workers, the account locks, the
outbox relay, and the in-process mode of the embedded default.

- ``queue``: the queue, and the enqueuing web processes do (outbox kicks, syncs).
- ``tasks``: the job functions a worker runs; ``worker``: the worker itself.
- ``locks``: one lock per account, across processes and machines.
- Without Redis (the embedded default) the same work runs on the loops of
  ``integrations.outbox.OutboxRunner`` and ``integrations.calendars.runner`` inside
  each web process.
- ``health``: the queue and the workers' heartbeats, for ``/healthz``.
"""
