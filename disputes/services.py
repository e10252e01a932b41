"""Every write with a rule in it for mediation. Views, the API, the admin and the Celery
tasks call these and nothing else."""

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import (
    Agreement,
    CaseCounter,
    CaseParty,
    Consultation,
    ConsultationAction,
    DisputeCase,
    FollowUp,
    GovernanceMethod,
    MediationRoom,
    MediationSession,
    Mediator,
)
from disputes.signals import case_closed, case_withdrawn
from hive.access.authorization import (
    NotAuthorized,
    administers,
    community_staff,
    holds_role,
    require_administers,
)
from hive.access.roles import Role
from hive.models import Community, TimelineEntry, User
from hive.notifications import notify
from hive.workflow import transition

if TYPE_CHECKING:
    from grids.models import Incident

_T = TypeVar("_T")

Status = DisputeCase.Status
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")


def followup_days() -> int:
    """Days after the agreement's signing that the first follow-up visit falls due."""
    return getattr(settings, "HIVE_DISPUTE_FOLLOWUP_DAYS", 30)


def stale_after() -> timedelta:
    return timedelta(days=getattr(settings, "HIVE_DISPUTE_STALE_DAYS", 14))


# --- Who may act -------------------------------------------------------------------------


def is_assigned_mediator(user: User, case: DisputeCase) -> bool:
    return case.mediators.filter(user_id=user.pk, is_active=True).exists()


def _require_actor(actor: User, case: DisputeCase) -> None:
    """Staff of the case's community, or a mediator assigned to the case."""
    if actor is None or not (
        administers(actor, case.community_id) or is_assigned_mediator(actor, case)
    ):
        raise NotAuthorized(
            _("Only the community's staff or a mediator assigned to this case can do this.")
        )


def _lock(case: DisputeCase) -> DisputeCase:
    locked: DisputeCase = DisputeCase.objects.select_for_update().get(pk=case.pk)
    return locked


def _touch(case: DisputeCase, now: datetime | None = None) -> None:
    """Something happened on the case: it is active again."""
    now = now or timezone.now()
    DisputeCase.objects.filter(pk=case.pk).update(last_activity_at=now, stale_flagged_at=None)
    case.last_activity_at, case.stale_flagged_at = now, None


def _case_url(case: DisputeCase) -> str:
    return reverse("disputes:portal_case_detail", args=[case.pk])


def _notify_mediators(case: DisputeCase, *, title: str, key: str, body: str = "") -> int:
    users = [m.user for m in case.mediators.select_related("user") if m.is_active]
    return notify(
        recipients=users,
        title=title,
        body=body,
        url=_case_url(case),
        key=key,
        community=case.community,
    )


# --- Registration ------------------------------------------------------------------------


def clean_parties(parties: Sequence[dict[str, Any]]) -> list[CaseParty]:
    """At least one applicant and one respondent, each with a name; phones well formed."""
    rows, problems = [], []
    for index, data in enumerate(parties or [], start=1):
        role = (data.get("role") or "").strip()
        name = " ".join((data.get("name") or "").split())
        phone = re.sub(r"\s", "", data.get("phone") or "")
        address = (data.get("address") or "").strip()
        if not name and not phone and not address:
            continue  # an empty row of a form
        if role not in CaseParty.Role.values:
            problems.append(_("Party %(n)s: choose applicant or respondent.") % {"n": index})
        if not name:
            problems.append(_("Party %(n)s: give a name.") % {"n": index})
        if len(name) > 60:
            problems.append(_("Party %(n)s: the name is too long.") % {"n": index})
        if phone and not PHONE_RE.match(phone):
            problems.append(_("Party %(n)s: the phone number is not valid.") % {"n": index})
        if len(address) > 200:
            problems.append(_("Party %(n)s: the address is too long.") % {"n": index})
        rows.append(CaseParty(role=role, name=name, phone=phone, address=address))
    roles = {row.role for row in rows}
    if CaseParty.Role.APPLICANT not in roles or CaseParty.Role.RESPONDENT not in roles:
        problems.append(_("Name at least one applicant and one respondent."))
    if problems:
        raise ValidationError({"parties": problems})
    return rows


