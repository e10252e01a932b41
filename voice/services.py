"""Every write with a rule in it for the suggestion box and demand solicitation."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import ResidentReport
from hive.access.authorization import NotAuthorized, holds_role, require_administers
from hive.access.roles import Role
from hive.models import Community, ConsentRecord, TimelineEntry, User
from hive.personal_data import mask_personal_text
from hive.personal_data.consent import consent_record
from hive.submissions import store_once, submission_fingerprint
from hive.workflow import transition
from partycommittee.models import DemandItem, ResidentUnit
from voice.models import ReportDemand, Solicitation, Submission, Suggestion, WishDemand
from volunteers.models import MicroWish

SUGGESTION_NOTICE = "voice_suggestion"
SUBMISSION_NOTICE = "voice_submission"


def _window() -> int:
    return int(settings.HIVE_VOICE_DUPLICATE_WINDOW_SECONDS)


# --- Suggestion box -------------------------------------------------------------------


def suggestion_submit(
    *,
    community: Community,
    topic: str,
    text: str,
    resident_name: str = "",
    resident_phone: str = "",
    now: datetime | None = None,
    notice_version: str | None = None,
) -> tuple[Suggestion, bool]:
    """Store a resident's suggestion (and, when they left a name or phone, their consent
    to the personal-data notice); return (suggestion, created).

    Authorization: the caller's.
    """
    now = now or timezone.now()
    has_contact = bool(resident_name or resident_phone)
    suggestion = Suggestion(
        community=community,
        topic=topic,
        text=text,
        resident_name=resident_name,
        resident_phone=resident_phone,
        consent_at=now if has_contact else None,
        fingerprint=submission_fingerprint(community.pk, resident_phone, topic, text),
    )

    def extra(row: Any) -> None:
        if resident_phone:
            consent_record(
                notice=SUGGESTION_NOTICE,
                notice_version=notice_version or settings.HIVE_VOICE_NOTICE_VERSION,
                channel=ConsentRecord.Channel.WEB_FORM,
                phone=resident_phone,
                obj=row,
                community=community,
                accepted_at=now,
            )
        TimelineEntry.objects.create(
            subject=row, community=community, from_state="", to_state=Suggestion.Status.SUBMITTED
        )

    return store_once(suggestion, now=now, window=_window(), record=extra)


@transaction.atomic
def suggestion_answer(
    *, suggestion: Suggestion, actor: User, text: str, public: bool
) -> Suggestion:
    """Answer a suggestion. A public answer is listed, with the suggestion's text masked
    and no name or phone, on the community's page; a private one is for the resident
    (by phone, and on the tracking page).

    Authorization: checked here (require_administers).
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the answer.")})
    require_administers(actor, suggestion.community_id)
    suggestion.answer = text
    suggestion.answer_public = public
    suggestion.answered_at = timezone.now()
    suggestion.answered_by = actor
    transition(
        suggestion,
        action="answer",
        actor=actor,
        note=text,
        update_fields=["answer", "answer_public", "answered_at", "answered_by"],
    )
    return suggestion


# --- Demand solicitation --------------------------------------------------------------


