"""Places: facility → unit → cell → bed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class SecurityLevel(models.TextChoices):
    MINIMUM = "minimum", _("minimum")
    MEDIUM = "medium", _("medium")
    MAXIMUM = "maximum", _("maximum")


SECURITY_RANK: dict[str, int] = {SecurityLevel.MINIMUM: 1, SecurityLevel.MEDIUM: 2, SecurityLevel.MAXIMUM: 3}


class Facility(models.Model):
    """A prison or jail: the outermost scope of a keep-apart order."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        # Codes are looked up ignoring case (as inmate numbers are): "oz" and "OZ" must not be two facilities.
        constraints = [models.UniqueConstraint(Upper("code"), name="facility_code_unique_ignoring_case")]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.code


class UnitKind(models.TextChoices):
    GENERAL = "general_population", _("general population")
    REHABILITATION = "rehabilitation", _("rehabilitation")
    SEGREGATION = "segregation", _("segregation")
    PROTECTIVE = "protective_custody", _("protective custody")
    MEDICAL = "medical", _("medical")
    TEMPORARY = "temporary", _("temporary")
    INTAKE = "intake", _("intake")


class UnitStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", pgettext_lazy("unit status", "closed")
    LOCKED_DOWN = "locked_down", _("locked down")


class Unit(models.Model):
    """A housing unit (a wing, a block, a dormitory). Closed units take nobody in."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    security_level = models.CharField(_("security level"), max_length=10, choices=SecurityLevel.choices)
    status = models.CharField(_("status"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.OPEN)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_units", verbose_name=_("unit managers")
    )
    history = HistoricalRecords(m2m_fields=[managers])

    class Meta:
        ordering = ["facility__code", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="unit_code_unique_in_facility"),
            models.CheckConstraint(condition=Q(kind__in=UnitKind.values), name="unit_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=UnitStatus.values), name="unit_status_valid"),
            models.CheckConstraint(condition=Q(security_level__in=SecurityLevel.values), name="unit_security_valid"),
        ]

    def __str__(self) -> str:
        return self.code


class UnitStatusChange(models.Model):
    """Why and by whom a unit was closed, reopened (or later, locked down). Never edited."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=UnitStatus.choices)
    to_status = models.CharField(max_length=12, choices=UnitStatus.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="unit_status_change_has_reason")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_status} → {self.to_status}"


class Cell(models.Model):
    """A cell or a dormitory. Its working capacity is the number of its beds in service."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cells")
    code = models.CharField(_("code"), max_length=30)
    certified_capacity = models.PositiveSmallIntegerField(_("certified capacity"))
    in_service = models.BooleanField(_("in service"), default=True)
    out_of_service_reason = models.TextField(_("out-of-service reason"), blank=True)
    accessible = models.BooleanField(_("accessible"), default=False)
    single_occupancy = models.BooleanField(_("single occupancy only"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit_id", "code"]
        verbose_name = _("cell")
        verbose_name_plural = _("cells")
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="cell_code_unique_in_unit"),
            models.CheckConstraint(
                condition=Q(in_service=True) | ~Q(out_of_service_reason=""), name="cell_out_of_service_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Bunk(models.TextChoices):
    LOWER = "lower", _("lower bunk")
    UPPER = "upper", _("upper bunk")
    SINGLE = "single", _("single bed")


class Bed(models.Model):
    """One bed. An open placement holds exactly one bed, and the database allows one open placement per bed,
    so a cell can never hold more people than it has beds, whatever the application does."""

    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="beds")
    number = models.PositiveSmallIntegerField()
    bunk = models.CharField(max_length=8, choices=Bunk.choices, default=Bunk.SINGLE)
    in_service = models.BooleanField(default=True)

    class Meta:
        ordering = ["cell_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "number"], name="bed_number_unique_in_cell"),
            models.CheckConstraint(condition=Q(number__gte=1), name="bed_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cell.code}/{self.number}"


class CellServiceChange(models.Model):
    """A cell taken out of service or returned to it, with who and why."""

    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="service_changes")
    in_service = models.BooleanField()
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="cell_service_change_has_reason")]

    def __str__(self) -> str:
        return f"{self.cell_id}: {'in' if self.in_service else 'out of'} service"
