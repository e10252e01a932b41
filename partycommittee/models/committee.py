"""The big party committee (大党委), its members and its documents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hive.access.scoping import ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.uploads import DocumentField
from partycommittee.models.units import ResidentUnit


class BigPartyCommittee(TimeStampedModel):
    """The community's big party committee (大党委): one per community."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="committee", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    established_on = models.DateField(_("established on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community"]
        verbose_name = _("big party committee")
        verbose_name_plural = _("big party committees")

    def __str__(self):
        return self.name


class CommitteeScopedQuerySet(ScopedQuerySet):
    community_path = "committee__community"


class CommitteeMember(TimeStampedModel):
    class Position(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        MEMBER = "member", _("Member")
        CONCURRENT = "concurrent", _("Concurrent member")

    committee = models.ForeignKey(
        BigPartyCommittee,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("committee"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="committee_seats",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_seats",
        verbose_name=_("resident unit"),
        help_text=_("Set for concurrent members (兼职委员) from resident units."),
    )
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)

    objects = CommitteeScopedQuerySet.as_manager()

    class Meta:
        ordering = ["committee", "position", "term_start"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="one_seat_per_person"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="committee_term_ends_after_start",
                violation_error_message=_("The term cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_position_display()}"

    def clean(self):
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("The term cannot end before it starts.")})
        if (
            self.unit_id
            and self.committee_id
            and (self.unit.community_id != self.committee.community_id)
        ):
            raise ValidationError({"unit": _("The unit belongs to another community.")})


class CommitteeDocument(TimeStampedModel):
    class Kind(models.TextChoices):
        CHARTER = "charter", _("Charter (implementation measures)")
        OTHER = "other", _("Other document")

    committee = models.ForeignKey(
        BigPartyCommittee,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("committee"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = DocumentField(
        _("file"),
        upload_to="committee/%Y/",
        help_text=_("PDF, Word or an image."),
    )

    objects = CommitteeScopedQuerySet.as_manager()

    class Meta:
        ordering = ["committee", "-created_at"]
        verbose_name = _("committee document")
        verbose_name_plural = _("committee documents")

    def __str__(self):
        return self.title
