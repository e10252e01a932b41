"""Every write with a rule in it for micro-wishes. Views, the API, the admin and the
Celery tasks call these and nothing else."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.access.authorization import (
    NotAuthorized,
    community_staff,
    holds_role,
    require_administers,
)
from hive.access.roles import Role
from hive.models import Community, ConsentRecord, TimelineEntry, User
from hive.notifications import notify
from hive.personal_data.consent import WISH_NOTICE, consent_record
from hive.submissions import duplicate_window_seconds, store_once, submission_fingerprint
from hive.workflow import transition
from volunteers.models import MicroWish, WishPhoto
from volunteers.signals import wish_confirmed

if TYPE_CHECKING:
    from partycommittee.models import ResidentUnit


logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    return timedelta(days=getattr(settings, "HIVE_WISH_STALE_DAYS", 3))


def claim_reminder_after() -> timedelta:
    return timedelta(hours=getattr(settings, "HIVE_WISH_CLAIM_REMINDER_HOURS", 72))


def wish_fingerprint(
    *, community_id: int, phone: str, category: str, title: str, description: str
) -> str:
    """The same person asking the same thing in the same community: one wish."""
    return submission_fingerprint(community_id, phone, category, title, description)


def wish_submit(
    *,
    community: Community,
    category: str,
    title: str,
    description: str = "",
    resident_name: str,
    resident_phone: str,
    address: str,
    now: datetime | None = None,
    notice_version: str | None = None,
    channel: str = ConsentRecord.Channel.WEB_FORM,
) -> tuple[MicroWish, bool]:
    """Store a resident's wish and their consent to the personal-data notice (version
    `notice_version`, by default HIVE_WISH_NOTICE_VERSION); return (wish, created).

    The same wish sent again within the duplicate window returns the stored one. Two
    copies racing each other are stopped by the unique (fingerprint, window) constraint;
    the check over the last `window` seconds catches a resend across a window edge.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    window = duplicate_window_seconds()
    fingerprint = wish_fingerprint(
        community_id=community.pk,
        phone=resident_phone,
        category=category,
        title=title,
        description=description,
    )
    wish = MicroWish(
        community=community,
        category=category,
        title=title,
        description=description,
        resident_name=resident_name,
        resident_phone=resident_phone,
        address=address,
        consent_at=now,
        fingerprint=fingerprint,
    )

    def record(wish: MicroWish) -> None:
        consent_record(
            notice=WISH_NOTICE,
            notice_version=notice_version or settings.HIVE_WISH_NOTICE_VERSION,
            channel=channel,
            phone=resident_phone,
            obj=wish,
            community=community,
            accepted_at=now,
        )
        TimelineEntry.objects.create(
            subject=wish,
            community=community,
            from_state="",
            to_state=MicroWish.Status.SUBMITTED,
        )

    return store_once(wish, now=now, window=window, since_field="consent_at", record=record)


def _lock(wish: MicroWish) -> MicroWish:
    locked: MicroWish = MicroWish.objects.select_for_update().get(pk=wish.pk)
    return locked


@transaction.atomic
def wish_publish(*, wish: MicroWish, actor: User, note: str = "") -> MicroWish:
    """Staff reviewed the wish: it goes on the wall for party members to claim.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, wish.community)
    wish = _lock(wish)
    wish.published_at = timezone.now()
    transition(wish, action="publish", actor=actor, note=note, update_fields=["published_at"])
    return wish


@transaction.atomic
def wish_reject(*, wish: MicroWish, actor: User, reason: str) -> MicroWish:
    """Refuse the wish; the resident reads `reason` on the tracking page.

    Authorization: checked here (require_administers).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the resident a reason for the rejection.")})
    require_administers(actor, wish.community)
    wish = _lock(wish)
    wish.rejection_reason = reason
    transition(
        wish,
        action="reject",
        actor=actor,
        note=reason,
        update_fields=["rejection_reason"],
    )
    return wish


@transaction.atomic
def wish_withdraw(*, wish: MicroWish, note: str = "") -> MicroWish:
    """The resident, holding the tracking code, takes the wish back (until it is done).

    Authorization: the caller's.
    """
    wish = _lock(wish)
    transition(wish, action="withdraw", actor=None, note=note.strip())
    if wish.claimed_by_id:
        notify(
            recipients=[wish.claimed_by],
            title=_("A wish you took on was withdrawn: %(title)s") % {"title": wish.title},
            url=reverse("volunteers:portal_wish_detail", args=[wish.pk]),
            key=f"wish-withdrawn-{wish.pk}",
            community=wish.community,
        )
    return wish


