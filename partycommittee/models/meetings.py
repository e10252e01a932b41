"""Joint meetings (联席会议) and who attended them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hive.access.scoping import scoped_through
from hive.models import Community, TimeStampedModel
from partycommittee.models.units import ResidentUnit, UnitParticipationQuerySet


class JointMeeting(TimeStampedModel):
    """A joint meeting (联席会议) of the big party committee."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    units: "models.ManyToManyField[ResidentUnit, MeetingAttendance]" = models.ManyToManyField(
        ResidentUnit,
        through="MeetingAttendance",
        related_name="meetings",
        verbose_name=_("units invited"),
    )

    objects = UnitParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")

    def __str__(self):
        return self.title


class MeetingAttendance(TimeStampedModel):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    meeting = models.ForeignKey(
        JointMeeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    unit = models.ForeignKey(
        ResidentUnit, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("unit")
    )
    status = models.CharField(
        _("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT
    )
    attendee = models.CharField(_("attendee"), max_length=60, blank=True)

    objects = scoped_through("meeting").as_manager()

    class Meta:
        ordering = ["meeting", "unit"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="attendance_once_per_unit")
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_status_display()}"
