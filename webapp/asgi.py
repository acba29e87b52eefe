"""The ASGI application (uvicorn), with Python's full garbage collections kept off the request path.

A web process holds ~150,000 long-lived objects once Django, the moderation
lists and the prompt classifier are loaded, and CPython's full (generation 2)
collection walks every one of them: 100–150 ms here, during which no request
moves. Measured in the Images API benchmark, four such pauses in a run were its
slowest calls. `gc.freeze()` moves everything alive at that moment into a
permanent generation that collections skip, so a full collection afterwards
only looks at what requests created since. The process freezes its heap once
it is loaded, and again after its first request and its hundredth, by when the
caches that fill on first use (the compiled term lists, name tables, the
classifier) are in it. What is frozen is never collected: a few cycles of
garbage alive at those moments stay, which costs nothing worth counting.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
django_application = get_asgi_application()

FREEZE_AFTER_REQUESTS = (1, 100)


# A full collection only after 1,000 second-generation collections, not CPython's 10.
# Frozen or not, a full collection walks everything requests made since: with 500
# API calls waiting, their coroutines and requests, 40–100 ms a time, every few
# seconds (measured). Cycles of request garbage still go in the young generations.
GC_THRESHOLDS = (700, 10, 1000)


def settle_heap() -> None:
    """Collect once, then move every object alive now out of the collector's way."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class FrozenHeapApplication:
    """`django_application`, freezing the heap after its 1st and 100th HTTP request."""

    def __init__(self, app):
        self.app = app
        self.served = 0

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.served += 1
            if self.served in FREEZE_AFTER_REQUESTS:
                gc.freeze()  # cheap: it moves the generations' lists, no walk


def _load_pure_caches() -> None:
    """Load what needs no database (URLconf, classifier, word tables) before the first freeze."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    from moderation.lib import classifier

    classifier.load()


_load_pure_caches()
settle_heap()
application = FrozenHeapApplication(django_application)
