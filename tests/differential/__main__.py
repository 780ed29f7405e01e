"""`python -m tests.differential [COUNT] [SEED]`: the differential test at any size (make differential)."""

from __future__ import annotations

import sys
import time

from tests.differential.cases import SEED, generate
from tests.differential.compare import disagreements, minimized


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    seed_value = int(argv[1]) if len(argv) > 1 else SEED
    started = time.perf_counter()
    cases = generate(count, seed_value)
    drawn = time.perf_counter()
    found = disagreements(cases)
    folded = time.perf_counter()
    print(f"{count} visits (seed {seed_value}): drawn in {drawn - started:.1f} s, folded by both engines in "
          f"{folded - drawn:.1f} s; {len(found)} disagree")
    if found:
        print(minimized(found[0]).report())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
