"""Every login success and failure goes into the audit trail."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from emerald.audit import services as audit
from emerald.audit.models import Outcome


def _ip(request) -> str:
    if request is None:
        return ""
    from emerald.core.network import client_address

    return client_address(request)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action="auth.login", object_type="user", object_id=user.pk,
                 summary=f"{user.username} signed in", ip=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="auth.logout", object_type="user", object_id=user.pk,
                     summary=f"{user.username} signed out", ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    audit.record(actor=None, action="auth.login", object_type="user", object_id=username,
                 outcome=Outcome.FAILED, summary=f"failed sign-in as {username!r}", ip=_ip(request))
