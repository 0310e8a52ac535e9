"""How app.py loads the app's modules.

Importing the app makes a few hundred thousand objects (modules, classes,
the SDK's service models) that live as long as the process. With the garbage
collector on, the allocations trigger collections that walk all of them again
and again while they are being made: about 100 ms of a 470 ms cold start
here, a quarter of it. Nothing made during the import is garbage, so the
collector is paused for it, and what was made is then frozen out of later
collections, which makes those cheaper for every request too.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
