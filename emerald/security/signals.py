"""Session bookkeeping at sign-in and sign-out, and ending everything when an account changes.

Disabling an account or changing its role ends all of that user's sessions and
revokes all of their API tokens at once, however the change is saved (the
services in emerald/accounts/services.py, the shell, a script): the receivers
here watch the model itself.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from emerald.accounts.models import User
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.network import client_address
from emerald.security.models import UserSession

#: Session keys: the tracked session's id and the account's session epoch at sign-in.
SID_KEY = "_emerald_sid"
EPOCH_KEY = "_emerald_epoch"


@receiver(user_logged_in, dispatch_uid="emerald_security_session_start")
def _session_started(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    from emerald.security.services import session_start

    # Django has already cycled the session key (a new session starts at sign-in); make sure it is stored.
    if not request.session.session_key:
        request.session.save()
    row = session_start(actor=user, session_key=request.session.session_key or "",
                        ip=client_address(request),
                        user_agent=request.META.get("HTTP_USER_AGENT", "") or "")
    request.session[SID_KEY] = row.pk
    request.session[EPOCH_KEY] = user.session_epoch


@receiver(user_logged_out, dispatch_uid="emerald_security_session_signed_out")
def _session_signed_out(sender, request, user, **kwargs):
    sid = request.session.get(SID_KEY) if request is not None and hasattr(request, "session") else None
    if sid and user is not None:
        # Bookkeeping only: the sign-out itself is audited as auth.logout.
        UserSession.objects.filter(pk=sid, ended_at__isnull=True).update(
            ended_at=Greatest("started_at", Value(clock.now())), end_reason="signed out", ended_by=user)


@receiver(pre_save, sender=User, dispatch_uid="emerald_security_user_watch")
def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        return
    before = User.objects.filter(pk=instance.pk).values("role", "is_active").first()
    instance._emerald_before = before


@receiver(post_save, sender=User, dispatch_uid="emerald_security_user_changed")
def _end_everything_on_change(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_emerald_before", None)
    instance._emerald_before = None
    if raw or created or before is None:
        return
    reasons = []
    if before["role"] != instance.role:
        reasons.append(f"role changed from {before['role']} to {instance.role}")
    if before["is_active"] and not instance.is_active:
        reasons.append("account disabled")
    if not reasons:
        return
    from emerald.security.services import end_all_sessions, revoke_all_tokens

    reason = "; ".join(reasons)
    # The epoch is raised in the database (save(update_fields=...) would skip a changed attribute).
    User.objects.filter(pk=instance.pk).update(session_epoch=F("session_epoch") + 1)
    instance.session_epoch = User.objects.filter(pk=instance.pk).values_list("session_epoch", flat=True).first()
    sessions = end_all_sessions(actor=None, user=instance, reason=reason)
    tokens = revoke_all_tokens(actor=None, user=instance, reason=reason)
    audit.record(actor=None, action="session.end_all", object_type="user", object_id=instance.pk,
                 changes={"sessions": sessions, "tokens_revoked": tokens, "reason": reason},
                 summary=f"ended {sessions} sessions and revoked {tokens} API tokens of {instance.username}: "
                         f"{reason}")
