"""The heap a process holds once it has started, kept out of the collector's full passes.

A full (generation 2) collection walks every object the collector tracks. After the
app's imports that is well over 100,000 objects (modules, classes, functions, the
routes, the discovery documents of the provider clients), all alive until exit, and a
full pass over them took 80-100 ms on this machine: a pause that fell into one
request or sync run in a few (a 1,000-event calendar import took 0.27 s with one, 0.16 s
without). Frozen, they are skipped; whatever the process makes later is collected as
before.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_startup_heap"]

_frozen = False


def freeze_startup_heap() -> None:
    """Collect once, then move every object alive now to the collector's permanent
    generation. Once per process (the web server, a worker, a CLI command): frozen
    objects are never collected, so freezing again later would keep what a test or a
    long run had made alive at that moment for good."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
