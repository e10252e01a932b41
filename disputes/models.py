"""Bee Sound (蜂音): disputes resolved at the source.

Mediation rooms staffed with partner institutions, mediators, dispute cases with their
parties, sessions, agreements and follow-up visits (回访), and the autonomy club's
three-party consultations (三方协商).

Every write with a rule in it goes through `disputes.services`.
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.access.scoping import NOTHING, ScopedQuerySet
from hive.models import Community, TimeStampedModel
from hive.workflow import Action, Workflow


class GovernanceMethod(models.TextChoices):
    """Five-governance integration (五治融合): the methods a case drew on."""

    POLITICS = "politics", _("Political guidance")
    RULE_OF_LAW = "rule_of_law", _("Rule of law")
    VIRTUE = "virtue", _("Rule of virtue")
    SELF_GOVERNANCE = "self_governance", _("Self-governance")
    SMART = "smart", _("Smart governance")


class MediatorVisibleQuerySet(ScopedQuerySet):
    """Rooms, partners, mediators and consultations: every mediator of the community may
    read them (they work with them), other portal roles see nothing."""

    def role_condition(self, user, scope):
        return Q(**{self._lookup("id__in"): scope.community_ids_for(Role.MEDIATOR)})


class MediationRoom(TimeStampedModel):
    """A mediation room: the Bee Sound room (蜂音会客室), the Fengqiao Home (枫桥之家)."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="mediation_rooms",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    partners: "models.ManyToManyField[PartnerInstitution, Any]" = models.ManyToManyField(
        "PartnerInstitution",
        blank=True,
        related_name="rooms",
        verbose_name=_("partner institutions"),
        help_text=_("Institutions that staff the room jointly with the community."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = MediatorVisibleQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("mediation room")
        verbose_name_plural = _("mediation rooms")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="room_name_per_community")
        ]

    def __str__(self):
        return self.name


class PartnerInstitution(TimeStampedModel):
    """A court, police branch, property company, law firm… that staffs a room."""

    class Kind(models.TextChoices):
        COURT = "court", _("Court")
        POLICE = "police", _("Police branch")
        PROPERTY = "property", _("Property company")
        LAW_FIRM = "law_firm", _("Law firm")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="partner_institutions",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    resident_unit = models.ForeignKey(
        "partycommittee.ResidentUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_institutions",
        verbose_name=_("resident unit"),
        help_text=_("The resident unit this institution is, where it is one."),
    )
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = MediatorVisibleQuerySet.as_manager()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="partner_name_per_community")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if (
            self.resident_unit_id
            and self.community_id
            and self.resident_unit.community_id != self.community_id
        ):
            raise ValidationError(
                {"resident_unit": _("Choose a resident unit of the same community.")}
            )


