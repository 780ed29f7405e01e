"""The fast encodings of the push path say exactly what the slow ones said.

Event digests are computed by orjson, and a tablet's own text of its ids and UTC times is
stored as is on SQLite. Both are only speed: a retry of an event logged by an older server
(whose digest was the standard library's) must still be a duplicate, and the stored text must
be byte for byte what formatting the parsed value gives.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from tortoise.connection import get_connection

from sync import store
from sync.content import content_sha256, legacy_sha256
from sync.models import Event, Quarantine
from tests.sync.conftest import as_user, batch, event


async def push(http, device, events, user=1):
    return await http.post("/api/sync/push", json=batch(device, events), headers=as_user(user))


async def _store_legacy_digest(table: str, id_column: str, raw: dict) -> None:
    """Rewrite the stored digest as a server before orjson would have written it."""
    connection = get_connection("default")
    mark = store.marks(connection, 2)
    await connection.execute_query(f"UPDATE {table} SET content_sha256 = {mark[0]} WHERE {id_column} = {mark[1]}",
                                   [legacy_sha256(raw), store._param(connection, uuid.UUID(raw["id"]))])


async def test_a_retry_of_an_event_logged_by_an_older_server_is_a_duplicate_not_a_collision(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    logged = event(visit, 1, payload={"text": "Fièvre 38,5 °C, patiente rassurée"})  # non-ASCII: the encodings differ
    first = (await push(http, device, [logged])).json()["results"][0]
    assert content_sha256(logged) != legacy_sha256(logged)
    await _store_legacy_digest("event", "id", logged)
    again = (await push(http, device, [logged])).json()["results"][0]
    assert again["status"] == "duplicate" and again["server_seq"] == first["server_seq"]
    assert await Quarantine.all().count() == 0
    changed = {**logged, "payload": {"text": "something else"}}
    assert (await push(http, device, [changed])).json()["results"][0]["status"] == "collision"


async def test_a_retry_of_an_event_held_by_an_older_server_gets_the_same_answer(http, policy):
    device, visit = uuid.uuid4(), uuid.uuid4()
    held = event(visit, 1, kind="bad.kind", payload={"text": "Düsseldorf"})
    assert (await push(http, device, [held])).json()["results"][0]["status"] == "quarantined"
    await _store_legacy_digest("quarantine", "event_id", held)
    again = (await push(http, device, [held])).json()["results"][0]
    assert again["status"] == "quarantined" and again["code"] == "invalid_payload"
    assert await Quarantine.all().count() == 1


def test_digests_of_text_orjson_refuses_fall_back_to_the_standard_encoding():
    broken = {"id": "x", "payload": {"text": "half a symbol \ud83d"}}
    assert content_sha256(broken) == legacy_sha256(broken)
    huge = {"id": "x", "payload": {"count": 2**70}}
    assert content_sha256(huge) == legacy_sha256(huge)


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(timezone.utc)))
def test_a_browser_utc_time_is_stored_as_the_formatted_datetime(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # toISOString() has milliseconds
    sent = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    parsed = datetime.fromisoformat(sent.replace("Z", "+00:00"))
    assert store._sqlite_text(sent) == store._db_value(parsed, False)


@given(st.uuids())
def test_a_canonical_id_is_stored_as_sent_and_any_other_spelling_is_formatted(value):
    assert store._sqlite_text(str(value)) == store._db_value(value, False)
    assert store._sqlite_text(str(value).upper()) in (None, str(value).upper())  # digits only: no letters to upper
    assert store._sqlite_text(value.hex) is None


def test_times_with_another_shape_are_formatted_from_the_parsed_value():
    for sent in ("2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123456+00:00", "2026-11-23T05:00:00.000-05:00",
                 "２０26-11-23T10:00:00.000Z"):
        assert store._sqlite_text(sent) is None


async def test_events_stored_from_the_tablets_text_read_back_as_the_same_instants(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 11, 23, 14, 5, 9, 120000, tzinfo=timezone.utc)
    sent = [event(visit, n, occurred_at=(at + timedelta(seconds=n)).isoformat(timespec="milliseconds")
                  .replace("+00:00", "Z")) for n in (1, 2)]
    sent[1]["occurred_at"] = "2026-11-23T14:05:11.000Z"
    await push(http, device, sent)
    for raw in sent:
        stored = await Event.get(id=raw["id"])
        assert stored.occurred_at == datetime.fromisoformat(raw["occurred_at"].replace("Z", "+00:00"))
