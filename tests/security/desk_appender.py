"""A second server process's desk, for tests: `python -m tests.security.desk_appender URL USER VISIT COUNT START`.

Opens the database as `serve` does, waits for the wall-clock START (so two of these overlap), then
records COUNT interventions by USER on VISIT through `server.services.desk_events`, one after another.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from server.db import schema
from server.db.models import User, Visit
from server.services import desk_events


async def main(url: str, user_id: int, visit_id: uuid.UUID, count: int, start: float) -> None:
    await schema.open_database(url)
    try:
        user, visit = await User.get(id=user_id), await Visit.get(id=visit_id)
        await asyncio.sleep(max(0.0, start - time.time()))
        for number in range(count):
            await desk_events.append(user=user, visit=visit, kind="review.intervention",
                                     payload={"kind": "other", "text": f"Check {number}."})
    finally:
        await schema.close_database()


if __name__ == "__main__":
    url, user, visit, count, start = sys.argv[1:6]
    asyncio.run(main(url, int(user), uuid.UUID(visit), int(count), float(start)))