class Mediator(TimeStampedModel):
    """A user who mediates in a community (they also hold the mediator role there)."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="mediators", verbose_name=_("community")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mediator_profiles",
        verbose_name=_("user"),
    )
    institution = models.ForeignKey(
        PartnerInstitution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediators",
        verbose_name=_("institution"),
        help_text=_("Empty for the community's own mediators."),
    )
    specialities = models.CharField(
        _("specialities"),
        max_length=200,
        blank=True,
        help_text=_("For example: property fees, neighbours, family."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = MediatorVisibleQuerySet.as_manager()

    class Meta:
        ordering = ["community", "user__name", "user__username"]
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"], name="mediator_once_per_community"
            )
        ]

    def __str__(self):
        return str(self.user)

    def clean(self):
        from django.core.exceptions import ValidationError

        from hive.models import RoleAssignment

        is_mediator = RoleAssignment.objects.filter(
            user_id=self.user_id, role=Role.MEDIATOR, community_id=self.community_id
        ).exists()
        if self.user_id and self.community_id and not is_mediator:
            raise ValidationError(
                {"user": _("Give this user the mediator role in this community first.")}
            )
        if (
            self.institution_id
            and self.community_id
            and self.institution.community_id != self.community_id
        ):
            raise ValidationError(
                {"institution": _("Choose an institution of the same community.")}
            )


class CaseCounter(models.Model):
    """The last case number given in a community and year.

    Registration locks this row (SELECT … FOR UPDATE) and increments it in the same
    transaction as the case insert: two registrations at once queue on the lock, and a
    registration that fails rolls its number back, so numbers have neither gaps nor
    duplicates. The case's own unique constraint is the last line of defence.
    """

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="case_counter_per_year")
        ]

    def __str__(self):
        return f"{self.community_id}/{self.year}: {self.last_number}"


class DisputeCaseQuerySet(ScopedQuerySet):
    def role_condition(self, user, scope):
        # A mediator sees only the cases they are assigned to, in their communities.
        if not scope.community_ids_for(Role.MEDIATOR):
            return NOTHING
        return Q(pk__in=_assigned_case_ids(user, scope))

    def assigned_to(self, user):
        return self.filter(
            pk__in=DisputeCase.mediators.through.objects.filter(mediator__user_id=user.pk).values(
                "disputecase_id"
            )
        )

    def open(self):
        return self.exclude(status__in=DisputeCase.FINAL_STATES)


class DisputeCase(TimeStampedModel):
    """A dispute brought to a mediation room, numbered per community and year."""

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        INCIDENT = "incident", _("Escalated six-small incident")
        REFERRAL = "referral", _("Referral")
        HOTLINE = "hotline", _("Hotline")

    class Kind(models.TextChoices):
        NEIGHBOURS = "neighbours", _("Neighbours")
        PROPERTY_FEES = "property_fees", _("Property fees")
        FAMILY = "family", _("Family")
        TENANCY = "tenancy", _("Tenancy")
        LABOUR = "labour", _("Labour")
        NOISE = "noise", _("Noise")
        CONTRACT = "contract", _("Contract")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ACCEPTED = "accepted", _("Accepted")
        MEDIATING = "mediating", _("Mediating")
        AGREEMENT_REACHED = "agreement_reached", _("Agreement reached")
        FOLLOWED_UP = "followed_up", _("Performance followed up")
        FAILED = "failed", _("Mediation failed")
        REFERRED = "referred", _("Referred")
        CLOSED = "closed", _("Case closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ReferredTo(models.TextChoices):
        COURT = "court", _("Court")
        ARBITRATION = "arbitration", _("Arbitration")
        OTHER = "other", _("Other")

    # "Open" (withdrawable) means before an outcome: once an agreement is signed the case
    # goes on to its follow-up; once it failed, the applicant may still drop it.
    WITHDRAWABLE_STATES = (Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.FAILED)
    FINAL_STATES = (Status.CLOSED, Status.WITHDRAWN)
    SESSION_STATES = (Status.ACCEPTED, Status.MEDIATING)

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="dispute_cases",
        verbose_name=_("community"),
    )
    room = models.ForeignKey(
        MediationRoom,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("mediation room"),
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    number = models.CharField(_("case number"), max_length=20, editable=False)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.WALK_IN
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("summary"), max_length=120)
    facts = models.TextField(_("facts"))
    amount_in_dispute = models.DecimalField(
        _("amount in dispute (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    governance_methods = models.JSONField(
        _("governance methods"),
        default=list,
        blank=True,
        help_text=_("Five-governance integration: the methods used on this case."),
    )
    mediators = models.ManyToManyField(
        Mediator, blank=True, related_name="cases", verbose_name=_("assigned mediators")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    # The escalated incident (a grids six-small report), generic so this app does not
    # import grids; see disputes.signals.case_closed for the way back.
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source record type"),
    )
    source_id = models.PositiveBigIntegerField(_("source record id"), null=True, blank=True)
    source_record = GenericForeignKey("source_type", "source_id")
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure_reason = models.TextField(_("reason for failure"), blank=True)
    referred_to = models.CharField(
        _("referred to"), max_length=20, choices=ReferredTo.choices, blank=True
    )
    referral_note = models.TextField(_("referral note"), blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    stale_flagged_at = models.DateTimeField(
        _("flagged as inactive at"),
        null=True,
        blank=True,
        help_text=_("When staff were told the case has had no activity; cleared by activity."),
    )

    objects = DisputeCaseQuerySet.as_manager()

    workflow = Workflow(
        actions=[
            Action("accept", [Status.REGISTERED], Status.ACCEPTED, _("Accept the case")),
            Action("start_mediation", [Status.ACCEPTED], Status.MEDIATING, _("Start mediation")),
            Action(
                "agree", [Status.MEDIATING], Status.AGREEMENT_REACHED, _("Record the agreement")
            ),
            Action("fail", [Status.MEDIATING], Status.FAILED, _("Mediation failed")),
            Action(
                "follow_up", [Status.AGREEMENT_REACHED], Status.FOLLOWED_UP, _("Record the visit")
            ),
            Action("refer", [Status.FAILED], Status.REFERRED, _("Refer the case")),
            Action(
                "close", [Status.FOLLOWED_UP, Status.REFERRED], Status.CLOSED, _("Close the case")
            ),
            Action(
                "withdraw",
                [Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.FAILED],
                Status.WITHDRAWN,
                _("The case is withdrawn"),
            ),
        ]
    )

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("dispute case")
        verbose_name_plural = _("dispute cases")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "sequence"], name="case_number_per_community_year"
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=Q(source_id__isnull=False),
                name="case_once_per_source_record",
                violation_error_message=_("A dispute case already exists for this record."),
            ),
            models.CheckConstraint(
                condition=Q(source_type__isnull=True, source_id__isnull=True)
                | Q(source_type__isnull=False, source_id__isnull=False),
                name="case_source_record_complete",
                violation_error_message=_(
                    "The source record is named by both its type and its number, or not at all."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount_in_dispute__isnull=True) | Q(amount_in_dispute__gte=0),
                name="case_amount_not_negative",
                violation_error_message=_("The amount in dispute cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(status="referred") | ~Q(referred_to=""),
                name="case_referred_has_target",
                violation_error_message=_("Say where the case was referred to."),
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="case_closed_has_time",
                violation_error_message=_("A closed case needs the time it was closed."),
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="case_community_status"),
            models.Index(fields=["status", "last_activity_at"], name="case_status_activity"),
        ]

    def __str__(self):
        return f"{self.number} · {self.title}"

    @property
    def governance_labels(self) -> list[str]:
        labels = dict(GovernanceMethod.choices)
        return [str(labels.get(value, value)) for value in self.governance_methods or []]


def _assigned_case_ids(user, scope):
    communities = scope.community_ids_for(Role.MEDIATOR)
    return DisputeCase.mediators.through.objects.filter(
        mediator__user_id=user.pk, mediator__community_id__in=communities
    ).values("disputecase_id")


class CaseChildQuerySet(ScopedQuerySet):
    """Parties, sessions, agreements, follow-ups: scoped like their case."""

    community_path = "case__community"

    def role_condition(self, user, scope):
        if not scope.community_ids_for(Role.MEDIATOR):
            return NOTHING
        return Q(case_id__in=_assigned_case_ids(user, scope))


class CaseParty(TimeStampedModel):
    """An applicant or respondent of a case. Phone and address are personal data."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="parties", verbose_name=_("case")
    )
    role = models.CharField(_("party role"), max_length=20, choices=Role.choices)
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["case", "role", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self):
        from hive.personal_data import mask_name

        return f"{self.get_role_display()}: {mask_name(self.name)}"

    @property
    def community_id(self):
        # personal_data_reveal() logs the community of the record it shows.
        return self.case.community_id


