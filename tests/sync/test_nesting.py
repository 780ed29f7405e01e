"""JSON nested without bound never makes the sync engine recurse (`sync.nesting`): an entry nested
deeper than `MAX_DEPTH` is kept aside whole, its digest the same as older servers stored, and the
text and values the engine measures are measured exactly, without recursion."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from typing import Any

import pytest

from sync import nesting
from sync.content import content_sha256, legacy_sha256, sent_json
from sync.models import Event, Quarantine
from sync.protocol import MAX_DEPTH
from tests.sync.conftest import as_user, batch, event

JSON_HEADERS = {"content-type": "application/json", **as_user(1)}


def nested_list(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


def random_value(rng: random.Random, levels: int) -> Any:
    """Small JSON values with the characters that make escaping and string-skipping hard."""
    texts = ["x", 'q"uote', "back\\slash", "[{", "]}", "\\\"", "é😀", "\ud800", "\x00", "it's"]
    roll = rng.random()
    if levels and roll < 0.3:
        return {rng.choice(texts) + str(i): random_value(rng, levels - 1) for i in range(rng.randint(0, 3))}
    if levels and roll < 0.6:
        return [random_value(rng, levels - 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([0, -1.5, 1e300, 10**30, True, False, None, *texts])


def test_text_depth_and_value_depth_agree_with_a_recursive_count_on_hard_text():
    rng = random.Random(7)
    for _ in range(2_000):
        value = random_value(rng, 6)
        expected = depth_of(value)
        for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
            assert nesting.text_depth(text) == expected, text
        assert [nesting.deeper_than(value, limit) for limit in range(8)] == [expected > limit for limit in range(8)]


def test_what_the_engine_writes_is_exactly_what_the_standard_library_writes():
    rng = random.Random(11)
    for _ in range(2_000):
        raw = {"payload": random_value(rng, 6), "id": str(uuid.uuid4())}
        assert sent_json(raw) == json.dumps(raw, ensure_ascii=True, separators=(",", ":"))
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
        assert legacy_sha256(raw) == hashlib.sha256(canonical.encode()).hexdigest()


def test_a_value_deeper_than_the_standard_library_walks_is_written_without_recursion():
    deep = {"b": nested_list(5_000, {"z": 1, "a": "é"}), "a": 1}
    expected = '{"b":' + "[" * 5_000 + '{"z":1,"a":"\\u00e9"}' + "]" * 5_000 + ',"a":1}'
    assert nesting.dumps(deep) == expected
    assert nesting.dumps(deep, sort_keys=True) == '{"a":1,"b":' + "[" * 5_000 + '{"a":"\\u00e9","z":1}' + "]" * 5_000 + "}"
    shallow = {"b": nested_list(300), "a": 1}  # the standard library still walks 300 levels here
    assert nesting.dumps(shallow, sort_keys=True) == json.dumps(shallow, sort_keys=True, separators=(",", ":"))


def test_a_digest_of_content_orjson_cannot_write_is_the_one_older_servers_stored():
    raw = {"id": str(uuid.uuid4()), "payload": nested_list(300)}
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    assert content_sha256(raw) == hashlib.sha256(canonical.encode()).hexdigest()


def test_text_deeper_than_the_reader_allows_is_refused_before_it_is_parsed():
    with pytest.raises(nesting.TooDeep) as refused:
        nesting.loads("[" * 100_000 + "]" * 100_000, limit=40)
    assert refused.value.limit == 40
    assert nesting.loads('{"a": "[[[[[[[[[["}', limit=1) == {"a": "[[[[[[[[[["}  # brackets in text do not count
    with pytest.raises(ValueError):
        nesting.loads("[]", limit=nesting.SAFE_DEPTH + 1)  # the standard library is never handed more


async def test_an_entry_too_deep_in_any_field_is_kept_aside_and_names_only_fields_the_protocol_knows(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    events = [event(visit, 1), event(visit, 2, resolves=nested_list(MAX_DEPTH + 1)),
              event(visit, 3, **{"x" * 10_000: nested_list(MAX_DEPTH + 1)}), event(visit, 4)]
    results = (await http.post("/api/sync/push", json=batch(device, events), headers=as_user(1))).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "quarantined", "quarantined", "accepted"]
    assert results[1]["code"] == results[2]["code"] == "too_deep"
    assert "entry's resolves nests deeper than 32 levels" in results[1]["reason"]
    assert "a field the app does not send" in results[2]["reason"] and "xxx" not in results[2]["reason"]


async def test_a_payload_nested_exactly_to_the_limit_reaches_the_hosts_check(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    events = [event(visit, 1, payload=nested_list(MAX_DEPTH)), event(visit, 2, payload=nested_list(MAX_DEPTH + 1))]
    results = (await http.post("/api/sync/push", json=batch(device, events), headers=as_user(1))).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "quarantined"]  # the tiny host accepts any payload


async def test_a_too_deep_copy_of_an_accepted_entry_is_a_collision_kept_whole(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    first = event(visit, 1)
    await http.post("/api/sync/push", json=batch(device, [first]), headers=as_user(1))
    copy = {**first, "payload": "@@deep@@"}
    body = json.dumps(batch(device, [copy])).replace('"@@deep@@"', "[" * 1_000 + "]" * 1_000)
    result = (await http.post("/api/sync/push", content=body.encode(), headers=JSON_HEADERS)).json()["results"][0]
    assert result["status"] == "collision"
    held = await Quarantine.get(event_id=first["id"])
    assert held.sent_json.count("[") == 1_000 and await Event.filter(id=first["id"]).count() == 1


async def test_a_body_deeper_than_orjson_reads_is_refused_whole_naming_its_limit(http):
    body = b'{"events":' + b"[" * 2_000 + b"]" * 2_000 + b"}"
    answer = await http.post("/api/sync/push", content=body, headers=JSON_HEADERS)
    assert answer.status_code == 400 and "deeper than 1024 levels" in answer.json()["detail"]
    lone = b'{"x":"\\ud800","events":' + b"[" * 300 + b"]" * 300 + b"}"  # read by the standard library
    answer = await http.post("/api/sync/push", content=lone, headers=JSON_HEADERS)
    assert answer.status_code == 400 and f"deeper than {nesting.SAFE_DEPTH} levels" in answer.json()["detail"]


@pytest.mark.parametrize("field", ["protocol", "device_id", "batch_id", "sent_at", "surplus"])
async def test_an_envelope_field_nested_a_thousand_deep_is_a_400_naming_the_field(http, field):
    body = batch(uuid.uuid4(), [event(uuid.uuid4(), 1)])
    body[field] = "@@deep@@"
    text = json.dumps(body).replace('"@@deep@@"', "[" * 1_000 + "]" * 1_000)
    answer = await http.post("/api/sync/push", content=text.encode(), headers=JSON_HEADERS)
    assert answer.status_code == 400 and field in answer.json()["detail"]
