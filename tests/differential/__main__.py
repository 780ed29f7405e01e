"""`python -m tests.differential [COUNT] [SEED]`: the differential test at any size (make differential)."""

from __future__ import annotations

import resource
import sys
import time

from tests.differential.cases import SEED
from tests.differential.compare import disagreements_of, minimized


def _cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    seed_value = int(argv[1]) if len(argv) > 1 else SEED
    started = time.perf_counter()
    found = disagreements_of(count, seed_value)
    print(f"{count} visits (seed {seed_value}) drawn and folded by both engines in "
          f"{time.perf_counter() - started:.1f} s ({_cpu_s():.1f} s of CPU in the worker and Node processes); "
          f"{len(found)} disagree")
    if found:
        print(minimized(found[0]).report())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
