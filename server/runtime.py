"""Process-wide tuning of a serving process (`python -m server serve` and its workers).

CPython collects its youngest generation every 700 net allocations. A push of a few thousand
events allocates hundreds of thousands of small objects that all stay alive until the push is
answered, so the collector runs hundreds of times per push and walks the survivors again and
again: a fifth of a large push's time, measured (bench/, target (a)). Collecting every 20,000
allocations keeps cyclic garbage bounded and costs next to nothing; objects alive after start-up
(modules, the app, caches) are frozen, since they are never garbage.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (20_000, 10, 10)


def tune_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
