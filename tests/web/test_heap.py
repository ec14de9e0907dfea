"""The startup heap: frozen once per process, and what comes later is still collected.
In a child process: freezing the test process's own heap would keep for good whatever
the tests before had left alive."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import gc, json, weakref
    from web.heap import freeze_startup_heap

    class Node:
        pass

    freeze_startup_heap()
    frozen = gc.get_freeze_count()
    later = Node()
    freeze_startup_heap()  # a second call freezes nothing more

    cycle = Node()
    cycle.me = cycle  # garbage only a collection can free
    gone = weakref.ref(cycle)
    del cycle
    gc.collect()
    print(json.dumps({
        "frozen": frozen,
        "again": gc.get_freeze_count(),
        "later_collectable": gone() is None,
    }))
    """
)


def test_the_startup_heap_is_frozen_once_and_later_garbage_still_goes() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(done.stdout)
    assert seen["frozen"] > 1000  # the interpreter's and our modules' objects
    assert seen["again"] == seen["frozen"]
    assert seen["later_collectable"] is True
