"""Staff API (issue 13): token scoping, expiry, revocation and audit; cases in the user's
scope only; actions through the same perform() with the same refusals as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from evalorg.accounts import tokens
from evalorg.accounts.models import ApiToken
from evalorg.applications.models import State
from evalorg.core import clock
from evalorg.core.models import AuditEvent
from tests.factories import ApplicantFactory, UserFactory

from .conftest import bearer, submitted_case, token_for

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash(gz_staff):
    secret = token_for(gz_staff)
    token = ApiToken.objects.get(user=gz_staff)
    assert secret.startswith("eo_") and len(secret) > 40
    assert secret not in (token.key_hash, token.prefix, token.name)
    assert token.key_hash == tokens.digest(secret)
    assert AuditEvent.objects.filter(action="api_token_created", object_id=str(token.pk)).exists()


def test_case_list_is_the_users_scope(client, case, gz_staff, sz_staff):
    response = client.get("/api/cases", **bearer(token_for(gz_staff)))
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [case.pk]
    item = response.json()["items"][0]
    assert item["state"] == "submitted" and item["institution"]["name"] == case.institution.name
    other = client.get("/api/cases", **bearer(token_for(sz_staff)))
    assert other.status_code == 200 and other.json()["items"] == []
    assert client.get(f"/api/cases/{case.pk}", **bearer(token_for(sz_staff))).status_code == 404


def test_case_detail_lists_the_actions_the_user_may_take(client, case, gz_staff):
    response = client.get(f"/api/cases/{case.pk}", **bearer(token_for(gz_staff)))
    actions = {a["action"]: a["needs_reason"] for a in response.json()["available_actions"]}
    assert actions == {"return_for_correction": True, "verify": False}


def test_every_use_is_audited(client, case, gz_staff):
    secret = token_for(gz_staff, scope="read")
    client.get("/api/cases", **bearer(secret))
    client.get(f"/api/cases/{case.pk}", **bearer(secret))
    uses = AuditEvent.objects.filter(action="api_token_used", actor=gz_staff).order_by("id")
    assert [e.data["path"] for e in uses] == ["/api/cases", f"/api/cases/{case.pk}"]
    assert {e.audience for e in uses} == {"internal"}
    assert ApiToken.objects.get(user=gz_staff).last_used_at is not None


def test_anonymous_and_bad_tokens_are_refused(client, case, gz_staff):
    for headers in ({}, bearer("eo_wrong"), bearer("nonsense"), {"HTTP_AUTHORIZATION": "Basic x"}):
        response = client.get("/api/cases", **headers)
        assert response.status_code == 401, headers
        assert response["WWW-Authenticate"] == "Bearer"
    assert client.get(f"/api/cases/{case.pk}").status_code == 401
    assert client.post(f"/api/cases/{case.pk}/actions/verify").status_code == 401


def test_expired_token_is_refused(client, case, gz_staff):
    secret = token_for(gz_staff, days=30)
    assert client.get("/api/cases", **bearer(secret)).status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=30, seconds=1)):
        assert client.get("/api/cases", **bearer(secret)).status_code == 401


def test_revoked_token_is_refused(client, case, gz_staff):
    secret = token_for(gz_staff)
    token = ApiToken.objects.get(user=gz_staff)
    assert client.get("/api/cases", **bearer(secret)).status_code == 200
    client.force_login(gz_staff)
    url = reverse("accounts:token_revoke", args=[token.pk])
    asked = client.post(url)  # without the confirmation: the question, nothing revoked
    assert asked.status_code == 409 and 'data-testid="confirm-page"' in asked.content.decode()
    assert "撤销令牌" in asked.content.decode()
    assert client.get("/api/cases", **bearer(secret)).status_code == 200
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    client.logout()
    assert client.get("/api/cases", **bearer(secret)).status_code == 401
    assert AuditEvent.objects.filter(action="api_token_revoked", object_id=str(token.pk)).exists()


def test_deactivated_user_token_is_refused(client, gz_staff):
    secret = token_for(gz_staff)
    gz_staff.is_active = False
    gz_staff.save()
    assert client.get("/api/cases", **bearer(secret)).status_code == 401


def test_applicants_and_experts_get_no_tokens(client):
    for user in (ApplicantFactory(), UserFactory(role="expert")):
        with pytest.raises(tokens.TokenRefused):
            tokens.create(user, name="x", scope="read", days=30)
        client.force_login(user)
        response = client.post(
            reverse("accounts:token_create"), {"name": "x", "scope": "read", "days": 30}
        )
        assert response.status_code == 403
        assert "API 令牌只向" in client.get(reverse("accounts:profile")).content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_of_someone_who_became_an_applicant_is_refused(client, gz_staff):
    secret = token_for(gz_staff)
    gz_staff.role, gz_staff.agency = "applicant", None
    gz_staff.save()
    assert client.get("/api/me", **bearer(secret)).status_code == 401


def test_profile_shows_the_secret_once(client, gz_staff):
    client.force_login(gz_staff)
    response = client.post(
        reverse("accounts:token_create"), {"name": "对接系统", "scope": "read", "days": 90}
    )
    # Post/redirect/get: a refresh of the page showing the secret re-submits nothing.
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    body = client.get(response["Location"]).content.decode()
    secret = body.split('<code class="user-select-all fs-6">')[1].split("</code>")[0]
    assert tokens.authenticate(secret) is not None
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "对接系统" in page and secret not in page
    assert ApiToken.objects.count() == 1
    # Revoking asks first, naming the token.
    assert 'data-confirm="撤销令牌“对接系统”后' in page


def test_token_form_refuses_bad_input_and_changes_nothing(client, gz_staff):
    client.force_login(gz_staff)
    response = client.post(
        reverse("accounts:token_create"), {"name": "", "scope": "admin", "days": 7}
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_revoking_someone_elses_token_is_404(client, gz_staff, sz_staff):
    token_for(gz_staff)
    token = ApiToken.objects.get(user=gz_staff)
    client.force_login(sz_staff)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_read_only_token_cannot_perform(client, case, gz_staff):
    response = client.post(
        f"/api/cases/{case.pk}/actions/return_for_correction",
        {"reason": "缺少盖章"},
        content_type="application/json",
        **bearer(token_for(gz_staff, scope="read")),
    )
    assert response.status_code == 403
    assert response.json()["refusals"][0]["clause"] == "SPEC-1"
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_write_token_performs_through_perform(client, case, gz_staff):
    response = client.post(
        f"/api/cases/{case.pk}/actions/return_for_correction",
        {"reason": "缺少盖章"},
        content_type="application/json",
        **bearer(token_for(gz_staff)),
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "returned_for_correction"
    case.refresh_from_db()
    assert case.state == State.RETURNED_FOR_CORRECTION
    event = AuditEvent.objects.filter(action="return_for_correction").get()
    assert event.actor == gz_staff and event.data["reason"] == "缺少盖章"


def test_missing_reason_is_400_with_the_engines_clause(client, case, gz_staff):
    response = client.post(
        f"/api/cases/{case.pk}/actions/return_for_correction",
        {"reason": "  "},
        content_type="application/json",
        **bearer(token_for(gz_staff)),
    )
    assert response.status_code == 400
    assert response.json()["refusals"] == [
        {"clause": "SPEC-5", "message": "请填写“退回补正”的理由。"}
    ]
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_refusal_carries_the_same_clauses_as_the_page(client, case, gz_staff):
    """Verifying with one material found incomplete: the API answers 409 with exactly the
    refusal (clause and message) the verification page shows."""
    from evalorg.applications.materials import applicable_items

    items = applicable_items(case)
    form = {
        f"{i.code}-{flag}": "on" for i in items for flag in ("present", "complete", "authentic")
    }
    del form[f"{items[0].code}-complete"]
    form[f"{items[0].code}-note"] = "缺少盖章页"
    client.force_login(gz_staff)
    saved = client.post(reverse("review_inbox:verify", args=[case.pk]), form | {"action": "save"})
    assert saved.status_code == 302
    api = client.post(
        f"/api/cases/{case.pk}/actions/verify",
        {},
        content_type="application/json",
        **bearer(token_for(gz_staff)),
    )
    assert api.status_code == 409
    refusals = api.json()["refusals"]
    assert len(refusals) == 1 and refusals[0]["clause"] == "N-5.1"
    verify = form | {"action": "verify", "confirm": "yes"}
    page = client.post(reverse("review_inbox:verify", args=[case.pk]), verify)
    assert page.status_code == 400
    assert refusals[0]["message"] in page.content.decode()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_unknown_action_is_400_and_wrong_role_is_403(client, case, gz_staff):
    secret = token_for(gz_staff)
    unknown = client.post(
        f"/api/cases/{case.pk}/actions/nope", {}, content_type="application/json", **bearer(secret)
    )
    assert unknown.status_code == 400
    # Withdrawing is the applicant's action: a city's token may not.
    withdraw = client.post(
        f"/api/cases/{case.pk}/actions/withdraw",
        {},
        content_type="application/json",
        **bearer(secret),
    )
    assert withdraw.status_code == 403
    assert withdraw.json()["refusals"][0]["clause"] == "SPEC-1"


def test_another_citys_case_cannot_be_acted_on(client, case, sz_staff):
    response = client.post(
        f"/api/cases/{case.pk}/actions/return_for_correction",
        {"reason": "x"},
        content_type="application/json",
        **bearer(token_for(sz_staff)),
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_case_list_constant_queries(client, gz_staff, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secret = token_for(gz_staff, scope="read")
    submitted_case()
    with CaptureQueriesContext(connection) as small:
        client.get("/api/cases", **bearer(secret))
    for _ in range(3):
        submitted_case()
    with CaptureQueriesContext(connection) as large:
        response = client.get("/api/cases", **bearer(secret))
    assert response.json()["count"] == 4
    assert len(large) == len(small)


def test_a_case_without_acknowledgement_number_is_listed(client, gz_staff):
    """Cases moved on without the wizard (e.g. data migrated in) have no acknowledgement
    number: the list still answers (the field is nullable)."""
    from tests.filing.conftest import registry_row

    letter = registry_row(number=1)
    response = client.get("/api/cases", **bearer(token_for(gz_staff, scope="read")))
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["id"] == letter.application_id and item["acknowledgement_no"] is None
    assert item["state"] == "filed" and item["lines"][0]["status"] == "filed"
