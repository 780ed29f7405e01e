"""`python -m tests.differential [COUNT] [SEED]`: the differential test at any size (make differential)."""

from __future__ import annotations

import sys
import time

from tests.differential.cases import SEED, stream
from tests.differential.compare import disagreements, minimized


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    seed_value = int(argv[1]) if len(argv) > 1 else SEED
    started, cpu = time.perf_counter(), time.process_time()
    found = disagreements(stream(count, seed_value))
    print(f"{count} visits (seed {seed_value}) drawn and folded by both engines in "
          f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s of this process' CPU); "
          f"{len(found)} disagree")
    if found:
        print(minimized(found[0]).report())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
