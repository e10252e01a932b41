"""Party-member points: the append-only ledger, automatic awards once per source,
manual awards with a second approver, caps per period, joint-meeting attendance."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hive.access.authorization import NotAuthorized
from hive.access.roles import Role
from partycommittee.models import MeetingAttendance
from tests.factories import user_with_role
from tests.partycommittee.factories import MeetingFactory, ResidentUnitFactory
from tests.volunteers.factories import (
    MicroWishFactory,
    PartyMemberFactory,
    PointRuleFactory,
    walk,
)
from volunteers import services
from volunteers.models import MicroWish, PartyMember, PointAward, PointEntry, PointRule
from volunteers.models.points import AppendOnlyError
from volunteers.signals import wish_confirmed

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(world):
    return PartyMemberFactory(community=world.a, user=world.party_a)


@pytest.fixture
def manual_rule(world):
    return PointRuleFactory(community=world.a, code="advice", points=5)


@pytest.fixture
def staff_a2(world):
    return user_with_role(Role.COMMUNITY_STAFF, community=world.a, username="staff_a2")


def _entry(member, rule, points=5, **kwargs):
    return PointEntry.objects.create(
        community=member.community,
        member=member,
        rule=rule,
        points=points,
        reason="测试",
        awarded_at=kwargs.pop("awarded_at", timezone.now()),
        **kwargs,
    )


# --- The ledger is append-only ------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_an_entry(member, manual_rule):
    entry = _entry(member, manual_rule)
    entry.points = 500
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).update(points=500)
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).delete()
    assert PointEntry.objects.get(pk=entry.pk).points == 5


def test_the_database_refuses_update_and_delete_from_raw_sql(member, manual_rule):
    entry = _entry(member, manual_rule)
    table = connection.ops.quote_name(PointEntry._meta.db_table)
    for sql, params in [
        (f"UPDATE {table} SET points = %s WHERE id = %s", [500, entry.pk]),  # noqa: S608
        (f"DELETE FROM {table} WHERE id = %s", [entry.pk]),  # noqa: S608
    ]:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT points FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
        assert cursor.fetchone() == (5,)


def test_a_correction_is_a_reversing_entry_and_only_one(world, member, manual_rule):
    entry = _entry(member, manual_rule, points=8)
    correction = services.entry_reverse(entry=entry, actor=world.staff_a, reason="重复录入")
    assert correction.points == -8
    assert correction.reverses == entry
    assert correction.awarded_at == entry.awarded_at
    with pytest.raises(ValidationError) as exc:
        services.entry_reverse(entry=entry, actor=world.staff_a, reason="再来一次")
    assert exc.value.code == "already_reversed"
    with pytest.raises(ValidationError):
        services.entry_reverse(entry=correction, actor=world.staff_a, reason="撤销更正")
    with pytest.raises(NotAuthorized):
        services.entry_reverse(entry=entry, actor=world.staff_b, reason="别的社区")
    assert PointEntry.objects.filter(member=member).count() == 2


# --- Automatic awards, once per source ----------------------------------------------------


def test_a_confirmed_wish_gives_its_claimer_points_once(world, member):
    rule = PointRuleFactory(
        community=world.a,
        category=PointRule.Category.PRACTICAL_HELP,
        points=10,
        trigger=PointRule.Trigger.WISH_CONFIRMED,
    )
    wish = walk(MicroWishFactory(community=world.a), "confirmed", world=world)
    entries = PointEntry.objects.filter(member=member)
    assert [(e.rule, e.points, e.source) for e in entries] == [(rule, 10, wish)]

    # The event fires again (a retried receiver, a second signal): still one award.
    wish_confirmed.send(sender=MicroWish, wish=wish, actor=None)
    assert entries.count() == 1


def test_the_database_itself_stops_a_second_award_for_the_same_source(world, member):
    rule = PointRuleFactory(community=world.a, points=10, trigger=PointRule.Trigger.WISH_CONFIRMED)
    wish = MicroWishFactory(community=world.a)
    _entry(member, rule, source=wish)
    with pytest.raises(IntegrityError), transaction.atomic():
        _entry(member, rule, source=wish)


def test_no_points_without_a_rule_or_for_a_volunteer_without_a_profile(world):
    # No rule: confirmation works, nothing is awarded.
    walk(MicroWishFactory(community=world.a), "confirmed", world=world)
    assert not PointEntry.objects.exists()
    # A rule, but the claimer has no party-member profile (a volunteer).
    PointRuleFactory(community=world.a, points=10, trigger=PointRule.Trigger.WISH_CONFIRMED)
    walk(MicroWishFactory(community=world.a), "confirmed", world=world)
    assert not PointEntry.objects.exists()


def test_an_inactive_rule_awards_nothing(world, member):
    PointRuleFactory(
        community=world.a, points=10, trigger=PointRule.Trigger.WISH_CONFIRMED, is_active=False
    )
    walk(MicroWishFactory(community=world.a), "confirmed", world=world)
    assert not PointEntry.objects.exists()


# --- Caps per period ------------------------------------------------------------------------


def test_a_rule_cap_clips_automatic_awards_per_period(world, member):
    rule = PointRuleFactory(community=world.a, points=4, cap_per_period=10)
    day = timezone.make_aware(datetime.datetime(2026, 2, 10, 10))
    given = [
        services.points_award(rule=rule, member=member, reason=f"#{n}", awarded_at=day, source=None)
        for n in range(4)
    ]
    assert [e.points if e else None for e in given] == [4, 4, 2, None]
    # Next quarter (the default period): the cap starts again.
    april = timezone.make_aware(datetime.datetime(2026, 4, 1, 9))
    entry = services.points_award(rule=rule, member=member, reason="Q2", awarded_at=april)
    assert entry.points == 4
    # A reversal makes room again in its period.
    services.entry_reverse(entry=given[0], actor=world.staff_a, reason="更正")
    again = services.points_award(rule=rule, member=member, reason="again", awarded_at=day)
    assert again.points == 4


def test_a_manual_award_over_the_cap_is_refused_on_approval(world, member, staff_a2):
    rule = PointRuleFactory(community=world.a, code="help", points=6, cap_per_period=10)
    today = timezone.localdate()
    first = services.award_propose(
        member=member, rule=rule, reason="帮助邻居", occurred_on=today, actor=world.staff_a
    )
    second = services.award_propose(
        member=member, rule=rule, reason="又帮助邻居", occurred_on=today, actor=world.staff_a
    )
    services.award_approve(award=first, actor=staff_a2)
    with pytest.raises(ValidationError) as exc:
        services.award_approve(award=second, actor=staff_a2)
    assert exc.value.message_dict["points"]
    second.refresh_from_db()
    assert second.status == PointAward.Status.PENDING
    assert PointEntry.objects.filter(member=member).count() == 1


# --- Manual awards need a second approver -----------------------------------------------------


def test_a_manual_award_needs_a_second_staff_member(world, member, manual_rule, staff_a2):
    award = services.award_propose(
        member=member,
        rule=manual_rule,
        reason="提出合理化建议",
        occurred_on=timezone.localdate(),
        actor=world.staff_a,
    )
    assert award.status == PointAward.Status.PENDING
    assert not PointEntry.objects.exists()

    with pytest.raises(ValidationError) as exc:
        services.award_approve(award=award, actor=world.staff_a)
    assert exc.value.code == "same_person"
    with pytest.raises(NotAuthorized):
        services.award_approve(award=award, actor=world.staff_b)  # another community
    assert not PointEntry.objects.exists()

    services.award_approve(award=award, actor=staff_a2, note="同意")
    award.refresh_from_db()
    entry = award.entry
    assert award.status == PointAward.Status.APPROVED
    assert (entry.points, entry.recorded_by, entry.approved_by) == (5, world.staff_a, staff_a2)
    assert entry.source == award
    with pytest.raises(ValidationError):
        services.award_approve(award=award, actor=staff_a2)
    assert PointEntry.objects.count() == 1


def test_the_database_refuses_a_decision_by_the_proposer(world, member, manual_rule):
    award = services.award_propose(
        member=member,
        rule=manual_rule,
        reason="建议",
        occurred_on=timezone.localdate(),
        actor=world.staff_a,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAward.objects.filter(pk=award.pk).update(decided_by=world.staff_a)


def test_a_rejected_award_writes_nothing(world, member, manual_rule, staff_a2):
    award = services.award_propose(
        member=member,
        rule=manual_rule,
        reason="建议",
        occurred_on=timezone.localdate(),
        actor=world.staff_a,
    )
    with pytest.raises(ValidationError):
        services.award_reject(award=award, actor=staff_a2, note="")
    services.award_reject(award=award, actor=staff_a2, note="证据不足")
    award.refresh_from_db()
    assert award.status == PointAward.Status.REJECTED
    assert not PointEntry.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"points": -3}, "points"),
        ({"occurred_on": datetime.date(2999, 1, 1)}, "occurred_on"),
    ],
)
def test_a_bad_proposal_names_the_field(world, member, manual_rule, change, field):
    kwargs = {
        "member": member,
        "rule": manual_rule,
        "reason": "建议",
        "occurred_on": timezone.localdate(),
        "actor": world.staff_a,
        **change,
    }
    with pytest.raises(ValidationError) as exc:
        services.award_propose(**kwargs)
    assert field in exc.value.message_dict
    assert not PointAward.objects.exists()


def test_automatic_rules_cannot_be_awarded_by_hand(world, member):
    rule = PointRuleFactory(community=world.a, trigger=PointRule.Trigger.ACTIVITY_ATTENDANCE)
    with pytest.raises(ValidationError) as exc:
        services.award_propose(
            member=member,
            rule=rule,
            reason="x",
            occurred_on=timezone.localdate(),
            actor=world.staff_a,
        )
    assert "rule" in exc.value.message_dict


# --- Rules and profiles keep their invariants in the database ----------------------------------


def test_rule_and_profile_invariants_are_database_constraints(world):
    bad_rules = [
        {"category": PointRule.Category.DEDUCTION, "points": 5},
        {"category": PointRule.Category.ADVICE, "points": -5},
        {"category": PointRule.Category.DEDUCTION, "points": -5, "cap_per_period": 10},
    ]
    for fields in bad_rules:
        with pytest.raises(IntegrityError), transaction.atomic():
            PointRuleFactory(community=world.a, **fields)
    PointRuleFactory(community=world.a, trigger=PointRule.Trigger.WISH_CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRuleFactory(community=world.a, trigger=PointRule.Trigger.WISH_CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyMemberFactory(community=world.a, user=world.party_a, is_in_service=True)


# --- Joint-meeting attendance (partycommittee) ---------------------------------------------------


@pytest.fixture
def meeting_setup(world):
    rule = PointRuleFactory(
        community=world.a,
        category=PointRule.Category.ATTENDANCE,
        points=3,
        trigger=PointRule.Trigger.MEETING_ATTENDANCE,
    )
    bank, court = ResidentUnitFactory(community=world.a), ResidentUnitFactory(community=world.a)
    from_bank = [
        PartyMemberFactory(
            community=world.a,
            user=user_with_role(Role.PARTY_MEMBER, community=world.a),
            is_in_service=True,
            registered_unit=bank,
        )
        for _ in range(2)
    ]
    from_court = PartyMemberFactory(
        community=world.a,
        user=user_with_role(Role.PARTY_MEMBER, community=world.a),
        is_in_service=True,
        registered_unit=court,
    )
    meeting = MeetingFactory(community=world.a, held_at=timezone.now() - datetime.timedelta(1))
    bank_row = MeetingAttendance.objects.create(meeting=meeting, unit=bank, status="present")
    MeetingAttendance.objects.create(meeting=meeting, unit=court, status="absent")
    return rule, meeting, bank_row, from_bank, from_court


def test_members_registered_from_a_unit_present_get_meeting_points_once(meeting_setup):
    rule, meeting, _bank_row, from_bank, from_court = meeting_setup
    assert services.meeting_points_award(meeting=meeting) == 2
    assert services.meeting_points_award(meeting=meeting) == 0
    awarded = {e.member_id: e.points for e in PointEntry.objects.filter(rule=rule)}
    assert awarded == {from_bank[0].pk: 3, from_bank[1].pk: 3}
    assert from_court.pk not in awarded


def test_a_unit_no_longer_present_has_its_meeting_points_reversed(meeting_setup):
    _rule, meeting, bank_row, from_bank, _court = meeting_setup
    services.meeting_points_award(meeting=meeting)
    MeetingAttendance.objects.filter(pk=bank_row.pk).update(status="excused")
    assert services.meeting_points_award(meeting=meeting) == 2
    assert services.meeting_points_award(meeting=meeting) == 0
    for member in from_bank:
        assert sum(e.points for e in PointEntry.objects.filter(member=member)) == 0


def test_a_meeting_not_yet_held_gives_no_points(world, meeting_setup):
    _rule, meeting, *_ = meeting_setup
    meeting.held_at = timezone.now() + datetime.timedelta(days=2)
    meeting.save()
    with pytest.raises(ValidationError):
        services.meeting_points_award(meeting=meeting)
    assert services.meetings_award_recent() == 0
    assert not PointEntry.objects.exists()


def test_the_daily_task_awards_recent_meetings(meeting_setup):
    from volunteers import tasks

    assert tasks.award_meeting_points.apply().get() == 2
    assert tasks.award_meeting_points.apply().get() == 0


def test_party_member_of_another_community_unit_is_refused_by_clean(world):
    unit_b = ResidentUnitFactory(community=world.b)
    member = PartyMember(
        community=world.a, user=world.party_a, is_in_service=True, registered_unit=unit_b
    )
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "registered_unit" in exc.value.message_dict