def solicitation_open(
    *,
    community: Community,
    topic: str,
    description: str = "",
    opens_at: datetime,
    closes_at: datetime,
    actor: User,
) -> Solicitation:
    """Open a call for demands in `community` from `opens_at` to `closes_at`.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, community)
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The solicitation must close after it opens.")})
    solicitation = Solicitation(
        community=community,
        topic=topic,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )
    solicitation.full_clean(exclude=["created_by"])
    solicitation.save()
    return solicitation


def _refuse_outside_window(solicitation: Solicitation, now: datetime) -> None:
    if now < solicitation.opens_at:
        raise ValidationError(
            _("This solicitation is not open yet; it opens on %(date)s.")
            % {"date": timezone.localtime(solicitation.opens_at).strftime("%Y-%m-%d %H:%M")},
            code="not_open",
        )
    if now >= solicitation.closes_at:
        raise ValidationError(
            _("This solicitation closed on %(date)s; no more demands are taken.")
            % {"date": timezone.localtime(solicitation.closes_at).strftime("%Y-%m-%d %H:%M")},
            code="closed",
        )


def submission_submit(
    *,
    solicitation: Solicitation,
    text: str,
    resident_name: str = "",
    resident_phone: str = "",
    unit: ResidentUnit | None = None,
    submitted_by: User | None = None,
    now: datetime | None = None,
    notice_version: str | None = None,
) -> tuple[Submission, bool]:
    """Send a demand to an open solicitation, from a resident (name and phone optional,
    with consent) or from a resident unit (its representative `submitted_by`); refused
    outside the window with nothing stored. Returns (submission, created).

    Authorization: checked here for a unit (its representative, in the solicitation's
    community); a resident's is the caller's (the public form).
    """
    now = now or timezone.now()
    _refuse_outside_window(solicitation, now)
    if unit is not None:
        if (
            submitted_by is None
            or unit.community_id != solicitation.community_id
            or not holds_role(submitted_by, Role.UNIT_REP, solicitation.community_id)
            or not unit.representatives.filter(pk=submitted_by.pk).exists()
        ):
            raise NotAuthorized(_("Only a representative of this unit can send its demands."))
        resident_name, resident_phone = "", ""
    submission = Submission(
        solicitation=solicitation,
        community_id=solicitation.community_id,
        source=Submission.Source.UNIT if unit is not None else Submission.Source.RESIDENT,
        text=text,
        resident_name=resident_name,
        resident_phone=resident_phone,
        consent_at=now if (resident_name or resident_phone) else None,
        unit=unit,
        submitted_by=submitted_by,
        fingerprint=submission_fingerprint(
            solicitation.pk, unit.pk if unit else "", resident_phone, text
        ),
    )

    def extra(row: Any) -> None:
        if resident_phone:
            consent_record(
                notice=SUBMISSION_NOTICE,
                notice_version=notice_version or settings.HIVE_VOICE_NOTICE_VERSION,
                channel=ConsentRecord.Channel.WEB_FORM,
                phone=resident_phone,
                obj=row,
                community=solicitation.community,
                accepted_at=now,
            )
        TimelineEntry.objects.create(
            subject=row,
            community_id=solicitation.community_id,
            actor=submitted_by,
            from_state="",
            to_state=Submission.Status.SUBMITTED,
        )

    return store_once(submission, now=now, window=_window(), record=extra)


@transaction.atomic
def submissions_merge(
    *,
    submissions: Iterable[Submission],
    actor: User,
    category: str,
    title: str = "",
    description: str = "",
    priority: int = DemandItem.Priority.NORMAL,
) -> DemandItem:
    """Accept one or several submissions of one community as a single demand of the
    demand list (合并): the demand is created, each submission links to it.

    The demand's source is RESIDENTS when any resident asked, else UNIT (then the units
    are named as who raised it). Its title defaults to the first submission's text.

    Authorization: checked here (require_administers).
    """
    pks = [s.pk for s in submissions]
    if not pks:
        raise ValidationError(_("Choose at least one submission."))
    locked = list(
        # Only the submissions' rows (of="self"): PostgreSQL cannot lock the nullable side
        # of the outer join to their unit.
        Submission.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("unit")
        .order_by("created_at", "pk")
    )
    communities = {s.community_id for s in locked}
    if len(communities) != 1:
        raise ValidationError(_("Only submissions of one community can be merged."))
    community_id = communities.pop()
    require_administers(actor, community_id)
    waiting = [s for s in locked if s.status == Submission.Status.SUBMITTED]
    if len(waiting) != len(locked):
        raise ValidationError(
            _("Some of these submissions were already accepted or declined: %(codes)s")
            % {"codes": ", ".join(s.tracking_code for s in locked if s not in waiting)}
        )
    if category not in DemandItem.Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    from_residents = any(s.source == Submission.Source.RESIDENT for s in locked)
    units = sorted({s.unit.name for s in locked if s.unit_id})
    texts = [s.public_text for s in locked]
    demand = DemandItem(
        community_id=community_id,
        title=(title.strip() or " ".join(texts[0].split()))[:200],
        description=description.strip() or "\n\n".join(texts),
        source=DemandItem.Source.RESIDENTS if from_residents else DemandItem.Source.UNIT,
        category=category,
        priority=priority,
        raised_by=("、".join(units) if not from_residents else "")[:100],
    )
    demand.full_clean(exclude=["meeting"])
    demand.save()
    for submission in locked:
        submission.demand = demand
        transition(
            submission,
            action="accept",
            actor=actor,
            note=demand.title,
            update_fields=["demand"],
        )
    return demand


@transaction.atomic
def submission_decline(*, submission: Submission, actor: User, reason: str) -> Submission:
    """Decline a submission; the sender reads `reason` on the tracking page.

    Authorization: checked here (require_administers).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    require_administers(actor, submission.community_id)
    submission.decline_reason = reason
    transition(
        submission, action="decline", actor=actor, note=reason, update_fields=["decline_reason"]
    )
    return submission


