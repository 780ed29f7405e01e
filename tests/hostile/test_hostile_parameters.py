"""Injection strings in every query parameter of the list endpoints and pages: never a 5xx; either a
clear 400/422 that names the parameter, or the correct (empty or filtered) result. Unknown keys, such
as a made-up `sort`, are ignored rather than trusted."""

from __future__ import annotations

import pytest

INJECTIONS = {
    "sql_or": "' OR 1=1--",
    "sql_drop": "1; DROP TABLE patient;--",
    "sql_union": "1 UNION SELECT password_hash FROM user",
    "superscript_two": "\u00b2",  # a digit to str.isdigit, not to int()
    "arabic_one": "\u0661",  # int() reads it as 1; an id is ASCII
    "negative": "-1",
    "beyond_64_bits": "99999999999999999999999",
    "rtl_override": "\u202e1",
    "zero_width": "1\u200b",
    "nul": "1\x00",
    "very_long": "9" * 5000 + "' OR '1'='1",
    "template": "{{7*7}}",
    "last_day": "9999-12-31",  # a date with no next day, nor a midnight in UTC east of Greenwich
    "first_day": "0001-01-01",
}
# (role, path, parameter) of every list endpoint and page that reads a query parameter
PARAMETERS = [
    ("pharmacist", "/api/orders", "patient"),
    ("pharmacist", "/api/visits", "patient"),
    ("pharmacist", "/api/visits", "status"),
    ("pharmacist", "/api/sync/pull", "after"),
    ("nurse", "/api/sync/pull", "visit"),
    ("pharmacist", "/api/sync/pull", "limit"),
    ("pharmacist", "/review", "nurse"),
    ("pharmacist", "/review", "patient"),
    ("pharmacist", "/review", "from"),
    ("pharmacist", "/review", "to"),
    ("pharmacist", "/review", "state"),
    ("admin", "/admin/audit", "before"),
    ("admin", "/admin/audit", "since"),
    ("admin", "/admin/audit", "until"),
    ("admin", "/admin/audit", "action"),
    ("admin", "/admin/audit", "object_type"),
    ("admin", "/admin/audit", "object_id"),
    ("admin", "/admin/audit", "outcome"),
    ("pharmacist", "/quarantine", "show"),
    ("pharmacist", "/login", "next"),
]
@pytest.fixture
async def clients(client_factory, nurse_ana, pharmacist_pia, admin_ada, patient_pat, patient_sam):
    return {"nurse": await client_factory(nurse_ana), "pharmacist": await client_factory(pharmacist_pia),
            "admin": await client_factory(admin_ada)}


def _cases():
    for role, path, name in PARAMETERS:
        yield pytest.param(role, path, name, id=f"{path}?{name}")


async def _problem_with(client, path: str, name: str, value: str) -> str | None:
    """Why the answer to `path?name=value` is wrong, or None when it is one of the right answers."""
    response = await client.get(path, params={name: value}, follow_redirects=False)
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:200]}"
    if response.status_code in (400, 422):
        return None if name in response.text else f"the error does not name {name!r}: {response.text[:200]}"
    if response.status_code not in (200, 303):
        return f"unexpected {response.status_code}"
    if path.startswith("/api/"):
        listed = next(key for key, items in response.json().items() if isinstance(items, list))
        unfiltered = (await client.get(path)).json()[listed]
        if any(item not in unfiltered for item in response.json()[listed]):
            return "the filter widened the result"
    return None


@pytest.mark.parametrize(("role", "path", "name"), list(_cases()))
async def test_injection_strings_in_a_query_parameter_are_refused_by_name_or_filter_correctly(
    clients, role, path, name
):
    problems = {label: await _problem_with(clients[role], path, name, value) for label, value in INJECTIONS.items()}
    assert not {label: why for label, why in problems.items() if why}


@pytest.mark.parametrize("path", ["/api/patients", "/api/orders", "/api/visits", "/review", "/pharmacy"])
async def test_unknown_sort_and_filter_keys_are_ignored_not_interpreted(clients, path):
    client = clients["pharmacist"]
    plain = await client.get(path)
    hostile = await client.get(path, params={"sort": "id; DROP TABLE patient", "order": "' OR 1=1--",
                                             "filter[mrn]": "' OR ''='", "patient_id__gt": "0"})
    assert hostile.status_code == plain.status_code == 200
    if path.startswith("/api/"):
        assert hostile.json() == plain.json()


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "javascript:alert(1)",
                                    "https://evil.example/", "/%2F%2Fevil.example"])
async def test_the_page_after_login_is_always_on_this_site(anonymous, post_form, nurse_ana, target):
    from tests.conftest import PASSWORD

    response = await post_form(anonymous, "/login", {"username": "nurse_ana", "password": PASSWORD, "next": target})
    location = response.headers["location"]
    assert response.status_code == 303 and location.startswith("/"), location
    assert not location.startswith("//") and "\\" not in location and not any(c < " " for c in location), location
