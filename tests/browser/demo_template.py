"""The demo database made once per worker, day and settings, and copied for each browser test.

`python -m server migrate` and `demo` are two Python processes, about 2.5 s for every server a walk
starts: a third of a short walk. They run once here, through the same commands, and each server gets a
copy (`tests.databases.copy_database`). The copy is keyed by the day because the demo books its visits
for today, and by the settings the server is started with, which the commands read too.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.browser.live_server import LiveServer
from tests.databases import copy_database, empty_database

ANCHOR = "audit-anchor.json"  # the audit checkpoint the demo wrote, outside the database


@dataclass(frozen=True)
class _Demo:
    url: str
    data_dir: Path
    drop: Callable[[], Awaitable[None]]


class DemoTemplates:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.made: dict[tuple, _Demo] = {}

    async def copy_into(self, data_dir: Path, settings: dict[str, str]) -> tuple[str, Callable[[], Awaitable[None]]]:
        """A database holding today's demo for these settings, its audit checkpoint put into `data_dir`, and
        how to drop the database."""
        key = (date.today().isoformat(), tuple(sorted(settings.items())))
        demo = self.made.get(key) or await self._make(key, settings)
        if (demo.data_dir / ANCHOR).exists():
            shutil.copyfile(demo.data_dir / ANCHOR, data_dir / ANCHOR)
        return await copy_database(demo.url, data_dir)

    async def _make(self, key: tuple, settings: dict[str, str]) -> _Demo:
        data_dir = self.workdir / f"demo-{len(self.made) + 1}"
        data_dir.mkdir()
        url, drop = await empty_database(data_dir)
        if url.startswith("sqlite://"):
            Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True)
        LiveServer(workdir=data_dir, database_url=url, **settings).prepare()
        self.made[key] = _Demo(url, data_dir, drop)
        return self.made[key]

    async def drop_all(self) -> None:
        for demo in self.made.values():
            await demo.drop()
        self.made.clear()
