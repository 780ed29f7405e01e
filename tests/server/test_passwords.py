"""Password reset by an administrator and a user's own change (server/routes/admin.py, account.py)."""

from __future__ import annotations

import re

from server.db.models import AuditEntry
from tests.conftest import PASSWORD
from tests.server.test_admin_pages import post_form

SHOWN = re.compile(r'<strong class="secret">([^<]+)</strong>')


async def test_admin_resets_a_password_shown_once_which_logs_in_and_ends_the_old_sessions(
    client_factory, admin_ada, nurse_ana, anonymous
):
    admin, nurse = await client_factory(admin_ada), await client_factory(nurse_ana)
    assert (await nurse.get("/api/session")).status_code == 200

    page = await post_form(admin, f"/admin/users/{nurse_ana.id}/password", {}, page="/admin/users")

    assert page.status_code == 200
    temporary = SHOWN.search(page.text).group(1)
    assert temporary not in (await admin.get("/admin/users")).text  # shown once, never again
    assert (await nurse.get("/api/session")).status_code == 401  # the old session ended with the old password
    assert (await anonymous.post("/api/session", json={"username": nurse_ana.username, "password": PASSWORD})).status_code == 401
    login = await anonymous.post("/api/session", json={"username": nurse_ana.username, "password": temporary})
    assert login.status_code == 200
    entry = await AuditEntry.get(action="user.password_reset", object_id=str(nurse_ana.id))
    assert entry.user_id == admin_ada.id and temporary not in str(entry.detail)


async def test_admin_cannot_reset_a_password_in_another_organization(client_factory, admin_ada, pharmacist_oz):
    admin = await client_factory(admin_ada)

    response = await post_form(admin, f"/admin/users/{pharmacist_oz.id}/password", {}, page="/admin/users")

    assert response.status_code == 404


async def test_a_user_changes_their_own_password_after_giving_the_current_one(client_factory, nurse_ana, anonymous):
    nurse = await client_factory(nurse_ana)
    form = {"current_password": "not my password", "new_password": "a new long password", "repeat_password": "a new long password"}

    wrong = await post_form(nurse, "/account/password", form, page="/account/password")
    assert wrong.status_code == 422 and "The current password is not correct" in wrong.text
    differ = await post_form(nurse, "/account/password", {**form, "current_password": PASSWORD, "repeat_password": "x" * 12},
                             page="/account/password")
    assert differ.status_code == 422 and "The two new passwords differ" in differ.text
    done = await post_form(nurse, "/account/password", {**form, "current_password": PASSWORD}, page="/account/password")

    assert done.status_code == 303 and done.headers["location"] == "/login?changed=1"
    assert (await nurse.get("/api/session")).status_code == 401
    new = await anonymous.post("/api/session", json={"username": nurse_ana.username, "password": "a new long password"})
    assert new.status_code == 200
    assert await AuditEntry.filter(action="user.password_change", object_id=str(nurse_ana.id)).exists()