# --- Micro-wishes into the demand list ------------------------------------------------


@transaction.atomic
def wish_to_demand(
    *,
    wish: MicroWish,
    actor: User,
    category: str,
    priority: int = DemandItem.Priority.NORMAL,
) -> WishDemand:
    """Turn a micro-wish into a demand of the demand list in one step (a wish showing a
    need wider than one household), keeping the link. The demand carries the wish's
    public wording (phone and ID numbers masked), never the resident's contact. The wish
    itself goes on as it was. Once per wish.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, wish.community_id)
    wish = MicroWish.objects.select_for_update().get(pk=wish.pk)
    if WishDemand.objects.filter(wish=wish).exists():
        raise ValidationError(_("This micro-wish is already in the demand list."))
    demand = _residents_demand(
        community_id=wish.community_id,
        title=wish.public_title,
        description=wish.public_description,
        raised_by=_("Micro-wish %(code)s") % {"code": wish.tracking_code},
        category=category,
        priority=priority,
    )
    return WishDemand.objects.create(wish=wish, demand=demand, created_by=actor)


def _residents_demand(
    *, community_id: int, title: str, description: str, raised_by: str, category: str, priority: int
) -> DemandItem:
    """A demand raised by residents, from what one of them sent (its public wording)."""
    if category not in DemandItem.Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    demand = DemandItem(
        community_id=community_id,
        title=title[:200],
        description=description,
        source=DemandItem.Source.RESIDENTS,
        category=category,
        priority=priority,
        raised_by=raised_by[:100],
    )
    demand.full_clean(exclude=["meeting"])
    demand.save()
    return demand


@transaction.atomic
def report_to_demand(
    *,
    report: ResidentReport,
    actor: User,
    category: str,
    priority: int = DemandItem.Priority.NORMAL,
) -> ReportDemand:
    """Turn a resident's own report (随手拍) into a demand of the demand list in one step,
    keeping the link: a broken bench reported may show that the square needs seats. The
    demand carries the report's wording with phone and ID numbers masked, never the
    resident's contact; the incident goes on as it was. Once per report.

    Authorization: checked here (require_administers).
    """
    incident = report.incident
    require_administers(actor, incident.community_id)
    report = ResidentReport.objects.select_for_update().get(pk=report.pk)
    if ReportDemand.objects.filter(report=report).exists():
        raise ValidationError(_("This report is already in the demand list."))
    text = mask_personal_text(incident.description)
    demand = _residents_demand(
        community_id=incident.community_id,
        title=f"{incident.get_category_display()}：{' '.join(text.split())[:60]}",
        description=text,
        raised_by=_("Resident's report %(code)s") % {"code": report.tracking_code},
        category=category,
        priority=priority,
    )
    return ReportDemand.objects.create(report=report, demand=demand, created_by=actor)
