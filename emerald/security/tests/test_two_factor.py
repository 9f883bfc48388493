"""Two-factor sign-in: required roles are held at the code step; enrolment; recovery codes; the API."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from emerald.audit.models import AuditEntry
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.security import otp
from emerald.security.testing import code_for, enrol, sign_in

pytestmark = pytest.mark.django_db


def login(client, username):
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


@pytest.mark.parametrize("role", ["administrator", "warden", "investigator", "medical"])
def test_required_roles_are_sent_to_enrolment_then_held_until_a_code(client, users, two_factor, role):
    assert login(client, users[role].username).status_code == 302
    page = client.get(reverse("core:dashboard"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("security:otp_enrol"))
    enrol_page = client.get(reverse("security:otp_enrol"))
    html = enrol_page.content.decode()
    assert enrol_page.status_code == 200
    secret = re.search(r'id="otp-secret">([A-Z2-7]+)<', html).group(1)
    assert 'src="data:image/svg+xml;base64,' in html and "otpauth://totp/" in html
    wrong = client.post(reverse("security:otp_enrol"), {"code": "000000"})
    assert wrong.status_code == 400
    response = client.post(reverse("security:otp_enrol"), {"code": otp.totp_now(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("security:otp_recovery_shown")
    shown = client.get(reverse("security:otp_recovery_shown")).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)
    assert len(codes) == 10
    # Shown once only.
    assert client.get(reverse("security:otp_recovery_shown")).status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="otp.enrol", object_id=str(users[role].pk)).exists()


def test_enrolled_user_must_give_a_code_on_every_sign_in(client, users, two_factor):
    # Without django-otp's growing delay after a wrong code (tested below), so the right code may follow at once.
    two_factor.OTP_TOTP_THROTTLE_FACTOR = two_factor.OTP_STATIC_THROTTLE_FACTOR = 0
    warden = users["warden"]
    enrol(warden)
    login(client, "warden")
    response = client.get(reverse("core:dashboard"))
    assert response["Location"].startswith(reverse("security:otp_verify"))
    # Pages other than the code step, sign-out and static files stay closed.
    assert client.get(reverse("people:search")).status_code == 302
    bad = client.post(reverse("security:otp_verify"), {"code": "123456"})
    assert bad.status_code == 400
    assert AuditEntry.objects.filter(action="auth.otp", outcome="failed", actor=warden).exists()
    good = client.post(reverse("security:otp_verify"), {"code": code_for(warden), "next": "/people/"})
    assert good.status_code == 302 and good["Location"] == "/people/"
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_a_wrong_code_delays_the_next_try(client, users, two_factor):
    enrol(users["warden"])
    login(client, "warden")
    assert client.post(reverse("security:otp_verify"), {"code": "123456"}).status_code == 400
    # Guessing is slowed: within the delay even the right code is refused.
    assert client.post(reverse("security:otp_verify"), {"code": code_for(users["warden"])}).status_code == 400


def test_recovery_code_works_once(client, users, two_factor):
    medical = users["medical"]
    sign_in(client, "medical", PASSWORD)
    codes = __import__("emerald.security.services", fromlist=["x"]).otp_recovery_regenerate(
        actor=medical, code=code_for(medical))
    client.post(reverse("accounts:logout"))
    login(client, "medical")
    assert client.post(reverse("security:otp_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200
    client.post(reverse("accounts:logout"))
    login(client, "medical")
    assert client.post(reverse("security:otp_verify"), {"code": codes[0]}).status_code == 400


def test_other_roles_need_no_second_factor(client, users, two_factor):
    for role in ("officer", "unit_manager", "educator", "auditor"):
        client.post(reverse("accounts:logout"))
        login(client, users[role].username)
        assert client.get(reverse("core:dashboard")).status_code == 200, role


def test_open_redirect_refused_after_code(client, users, two_factor):
    enrol(users["warden"])
    login(client, "warden")
    response = client.post(reverse("security:otp_verify"), {"code": code_for(users["warden"]),
                                                            "next": "https://evil.example/"})
    assert response["Location"] == reverse("core:dashboard")


def test_api_token_needs_the_code_for_two_factor_roles(users, two_factor):
    two_factor.OTP_TOTP_THROTTLE_FACTOR = two_factor.OTP_STATIC_THROTTLE_FACTOR = 0
    api = Api()
    # Not enrolled yet: enrol in the web UI first.
    assert_error(api.post("/auth/token", {"username": "warden", "password": PASSWORD}), 403,
                 "otp_enrolment_required")
    enrol(users["warden"])
    assert_error(api.post("/auth/token", {"username": "warden", "password": PASSWORD}), 401, "otp_required")
    assert_error(api.post("/auth/token", {"username": "warden", "password": PASSWORD, "otp": "000000"}), 401,
                 "invalid_otp")
    ok = api.post("/auth/token", {"username": "warden", "password": PASSWORD, "otp": code_for(users["warden"])})
    assert ok.status_code == 200, ok.content
    # Officers need no code.
    assert api.post("/auth/token", {"username": "officer", "password": PASSWORD}).status_code == 200


def test_admin_reset_makes_the_user_enrol_again(client, users, two_factor):
    from emerald.security.services import otp_reset

    enrol(users["investigator"])
    otp_reset(actor=users["administrator"], user=users["investigator"], reason="lost phone")
    assert not otp.is_enrolled(users["investigator"])
    login(client, "investigator")
    assert client.get(reverse("core:dashboard"))["Location"].startswith(reverse("security:otp_enrol"))


def test_demo_secret_and_hint(db):
    from emerald.security.demo import DEMO_TOTP_SECRET, hint

    assert len(otp.totp_now(DEMO_TOTP_SECRET)) == 6
    assert DEMO_TOTP_SECRET in hint()


# --------------------------------------------------------------------------- the second step cannot be skipped


def _recovery_tokens(user) -> set[str]:
    from django_otp.plugins.otp_static.models import StaticToken

    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


@pytest.mark.parametrize("role", ["administrator", "warden", "investigator", "medical"])
def test_password_alone_cannot_make_recovery_codes(client, users, two_factor, role):
    """Regression: the guard let through every path starting with /security/2fa/recovery-codes/."""
    from emerald.security.services import otp_recovery_regenerate

    user = users[role]
    enrol(user)
    real = otp_recovery_regenerate(actor=user, code=code_for(user))
    login(client, user.username)
    response = client.post(reverse("security:otp_recovery_new"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("security:otp_verify"))
    assert client.get(reverse("security:otp_recovery_shown")).status_code == 302
    assert client.get(reverse("security:otp_recovery_shown"))["Location"].startswith(reverse("security:otp_verify"))
    assert _recovery_tokens(user) == set(real), "the real user's codes were replaced"
    # Still held at the code step for every other page.
    assert client.get(reverse("core:dashboard"))["Location"].startswith(reverse("security:otp_verify"))
    # And the API gives no token for a code the attacker does not have.
    api = Api()
    assert_error(api.post("/auth/token", {"username": user.username, "password": PASSWORD, "otp": "abcd2345"}),
                 401, "invalid_otp")


@pytest.mark.parametrize("path_name", [
    "security:account", "security:otp_recovery_new", "security:otp_recovery_shown", "security:otp_enrol",
    "security:sessions", "security:tokens", "security:token_create", "security:staff", "people:search",
])
def test_only_an_exact_list_of_paths_is_open_before_the_code(client, users, two_factor, path_name):
    enrol(users["warden"])
    login(client, "warden")
    for method in (client.get, client.post):
        response = method(reverse(path_name))
        assert response.status_code == 302, (path_name, method)
        assert response["Location"].startswith(reverse("security:otp_verify")), (path_name, response["Location"])
    # A path that merely starts like an open one is not open either.
    assert client.get(reverse("security:otp_verify") + "x/")["Location"].startswith(reverse("security:otp_verify"))


def test_open_paths_before_the_code(client, users, two_factor):
    enrol(users["warden"])
    login(client, "warden")
    assert client.get(reverse("security:otp_verify")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "de", "next": "/"}).status_code == 302
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_enrolment_is_open_only_to_a_user_without_an_authenticator(client, users, two_factor):
    login(client, "investigator")
    assert client.get(reverse("security:otp_enrol")).status_code == 200
    client.post(reverse("accounts:logout"))
    enrol(users["investigator"])
    login(client, "investigator")
    response = client.get(reverse("security:otp_enrol"))
    assert response["Location"].startswith(reverse("security:otp_verify"))


def test_new_recovery_codes_need_a_current_code_again(client, users, two_factor):
    two_factor.OTP_TOTP_THROTTLE_FACTOR = two_factor.OTP_STATIC_THROTTLE_FACTOR = 0
    warden = users["warden"]
    enrol(warden)
    sign_in(client, "warden", PASSWORD)
    assert client.get(reverse("security:otp_recovery_new")).status_code == 200
    before = _recovery_tokens(warden)
    refused = client.post(reverse("security:otp_recovery_new"), {"code": ""})
    assert refused.status_code == 400 and _recovery_tokens(warden) == before
    wrong = client.post(reverse("security:otp_recovery_new"), {"code": "000000"})
    assert wrong.status_code == 400 and _recovery_tokens(warden) == before
    assert AuditEntry.objects.filter(action="otp.recovery_codes", outcome="refused", actor=warden).exists()
    # A recovery code is not a current code of the authenticator.
    from emerald.security.services import _new_recovery_codes

    codes = _new_recovery_codes(warden)
    assert client.post(reverse("security:otp_recovery_new"), {"code": codes[1]}).status_code == 400
    ok = client.post(reverse("security:otp_recovery_new"), {"code": code_for(warden)})
    assert ok.status_code == 302 and ok["Location"] == reverse("security:otp_recovery_shown")
    shown = client.get(reverse("security:otp_recovery_shown")).content.decode()
    assert len(re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)) == 10
    assert _recovery_tokens(warden).isdisjoint(codes)