def _give_to(
    wish: MicroWish,
    *,
    action: str,
    member: User,
    actor: User,
    assigned_by: User | None,
    note: str,
    unit: "ResidentUnit | None" = None,
) -> MicroWish:
    if unit is None and not holds_role(member, Role.PARTY_MEMBER, wish.community_id):
        raise ValidationError(
            {"member": _("Only a party member of this wish's community can take it on.")}
        )
    if wish.status == MicroWish.Status.CLAIMED:
        raise ValidationError(
            _("Someone else has already claimed this wish."), code="already_claimed"
        )
    wish.claimed_by = member
    wish.claimed_at = timezone.now()
    wish.assigned_by = assigned_by
    wish.assigned_unit = unit
    wish.claim_reminded_at = None
    transition(
        wish,
        action=action,
        actor=actor,
        note=note,
        update_fields=[
            "claimed_by",
            "claimed_at",
            "assigned_by",
            "assigned_unit",
            "claim_reminded_at",
        ],
    )
    return wish


@transaction.atomic
def wish_claim(*, wish: MicroWish, member: User) -> MicroWish:
    """A party member takes the wish on. The row lock makes a simultaneous second claim
    wait, then see "claimed" and get a clear refusal.

    Authorization: checked here (a party member of the wish's community).
    """
    if not holds_role(member, Role.PARTY_MEMBER, wish.community_id):
        raise NotAuthorized(_("Only a party member of this wish's community can take it on."))
    wish = _lock(wish)
    return _give_to(wish, action="claim", member=member, actor=member, assigned_by=None, note="")


@transaction.atomic
def wish_assign(*, wish: MicroWish, member: User, actor: User, note: str = "") -> MicroWish:
    """组织派单: staff give a published wish nobody claimed to a party member.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, wish.community)
    wish = _lock(wish)
    wish = _give_to(wish, action="assign", member=member, actor=actor, assigned_by=actor, note=note)
    notify(
        recipients=[member],
        title=_("A wish was assigned to you: %(title)s") % {"title": wish.title},
        body=note,
        url=reverse("volunteers:portal_wish_detail", args=[wish.pk]),
        # _give_to has just set claimed_at.
        key=f"wish-assigned-{wish.pk}-{cast(datetime, wish.claimed_at).timestamp():.0f}",
        community=wish.community,
    )
    return wish


@transaction.atomic
def wish_assign_unit(
    *, wish: MicroWish, unit: "ResidentUnit", actor: User, note: str = ""
) -> MicroWish:
    """组织派单 to a resident unit: the unit takes the wish on, carried by its (first
    active) representative, who records the fulfilment; every representative is told.

    Authorization: checked here (require_administers).
    """
    require_administers(actor, wish.community)
    wish = _lock(wish)
    if unit.community_id != wish.community_id or not unit.is_active:
        raise ValidationError({"unit": _("Choose an active resident unit of this community.")})
    representatives = list(unit.representatives.filter(is_active=True).order_by("pk"))
    if not representatives:
        raise ValidationError(
            {"unit": _("This unit has no representative in the portal to take the wish on.")}
        )
    wish = _give_to(
        wish,
        action="assign",
        member=representatives[0],
        actor=actor,
        assigned_by=actor,
        note=note,
        unit=unit,
    )
    notify(
        recipients=representatives,
        title=_("A wish was assigned to your unit: %(title)s") % {"title": wish.title},
        body=note,
        url=reverse("volunteers:portal_wish_detail", args=[wish.pk]),
        # _give_to has just set claimed_at.
        key=f"wish-assigned-{wish.pk}-{cast(datetime, wish.claimed_at).timestamp():.0f}",
        community=wish.community,
    )
    return wish


@transaction.atomic
def wish_fulfil(
    *, wish: MicroWish, member: User, note: str, photos: Iterable["File[bytes]"] = ()
) -> MicroWish:
    """The claimer says the wish came true, with a note and optional photos (already
    cleaned by hive.uploads).

    Authorization: checked here (the claimer only).
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    wish = _lock(wish)
    if wish.claimed_by_id not in (None, member.pk):  # unclaimed: the workflow refuses
        raise NotAuthorized(_("Only the party member who claimed this wish can fulfil it."))
    wish.fulfilment_note = note
    wish.fulfilled_at = timezone.now()
    transition(
        wish,
        action="fulfil",
        actor=member,
        note=note,
        update_fields=["fulfilment_note", "fulfilled_at"],
    )
    WishPhoto.objects.bulk_create([WishPhoto(wish=wish, image=photo) for photo in photos])
    return wish