class MediationSession(TimeStampedModel):
    """One sitting of a mediation: when, where, who came, what was said."""

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("case")
    )
    held_at = models.DateTimeField(_("held at"))
    room = models.ForeignKey(
        MediationRoom,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("mediation room"),
    )
    mediators_present = models.ManyToManyField(
        Mediator, related_name="sessions", verbose_name=_("mediators present")
    )
    parties_present = models.ManyToManyField(
        CaseParty, blank=True, related_name="sessions", verbose_name=_("parties present")
    )
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["case", "held_at", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self):
        return f"{self.case.number} · {timezone.localtime(self.held_at):%Y-%m-%d %H:%M}"


class Agreement(TimeStampedModel):
    """The mediation agreement (调解协议) of a case: one per case."""

    class JudicialConfirmation(models.TextChoices):
        NOT_REQUESTED = "not_requested", _("Not requested")
        PENDING = "pending", _("Requested, pending")
        CONFIRMED = "confirmed", _("Confirmed by the court")
        REFUSED = "refused", _("Refused by the court")

    case = models.OneToOneField(
        DisputeCase, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("case")
    )
    terms = models.TextField(_("terms"))
    signed_on = models.DateField(_("signed on"))
    judicial_confirmation = models.CharField(
        _("judicial confirmation"),
        max_length=20,
        choices=JudicialConfirmation.choices,
        default=JudicialConfirmation.NOT_REQUESTED,
        help_text=_("Whether the court was asked to confirm the agreement, and its answer."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return f"{self.case.number} · {self.signed_on:%Y-%m-%d}"

    @property
    def judicial_confirmation_requested(self) -> bool:
        return self.judicial_confirmation != self.JudicialConfirmation.NOT_REQUESTED


class FollowUpQuerySet(CaseChildQuerySet):
    def due(self, on=None):
        on = on or timezone.localdate()
        return self.filter(visited_on__isnull=True, due_on__lte=on).exclude(
            case__status__in=DisputeCase.FINAL_STATES
        )


class FollowUp(TimeStampedModel):
    """A follow-up visit (回访): due some days after the agreement, then recorded with
    whether the agreement is being honoured."""

    class Honoured(models.TextChoices):
        YES = "yes", _("Honoured")
        PARTLY = "partly", _("Partly honoured")
        NO = "no", _("Not honoured")

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="followups", verbose_name=_("case")
    )
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    honoured = models.CharField(
        _("agreement honoured"), max_length=10, choices=Honoured.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    reminded_at = models.DateTimeField(_("mediators reminded at"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            # A recorded visit says whether the agreement is honoured.
            models.CheckConstraint(
                condition=Q(visited_on__isnull=True, honoured="")
                | (Q(visited_on__isnull=False) & ~Q(honoured="")),
                name="followup_visit_has_outcome",
                violation_error_message=_(
                    "A follow-up visit needs both its date and whether the agreement was honoured."
                ),
            ),
            models.UniqueConstraint(fields=["case", "due_on"], name="followup_once_per_day"),
        ]

    def __str__(self):
        return f"{self.case.number} · {self.due_on:%Y-%m-%d}"


class Consultation(TimeStampedModel):
    """A three-party consultation (三方协商) of the autonomy club (自治会): the community,
    the owners' representatives and the property company on one topic."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("community"),
    )
    topic = models.CharField(_("topic"), max_length=200)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    community_participants = models.TextField(
        _("community participants"), help_text=_("Names and positions, one per line.")
    )
    owner_participants = models.TextField(
        _("owners' representatives"), help_text=_("Names and buildings, one per line.")
    )
    property_company = models.ForeignKey(
        PartnerInstitution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("property company"),
    )
    property_participants = models.TextField(
        _("property company participants"), help_text=_("Names and positions, one per line.")
    )
    resolution = models.TextField(_("resolution"), blank=True)
    related_case = models.ForeignKey(
        DisputeCase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("related case"),
    )

    objects = MediatorVisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("three-party consultation")
        verbose_name_plural = _("three-party consultations")

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} · {self.topic}"

    def clean(self):
        errors = {
            name: _("Choose one of the same community.")
            for name in ("property_company", "related_case")
            if getattr(self, f"{name}_id") and getattr(self, name).community_id != self.community_id
        }
        if errors:
            raise ValidationError(errors)


class ConsultationActionQuerySet(MediatorVisibleQuerySet):
    community_path = "consultation__community"


class ConsultationAction(TimeStampedModel):
    """A follow-up action agreed at a consultation: who does what by when."""

    class Party(models.TextChoices):
        COMMUNITY = "community", _("Community")
        OWNERS = "owners", _("Owners")
        PROPERTY = "property", _("Property company")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("consultation"),
    )
    description = models.CharField(_("action"), max_length=200)
    responsible = models.CharField(_("responsible party"), max_length=20, choices=Party.choices)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = ConsultationActionQuerySet.as_manager()

    class Meta:
        ordering = ["consultation", "due_on", "id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self):
        return self.description

    def clean(self):
        try:  # the consultation may be unsaved (an inline's), or not known yet (the API's)
            held_on = self.consultation.held_on
        except Consultation.DoesNotExist:
            return
        errors = {
            name: _("The date cannot be before the consultation.")
            for name in ("due_on", "done_on")
            if getattr(self, name) and held_on and getattr(self, name) < held_on
        }
        if errors:
            raise ValidationError(errors)