def _clean_amount(amount: object) -> Decimal | None:
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValidationError({"amount_in_dispute": _("Enter an amount in yuan.")}) from None
    if value < 0 or value >= Decimal("1e10"):
        raise ValidationError(
            {"amount_in_dispute": _("Enter an amount between 0 and 9,999,999,999.99 yuan.")}
        )
    return value.quantize(Decimal("0.01"))


def _clean_methods(methods: Iterable[str]) -> list[str]:
    methods = list(dict.fromkeys(methods or []))
    unknown = [m for m in methods if m not in GovernanceMethod.values]
    if unknown:
        raise ValidationError(
            {"governance_methods": _("Unknown governance method: %(m)s") % {"m": unknown[0]}}
        )
    # Stored in the declared order, so the same set always reads the same.
    return [m for m in GovernanceMethod.values if m in methods]


def clean_mediators(mediators: Iterable[Mediator], community_id: int) -> list[Mediator]:
    mediators = list(dict.fromkeys(mediators or []))
    for mediator in mediators:
        if mediator.community_id != community_id or not mediator.is_active:
            raise ValidationError(
                {"mediators": _("Choose active mediators of the case's community.")}
            )
    return mediators


def clean_registration(
    *, community: Community, room: MediationRoom | None, registered_at: datetime | None = None
) -> None:
    """A case is registered in a mediation room of its community that is still in use, at
    a time not in the future. `case_register` and the admin's add form both ask here."""
    errors: dict[str, list[str]] = {}
    if room is None or room.community_id != community.pk:
        errors["room"] = [_("Choose a mediation room of this community.")]
    elif not room.is_active:
        errors["room"] = [_("This mediation room is no longer in use.")]
    if registered_at is not None and registered_at > timezone.now():
        errors["registered_at"] = [_("The registration time cannot be in the future.")]
    if errors:
        raise ValidationError(errors)


def next_case_number(*, community: Community, year: int) -> int:
    """The next number of the community's year; call inside the registering transaction.

    The counter row is created if missing (INSERT … ON CONFLICT DO NOTHING, which waits for
    a concurrent creator), then locked until commit, so concurrent registrations take
    turns and a rolled-back one gives its number back.
    """
    CaseCounter.objects.bulk_create(
        [CaseCounter(community=community, year=year, last_number=0)], ignore_conflicts=True
    )
    counter = CaseCounter.objects.select_for_update().get(community=community, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def format_case_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:04d}"


@transaction.atomic
def case_save_new(case: DisputeCase, *, actor: User | None) -> DisputeCase:
    """Number and store a new case whose fields are already checked, and record its
    registration on the timeline. Used by `case_register` and the admin's add form.

    Authorization: the caller's.
    """
    registered_at = case.registered_at or timezone.now()
    case.registered_at = registered_at
    case.year = timezone.localtime(registered_at).year
    case.sequence = next_case_number(community=case.community, year=case.year)
    case.number = format_case_number(case.year, case.sequence)
    case.registered_by = actor if getattr(actor, "is_authenticated", False) else None
    case.last_activity_at = max(registered_at, timezone.now())
    case.save()
    TimelineEntry.objects.create(
        subject=case,
        community=case.community,
        actor=case.registered_by,
        from_state="",
        to_state=Status.REGISTERED,
    )
    return case


