"""The audit trail: an append-only, hash-chained record of who did and saw what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    SUCCESS = "success", _("success")
    DENIED = "denied", _("denied")
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("failed")


class AuditEntry(models.Model):
    """One thing that happened: a write, a refused or denied attempt, a login, or a read of a record.

    ``seq`` runs 1, 2, 3... without gaps, and ``hash`` is an HMAC, keyed with a secret the
    database does not hold (``key_id`` names which), of this entry's fields and the previous
    entry's hash: changing or removing any entry breaks the chain at that point, and nobody
    without the key can mend it. Database triggers refuse UPDATE and DELETE.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The username as it was, so the entry stays readable and verifiable if the user is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, blank=True, db_index=True)
    object_id = models.CharField(max_length=80, blank=True, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    changes = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The fingerprint of the key that signed this entry (emerald/audit/keys.py). NULL only for entries
    # written before the chain was keyed: a nullable column without a default is added in place,
    # without rewriting the append-only table.
    key_id = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 - NULL means "before keys"

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"


class AuditChainHead(models.Model):
    """The single row naming the last entry of the chain.

    Locking it serialises appends (so ``seq`` has no gaps and each entry names
    its true predecessor), and it lets ``audit verify`` notice entries removed
    from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")]

    def __str__(self) -> str:
        return f"audit chain head at entry {self.seq}"
