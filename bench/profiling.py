"""Optional cProfile of the in-process push and pull (`python -m bench --profile`).

When a target fails, the question is where the time goes; a profile of the very run that
missed the target answers it. Off by default because cProfile slows Python code ~2x and
would distort the ratios.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
from pathlib import Path
from typing import Iterator

_output_dir: Path | None = None


def enable(output_dir: Path) -> None:
    global _output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    _output_dir = output_dir


@contextlib.contextmanager
def maybe(name: str) -> Iterator[None]:
    """Profile the block into `<output>/<name>.prof` and `.txt` when enabled and named."""
    if _output_dir is None or not name:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(_output_dir / f"{name}.prof")
        (_output_dir / f"{name}.txt").write_text(_summary(profiler))


def _summary(profiler: cProfile.Profile) -> str:
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    return text.getvalue()
