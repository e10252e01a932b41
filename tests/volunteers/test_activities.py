"""Activities: sign-up and cancel within capacity (also under concurrent sign-ups on
PostgreSQL), attendance giving service hours and points."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from hive.access.authorization import NotAuthorized
from hive.access.roles import Role
from tests.factories import user_with_role
from tests.partycommittee.factories import ResidentUnitFactory
from tests.volunteers.factories import (
    ActivityFactory,
    PartyMemberFactory,
    PointRuleFactory,
    TeamFactory,
    started,
)
from volunteers import selectors, services
from volunteers.models import Activity, PointEntry, PointRule, SignUp


def _volunteers(world, n):
    return [user_with_role(Role.PARTY_MEMBER, community=world.a) for _ in range(n)]


@pytest.mark.django_db
def test_sign_up_cancel_and_sign_up_again(world):
    activity = ActivityFactory(community=world.a, capacity=1)
    signup = services.activity_sign_up(activity=activity, user=world.party_a)
    with pytest.raises(ValidationError) as exc:
        services.activity_sign_up(activity=activity, user=world.party_a)
    assert exc.value.code == "already_signed_up"
    services.activity_cancel_sign_up(activity=activity, user=world.party_a)
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.CANCELLED
    # The cancelled place is free again, for anyone, and the same row is reused.
    again = services.activity_sign_up(activity=activity, user=world.party_a)
    assert again.pk == signup.pk
    assert again.status == SignUp.Status.SIGNED_UP


@pytest.mark.django_db
def test_a_full_activity_refuses_the_next_sign_up(world):
    activity = ActivityFactory(community=world.a, capacity=2)
    first, second, third = _volunteers(world, 3)
    services.activity_sign_up(activity=activity, user=first)
    services.activity_sign_up(activity=activity, user=second)
    with pytest.raises(ValidationError) as exc:
        services.activity_sign_up(activity=activity, user=third)
    assert exc.value.code == "full"
    services.activity_cancel_sign_up(activity=activity, user=first)
    services.activity_sign_up(activity=activity, user=third)
    assert SignUp.objects.active().filter(activity=activity).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "setup", "code"),
    [
        ("staff_b", None, None),
        ("unit_rep_a", None, None),
        ("party_a", "cancelled", "closed"),
        ("party_a", "started", "started"),
    ],
)
def test_sign_up_refusals(world, who, setup, code):
    activity = ActivityFactory(community=world.a)
    if setup == "cancelled":
        services.activity_cancel(activity=activity, actor=world.staff_a, note="下雨")
    elif setup == "started":
        started(activity)
    with pytest.raises(ValidationError if code else NotAuthorized) as exc:
        services.activity_sign_up(activity=activity, user=world.user(who))
    assert getattr(exc.value, "code", None) == code
    assert not SignUp.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_capacity(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    activity = ActivityFactory(community=world.a, capacity=3)
    people = _volunteers(world, 8)
    barrier = threading.Barrier(len(people))
    outcomes = {}

    def sign_up(user):
        try:
            barrier.wait(timeout=10)
            services.activity_sign_up(activity=Activity.objects.get(pk=activity.pk), user=user)
            outcomes[user.username] = "in"
        except Exception as exc:
            outcomes[user.username] = getattr(exc, "code", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values(), key=str) == ["full"] * 5 + ["in"] * 3, outcomes
    assert SignUp.objects.active().filter(activity=activity).count() == 3


@pytest.mark.django_db
def test_attendance_gives_hours_to_attendees_and_points_to_party_members(world):
    rule = PointRuleFactory(
        community=world.a, points=2, trigger=PointRule.Trigger.ACTIVITY_ATTENDANCE
    )
    activity = ActivityFactory(community=world.a, team=TeamFactory(community=world.a))
    came, absent, volunteer = _volunteers(world, 3)
    member = PartyMemberFactory(community=world.a, user=came)
    PartyMemberFactory(community=world.a, user=absent)
    for user in (came, absent, volunteer):
        services.activity_sign_up(activity=activity, user=user)
    started(activity)

    services.activity_record_attendance(
        activity=activity, actor=world.staff_a, attendee_ids=[came.pk, volunteer.pk]
    )
    rows = {s.user_id: (s.attended, s.hours) for s in SignUp.objects.filter(activity=activity)}
    assert rows == {
        came.pk: (True, Decimal("2.00")),
        absent.pk: (False, Decimal("0")),
        volunteer.pk: (True, Decimal("2.00")),
    }
    # Points only for the party member who came; the volunteer gets hours only.
    assert [(e.member, e.points, e.rule) for e in PointEntry.objects.all()] == [(member, 2, rule)]
    activity.refresh_from_db()
    assert activity.status == Activity.Status.COMPLETED
    assert selectors.service_hours(came) == Decimal("2.00")

    # Recording again is refused by the workflow; nothing is awarded twice.
    with pytest.raises(ValidationError):
        services.activity_record_attendance(
            activity=activity, actor=world.staff_a, attendee_ids=[came.pk]
        )
    assert PointEntry.objects.count() == 1


@pytest.mark.django_db
def test_attendance_bad_input_writes_nothing(world):
    activity = ActivityFactory(community=world.a)
    services.activity_sign_up(activity=activity, user=world.party_a)
    with pytest.raises(ValidationError) as exc:
        services.activity_record_attendance(
            activity=activity, actor=world.staff_a, attendee_ids=[world.party_a.pk]
        )
    assert exc.value.code == "not_started"
    started(activity)
    for kwargs, field in [
        ({"attendee_ids": [world.grid_a.pk]}, "attendees"),
        ({"attendee_ids": [world.party_a.pk], "hours": Decimal("0")}, "hours"),
        ({"attendee_ids": [world.party_a.pk], "hours": Decimal("30")}, "hours"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.activity_record_attendance(activity=activity, actor=world.staff_a, **kwargs)
        assert field in exc.value.message_dict
    with pytest.raises(NotAuthorized):
        services.activity_record_attendance(
            activity=activity, actor=world.staff_b, attendee_ids=[world.party_a.pk]
        )
    activity.refresh_from_db()
    assert activity.status == Activity.Status.OPEN
    assert SignUp.objects.get().attended is None


@pytest.mark.django_db
def test_joint_activities_count_toward_the_units_record(world):
    bank = ResidentUnitFactory(community=world.a)
    joint = ActivityFactory(community=world.a, kind=Activity.Kind.JOINT_PARTY_BUILDING)
    joint.units.add(bank)
    other = ActivityFactory(community=world.a, kind=Activity.Kind.JOINT_PARTY_BUILDING)
    other.units.add(bank)  # never held: does not count
    services.activity_sign_up(activity=joint, user=world.party_a)
    started(joint)
    services.activity_record_attendance(
        activity=joint, actor=world.staff_a, attendee_ids=[world.party_a.pk]
    )
    record = selectors.unit_activity_record([bank.pk])
    assert record == {bank.pk: {"activities": 1, "attendees": 1, "hours": Decimal("2.00")}}