def _valid_rating(rating: Any) -> int:  # whatever the form or the API sent
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    return value


@transaction.atomic
def wish_confirm(
    *, wish: MicroWish, rating: int, note: str = "", actor: User | None = None
) -> MicroWish:
    """The resident (actor None, from the tracking page) or staff on the resident's behalf
    (actor set, note required) confirm that the wish came true, with a 1–5 rating.

    Hook: sends `volunteers.signals.wish_confirmed` in this transaction; the points issue
    awards the claimer's points there.

    Authorization: checked here (require_administers).
    """
    rating = _valid_rating(rating)
    note = (note or "").strip()
    if actor is not None and not note:
        raise ValidationError(
            {"note": _("Say how the resident confirmed (for example, by phone on 3 May).")}
        )
    if actor is not None:
        require_administers(actor, wish.community)
    wish = _lock(wish)
    wish.rating = rating
    wish.confirmation_note = note
    wish.confirmed_at = timezone.now()
    wish.confirmed_by_staff = actor
    transition(
        wish,
        action="confirm",
        actor=actor,
        note=note,
        update_fields=["rating", "confirmation_note", "confirmed_at", "confirmed_by_staff"],
    )
    wish_confirmed.send(sender=MicroWish, wish=wish, actor=actor)
    return wish


def wishes_erase_personal_data(*, now: datetime | None = None) -> int:
    """Keep the promise of the personal-data notice: a closed wish (confirmed, rejected or
    withdrawn) keeps the resident's name, phone and address for HIVE_WISH_RETENTION_DAYS,
    then they are erased; the wish itself stays in the ledger. The rule lives in
    volunteers/personal_data.py and runs with the others in hive.apply_retention.

    Authorization: the caller's.
    """
    from hive.personal_data.retention import retention_apply_rule, rule_by_key

    return retention_apply_rule(rule=rule_by_key("volunteers.wish_contact"), now=now)


def wishes_flag_stale(*, now: datetime | None = None) -> int:
    """Tell staff about wishes published and unclaimed for too long; each wish once.

    The conditional UPDATE (… WHERE stale_flagged_at IS NULL) lets one run win each
    wish, and the notification key stops a repeat even if a run is retried.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    candidates = MicroWish.objects.filter(
        status=MicroWish.Status.PUBLISHED,
        published_at__lte=now - stale_after(),
        stale_flagged_at__isnull=True,
    ).values_list("pk", flat=True)
    flagged = 0
    for pk in list(candidates):
        with transaction.atomic():
            won = MicroWish.objects.filter(
                pk=pk, status=MicroWish.Status.PUBLISHED, stale_flagged_at__isnull=True
            ).update(stale_flagged_at=now)
            if not won:
                continue
            wish = MicroWish.objects.select_related("community").get(pk=pk)
            notify(
                recipients=community_staff(wish.community_id),
                title=_("Nobody has claimed this wish yet: %(title)s") % {"title": wish.title},
                body=_("Assign it to a party member, or follow it up with the resident."),
                url=reverse("admin:volunteers_microwish_workflow", args=[wish.pk]),
                key=f"wish-stale-{wish.pk}",
                community=wish.community,
            )
            flagged += 1
    return flagged


def wishes_remind_claimers(*, now: datetime | None = None) -> int:
    """Remind each claimer whose wish is still not fulfilled after the allowed time;
    once per claim (a new claim after a reassignment is reminded again).

    Authorization: the caller's.
    """
    now = now or timezone.now()
    candidates = MicroWish.objects.filter(
        status=MicroWish.Status.CLAIMED,
        claimed_at__lte=now - claim_reminder_after(),
        claim_reminded_at__isnull=True,
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(candidates):
        with transaction.atomic():
            won = MicroWish.objects.filter(
                pk=pk, status=MicroWish.Status.CLAIMED, claim_reminded_at__isnull=True
            ).update(claim_reminded_at=now)
            if not won:
                continue
            wish = MicroWish.objects.select_related("claimed_by", "community").get(pk=pk)
            notify(
                recipients=[wish.claimed_by],
                title=_("Your claimed wish is waiting: %(title)s") % {"title": wish.title},
                body=_("Please fulfil it and record what was done, or tell the community office."),
                url=reverse("volunteers:portal_wish_detail", args=[wish.pk]),
                key=f"wish-claim-reminder-{wish.pk}-{wish.claimed_at.timestamp():.0f}",
                community=wish.community,
            )
            reminded += 1
    return reminded