@transaction.atomic
def case_register(
    *,
    community: Community,
    room: MediationRoom,
    kind: str,
    title: str,
    facts: str,
    parties: Sequence[dict[str, Any]],
    actor: User | None,
    source: str = DisputeCase.Source.WALK_IN,
    amount_in_dispute: object = None,
    governance_methods: Iterable[str] = (),
    mediators: Iterable[Mediator] = (),
    registered_at: datetime | None = None,
    source_record: Model | None = None,
) -> DisputeCase:
    """Register a dispute: checks everything first, so a refusal stores nothing.

    `parties` is a list of {"role", "name", "phone", "address"}. A mediator registering a
    walk-in is assigned to it (they must be able to see what they registered).

    Authorization: checked here (require_administers, or a mediator of the community).
    """
    if actor is not None and not holds_role(actor, Role.MEDIATOR, community):
        require_administers(actor, community.pk)
    errors: dict[str, list[str]] = {}

    def check(callable_: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return callable_(*args)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    title = " ".join((title or "").split())
    facts = (facts or "").strip()
    if not title:
        errors["title"] = [_("Summarise the dispute in a line.")]
    elif len(title) > 120:
        errors["title"] = [_("Keep the summary under 120 characters.")]
    if not facts:
        errors["facts"] = [_("Describe the facts of the dispute.")]
    if kind not in DisputeCase.Kind.values:
        errors["kind"] = [_("Choose the type of dispute.")]
    if source not in DisputeCase.Source.values:
        errors["source"] = [_("Choose where the case came from.")]
    elif (source == DisputeCase.Source.INCIDENT) != (source_record is not None):
        errors["source"] = [_("An escalated incident is registered from the incident itself.")]
    check(lambda: clean_registration(community=community, room=room, registered_at=registered_at))
    rows = check(clean_parties, parties) or []
    amount = check(_clean_amount, amount_in_dispute)
    methods = check(_clean_methods, governance_methods) or []
    chosen = check(clean_mediators, mediators, community.pk) or []
    if actor is not None and not errors:
        own = Mediator.objects.filter(community=community, user=actor, is_active=True).first()
        if own is not None and own not in chosen and not administers(actor, community.pk):
            chosen.append(own)
    if source_record is not None and not errors:
        source_type = ContentType.objects.get_for_model(source_record)
        if DisputeCase.objects.filter(source_type=source_type, source_id=source_record.pk).exists():
            errors["source"] = [_("This incident has already been escalated to a case.")]
    if errors:
        raise ValidationError(errors)

    case = DisputeCase(
        community=community,
        room=room,
        kind=kind,
        title=title,
        facts=facts,
        source=source,
        amount_in_dispute=amount,
        governance_methods=methods,
        registered_at=registered_at or timezone.now(),
    )
    if source_record is not None:
        case.source_type = ContentType.objects.get_for_model(source_record)
        case.source_id = source_record.pk
    case_save_new(case, actor=actor)
    for row in rows:
        row.case = case
    CaseParty.objects.bulk_create(rows)
    if chosen:
        case.mediators.set(chosen)
        case_mediators_told(case)
    return case


def case_register_from_incident(
    *,
    incident: "Incident",
    room: MediationRoom,
    kind: str,
    parties: Sequence[dict[str, Any]],
    actor: User | None,
    title: str | None = None,
    facts: str | None = None,
    community: Community | None = None,
    mediators: Iterable[Mediator] = (),
) -> DisputeCase:
    """Escalate a six-small incident (a dispute found by a grid member) to the room.

    `incident` is any model instance with a `community` (the grids incident); the case
    keeps a generic reference to it (`source_record`), one case per incident. Title and
    facts default to the incident's `title` and `description`. When the case closes,
    `disputes.signals.case_closed` lets the grids app resolve the incident.

    Authorization: checked here (case_register).
    """
    community = community or incident.community
    return case_register(
        community=community,
        room=room,
        kind=kind,
        title=title if title is not None else str(getattr(incident, "title", "") or incident),
        facts=facts if facts is not None else getattr(incident, "description", ""),
        parties=parties,
        actor=actor,
        source=DisputeCase.Source.INCIDENT,
        mediators=mediators,
        source_record=incident,
    )


@transaction.atomic
def case_assign_mediators(
    *, case: DisputeCase, mediators: Iterable[Mediator], actor: User
) -> DisputeCase:
    """Staff choose who mediates; newly assigned mediators are told.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, case.community_id)
    chosen = clean_mediators(mediators, case.community_id)
    if not chosen:
        raise ValidationError({"mediators": _("Assign at least one mediator.")})
    case = _lock(case)
    if case.status in DisputeCase.FINAL_STATES:
        raise ValidationError(_("This case is finished."), code="finished")
    before = set(case.mediators.values_list("pk", flat=True))
    case.mediators.set(chosen)
    _touch(case)
    case_mediators_told(case, before=before)
    return case


def case_mediators_told(case: DisputeCase, *, before: Iterable[int] = ()) -> int:
    """Tell the active mediators of `case` who were not among `before` (mediator ids)
    that the case is theirs: after registration, assignment in the portal or the API, or
    the admin's case form. Returns how many were told.

    Authorization: the caller's.
    """
    told = 0
    for mediator in case.mediators.select_related("user"):
        if mediator.pk in before or not mediator.is_active:
            continue
        notify(
            recipients=[mediator.user],
            title=_("A case was assigned to you: %(number)s") % {"number": case.number},
            url=_case_url(case),
            key=f"case-assigned-{case.pk}-{mediator.pk}",
            community=case.community,
        )
        told += 1
    return told


# --- Workflow ----------------------------------------------------------------------------


def _move(
    case: DisputeCase, *, action: str, actor: User, note: str = "", fields: Iterable[str] = ()
) -> DisputeCase:
    transition(case, action=action, actor=actor, note=note, update_fields=list(fields))
    _touch(case)
    return case


@transaction.atomic
def case_accept(*, case: DisputeCase, actor: User, note: str = "") -> DisputeCase:
    """Authorization: checked here (_require_actor: administers, or an assigned mediator)."""
    _require_actor(actor, case)
    case = _lock(case)
    return _move(case, action="accept", actor=actor, note=note)


@transaction.atomic
def case_start_mediation(*, case: DisputeCase, actor: User, note: str = "") -> DisputeCase:
    """Authorization: checked here (_require_actor: administers, or an assigned mediator)."""
    _require_actor(actor, case)
    case = _lock(case)
    if not case.mediators.exists():
        raise ValidationError({"mediators": _("Assign a mediator before mediation starts.")})
    return _move(case, action="start_mediation", actor=actor, note=note)


@transaction.atomic
def case_fail(*, case: DisputeCase, actor: User, reason: str) -> DisputeCase:
    """Authorization: checked here (_require_actor: administers, or an assigned mediator)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the mediation failed.")})
    _require_actor(actor, case)
    case = _lock(case)
    case.failed_at = timezone.now()
    case.failure_reason = reason
    return _move(
        case,
        action="fail",
        actor=actor,
        note=reason,
        fields=["failed_at", "failure_reason"],
    )


@transaction.atomic
def case_refer(*, case: DisputeCase, actor: User, referred_to: str, note: str = "") -> DisputeCase:
    """Authorization: checked here (_require_actor: administers, or an assigned mediator)."""
    if referred_to not in DisputeCase.ReferredTo.values:
        raise ValidationError(
            {"referred_to": _("Choose where the case is referred: court, arbitration or other.")}
        )
    _require_actor(actor, case)
    case = _lock(case)
    case.referred_to = referred_to
    case.referral_note = (note or "").strip()
    return _move(
        case,
        action="refer",
        actor=actor,
        note=case.referral_note or case.get_referred_to_display(),
        fields=["referred_to", "referral_note"],
    )


@transaction.atomic
def case_close(*, case: DisputeCase, actor: User, note: str = "") -> DisputeCase:
    """Close a followed-up or referred case. Sends `case_closed` in the transaction: the
    grids app resolves an escalated incident there.

    Authorization: checked here (_require_actor: administers, or an assigned mediator).
    """
    _require_actor(actor, case)
    case = _lock(case)
    case.closed_at = timezone.now()
    _move(case, action="close", actor=actor, note=note, fields=["closed_at"])
    case_closed.send(sender=DisputeCase, case=case, actor=actor)
    return case


@transaction.atomic
def case_withdraw(*, case: DisputeCase, actor: User, reason: str) -> DisputeCase:
    """Authorization: checked here (_require_actor: administers, or an assigned mediator)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is withdrawn.")})
    _require_actor(actor, case)
    case = _lock(case)
    case.withdrawal_reason = reason
    case.closed_at = timezone.now()
    _move(
        case,
        action="withdraw",
        actor=actor,
        note=reason,
        fields=["withdrawal_reason", "closed_at"],
    )
    case_withdrawn.send(sender=DisputeCase, case=case, actor=actor)
    return case


# --- Sessions, agreements, follow-ups ----------------------------------------------------


@transaction.atomic
def session_record(
    *,
    case: DisputeCase,
    actor: User,
    held_at: datetime,
    notes: str,
    mediators_present: Iterable[Mediator],
    parties_present: Iterable[CaseParty] = (),
    room: MediationRoom | None = None,
) -> MediationSession:
    """Record a sitting. The first one on an accepted case starts the mediation.

    Authorization: checked here (_require_actor: administers, or an assigned mediator).
    """
    _require_actor(actor, case)
    case = _lock(case)
    errors: dict[str, list[str]] = {}
    if case.status not in DisputeCase.SESSION_STATES:
        errors["status"] = [_("Sessions are recorded while a case is accepted or being mediated.")]
    notes = (notes or "").strip()
    if not notes:
        errors["notes"] = [_("Write down what was discussed.")]
    if held_at is None:
        errors["held_at"] = [_("Give the time of the session.")]
    elif held_at > timezone.now() + timedelta(minutes=5):
        errors["held_at"] = [_("A session is recorded after it took place.")]
    elif timezone.localtime(held_at).date() < timezone.localtime(case.registered_at).date():
        errors["held_at"] = [_("The session cannot be before the case was registered.")]
    room = room or case.room
    if room.community_id != case.community_id:
        errors["room"] = [_("Choose a mediation room of this community.")]
    present = list(dict.fromkeys(mediators_present or []))
    if not present:
        errors["mediators_present"] = [_("Name the mediators who were present.")]
    elif any(m.community_id != case.community_id for m in present):
        errors["mediators_present"] = [_("Choose mediators of the case's community.")]
    parties = list(dict.fromkeys(parties_present or []))
    if any(p.case_id != case.pk for p in parties):
        errors["parties_present"] = [_("Choose parties of this case.")]
    if errors:
        raise ValidationError(errors)
    session = MediationSession.objects.create(
        case=case, held_at=held_at, room=room, notes=notes, recorded_by=actor
    )
    session.mediators_present.set(present)
    session.parties_present.set(parties)
    if case.status == Status.ACCEPTED:
        transition(case, action="start_mediation", actor=actor, note=_("First mediation session."))
    _touch(case)
    return session


@transaction.atomic
def agreement_record(
    *,
    case: DisputeCase,
    actor: User,
    terms: str,
    signed_on: date,
    judicial_confirmation: str = Agreement.JudicialConfirmation.NOT_REQUESTED,
) -> Agreement:
    """The parties signed: the case reaches agreement and its first follow-up visit is
    scheduled `HIVE_DISPUTE_FOLLOWUP_DAYS` after signing.

    Authorization: checked here (_require_actor: administers, or an assigned mediator).
    """
    _require_actor(actor, case)
    case = _lock(case)
    errors: dict[str, list[str]] = {}
    if case.status != Status.MEDIATING:
        errors["status"] = [
            _("An agreement can only be recorded while the case is being mediated.")
        ]
    terms = (terms or "").strip()
    if not terms:
        errors["terms"] = [_("Write down the terms the parties agreed.")]
    if signed_on is None:
        errors["signed_on"] = [_("Give the date the agreement was signed.")]
    elif signed_on > timezone.localdate():
        errors["signed_on"] = [_("The signing date cannot be in the future.")]
    elif signed_on < timezone.localtime(case.registered_at).date():
        errors["signed_on"] = [_("The agreement cannot be signed before the case was registered.")]
    if judicial_confirmation not in Agreement.JudicialConfirmation.values:
        errors["judicial_confirmation"] = [_("Choose the state of judicial confirmation.")]
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.create(
        case=case,
        terms=terms,
        signed_on=signed_on,
        judicial_confirmation=judicial_confirmation,
        recorded_by=actor,
    )
    transition(case, action="agree", actor=actor, note=terms[:200])
    FollowUp.objects.create(case=case, due_on=signed_on + timedelta(days=followup_days()))
    _touch(case)
    return agreement


@transaction.atomic
def agreement_update_confirmation(
    *, agreement: Agreement, actor: User, judicial_confirmation: str
) -> Agreement:
    """The court answered (or was asked) about judicial confirmation.

    Authorization: checked here (_require_actor: administers, or an assigned mediator).
    """
    _require_actor(actor, agreement.case)
    if judicial_confirmation not in Agreement.JudicialConfirmation.values:
        raise ValidationError(
            {"judicial_confirmation": _("Choose the state of judicial confirmation.")}
        )
    agreement.judicial_confirmation = judicial_confirmation
    agreement.save(update_fields=["judicial_confirmation", "updated_at"])
    _touch(agreement.case)
    return agreement


def _agreement_of(case: DisputeCase) -> Agreement | None:
    return Agreement.objects.filter(case=case).first()


@transaction.atomic
def followup_schedule(*, case: DisputeCase, actor: User, due_on: date) -> FollowUp:
    """Plan another follow-up visit (e.g. the agreement was only partly honoured).

    Authorization: checked here (_require_actor: administers, or an assigned mediator).
    """
    _require_actor(actor, case)
    case = _lock(case)
    agreement = _agreement_of(case)
    if agreement is None or case.status in DisputeCase.FINAL_STATES:
        raise ValidationError(
            {"status": _("Follow-up visits are planned for a case with an open agreement.")}
        )
    if due_on is None or due_on < agreement.signed_on:
        raise ValidationError(
            {"due_on": _("A follow-up visit cannot be due before the agreement was signed.")}
        )
    if FollowUp.objects.filter(case=case, due_on=due_on).exists():
        raise ValidationError({"due_on": _("A visit is already planned for this day.")})
    followup = FollowUp.objects.create(case=case, due_on=due_on)
    _touch(case)
    return followup


@transaction.atomic
def followup_record(
    *, followup: FollowUp, actor: User, visited_on: date, honoured: str, notes: str = ""
) -> FollowUp:
    """Record a visit and whether the agreement is honoured; the first one moves the case
    to "performance followed up".

    Authorization: checked here (_require_actor: administers, or an assigned mediator).
    """
    case = followup.case
    _require_actor(actor, case)
    case = _lock(case)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    agreement = _agreement_of(case)
    errors: dict[str, list[str]] = {}
    if followup.visited_on is not None:
        errors["visited_on"] = [_("This visit is already recorded.")]
    if case.status not in (Status.AGREEMENT_REACHED, Status.FOLLOWED_UP) or agreement is None:
        errors["status"] = [_("Follow-up visits are recorded after an agreement.")]
    if visited_on is None:
        errors["visited_on"] = [_("Give the date of the visit.")]
    elif visited_on > timezone.localdate():
        errors["visited_on"] = [_("The visit date cannot be in the future.")]
    elif agreement is not None and visited_on < agreement.signed_on:
        errors["visited_on"] = [_("A follow-up visit cannot be before the agreement was signed.")]
    if honoured not in FollowUp.Honoured.values:
        errors["honoured"] = [_("Say whether the agreement is being honoured.")]
    if errors:
        raise ValidationError(errors)
    followup.visited_on = visited_on
    followup.honoured = honoured
    followup.notes = (notes or "").strip()
    followup.recorded_by = actor
    followup.save(update_fields=["visited_on", "honoured", "notes", "recorded_by", "updated_at"])
    if case.status == Status.AGREEMENT_REACHED:
        transition(
            case,
            action="follow_up",
            actor=actor,
            note=f"{followup.get_honoured_display()} {followup.notes}".strip(),
        )
    _touch(case)
    return followup


# --- Periodic work -------------------------------------------------------------------------


def followups_remind_due(*, today: date | None = None) -> int:
    """Tell the assigned mediators about each follow-up visit now due; each visit once.

    The conditional UPDATE (… WHERE reminded_at IS NULL) lets one run win each visit, and
    the notification key stops a repeat if a run is retried.

    Authorization: the caller's.
    """
    today = today or timezone.localdate()
    candidates = FollowUp.objects.due(today).filter(reminded_at__isnull=True)
    reminded = 0
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            won = FollowUp.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not won:
                continue
            followup = FollowUp.objects.select_related("case__community").get(pk=pk)
            case = followup.case
            _notify_mediators(
                case,
                title=_("Follow-up visit due: %(number)s") % {"number": case.number},
                body=_(
                    "Visit the parties by %(date)s and record whether the agreement is "
                    "being honoured."
                )
                % {"date": f"{followup.due_on:%Y-%m-%d}"},
                key=f"followup-due-{followup.pk}",
            )
            reminded += 1
    return reminded


def cases_flag_stale(*, now: datetime | None = None) -> int:
    """Tell staff about open cases with no activity for `HIVE_DISPUTE_STALE_DAYS`; once per
    quiet spell (new activity clears the flag).

    Authorization: the caller's.
    """
    now = now or timezone.now()
    candidates = DisputeCase.objects.exclude(status__in=DisputeCase.FINAL_STATES).filter(
        last_activity_at__lte=now - stale_after(), stale_flagged_at__isnull=True
    )
    flagged = 0
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            won = (
                DisputeCase.objects.filter(pk=pk, stale_flagged_at__isnull=True)
                .exclude(status__in=DisputeCase.FINAL_STATES)
                .update(stale_flagged_at=now)
            )
            if not won:
                continue
            case = DisputeCase.objects.select_related("community").get(pk=pk)
            days = (now - case.last_activity_at).days
            notify(
                recipients=community_staff(case.community_id),
                title=_("No activity on case %(number)s for %(days)s days")
                % {"number": case.number, "days": days},
                body=case.title,
                url=reverse("admin:disputes_disputecase_change", args=[case.pk]),
                key=f"case-stale-{case.pk}-{case.last_activity_at.timestamp():.0f}",
                community=case.community,
            )
            flagged += 1
    return flagged


# --- Three-party consultations ---------------------------------------------------------------


@transaction.atomic
def consultation_save(
    *, consultation: Consultation, actions: Sequence[dict[str, Any]] | None = None
) -> Consultation:
    """Store a three-party consultation and (when given) replace its follow-up actions
    (ConsultationAction.clean: none dated before the meeting).

    Authorization: the caller's.
    """
    consultation.full_clean()
    consultation.save()
    if actions is not None:
        rows = [ConsultationAction(consultation=consultation, **data) for data in actions]
        errors = []
        for index, row in enumerate(rows, start=1):
            try:
                row.full_clean()
            except ValidationError as exc:
                errors += [
                    _("Action %(n)s: %(message)s") % {"n": index, "message": message}
                    for message in exc.messages
                ]
        if errors:
            raise ValidationError({"actions": errors})
        consultation.actions.all().delete()
        ConsultationAction.objects.bulk_create(rows)
    return consultation
