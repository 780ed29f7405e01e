"""A second server process's desk, for tests:
`python -m tests.security.desk_appender URL USER VISIT COUNT START DATA_DIR`.

Opens the database as `serve` does, waits for the wall-clock START (so two of these overlap), then
records COUNT notes by USER (a desk note, numbered like any desk action) on VISIT through `server.services.desk_events`, one after another.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from pathlib import Path

from server import audit
from server.db import schema
from server.db.models import User, Visit
from server.services import desk_events
from server.settings import Settings
from tests.conftest import SECRET_KEY


async def main(url: str, user_id: int, visit_id: uuid.UUID, count: int, start: float) -> None:
    await schema.open_database(url)
    try:
        user, visit = await User.get(id=user_id), await Visit.get(id=visit_id)
        await asyncio.sleep(max(0.0, start - time.time()))
        for number in range(count):
            await desk_events.append(user=user, visit=visit, kind="note",
                                     payload={"text": f"Check {number}."})
    finally:
        await schema.close_database()


if __name__ == "__main__":
    url, user, visit, count, start, data_dir = sys.argv[1:7]
    audit.configure_from(Settings(env="test", data_dir=Path(data_dir), secret_key=SECRET_KEY))  # as `serve` does
    asyncio.run(main(url, int(user), uuid.UUID(visit), int(count), float(start)))
