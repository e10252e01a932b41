"""Services of the grids app: the four clears and their change log, incidents, sweeps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grids import escalation, services
from grids.models import (
    ChangeLogEntry,
    Incident,
    IncidentPhoto,
    IncidentTimeLimit,
    KeyPersonTag,
    Resident,
    Sweep,
    SweepCheck,
)
from grids.selectors import incident_timeline
from hive.models import TimelineEntry
from hive.workflow import TransitionNotAllowed
from tests.disputes.factories import PARTIES
from tests.grids.factories import KeyPlaceFactory, id_number, photo

pytestmark = pytest.mark.django_db

S = Incident.Status


def _report(gw, **kwargs):
    defaults = {
        "reporter": gw.grid_a,
        "grid": gw.a1,
        "category": "hidden_danger",
        "location": "3号楼楼道",
        "description": "楼道堆放杂物",
    }
    return services.incident_report(**{**defaults, **kwargs})


# --- The four clears -------------------------------------------------------------------


def test_adding_a_resident_logs_a_move_in_and_a_birth(gw):
    moved = services.resident_add(
        actor=gw.grid_a,
        household=gw.household_a1,
        name="张小山",
        gender="male",
        moved_in_on=datetime.date(2024, 5, 1),
        relation="child",
    )
    born = services.resident_add(
        actor=gw.grid_a,
        household=gw.household_a1,
        born_here=True,
        name="张小小",
        gender="female",
        birth_date=datetime.date(2025, 1, 2),
        relation="grandchild",
    )
    kinds = dict(ChangeLogEntry.objects.values_list("resident_id", "kind"))
    assert kinds == {moved.pk: "move_in", born.pk: "birth"}
    entry = ChangeLogEntry.objects.get(resident=born)
    assert entry.occurred_on == datetime.date(2025, 1, 2)
    assert entry.grid == gw.a1
    assert entry.actor == gw.grid_a


def test_move_out_death_and_tags_are_logged_and_a_second_move_out_is_refused(gw):
    resident = gw.resident_a1
    elderly = KeyPersonTag.objects.get(code="elderly_alone")
    services.resident_set_tags(actor=gw.staff_a, resident=resident, tags=[elderly])
    services.resident_set_tags(actor=gw.staff_a, resident=resident, tags=[elderly])  # no change
    services.resident_set_tags(actor=gw.staff_a, resident=resident, tags=[])
    services.resident_move_out(actor=gw.grid_a, resident=resident, note="搬往太原")
    with pytest.raises(ValidationError):
        services.resident_record_death(actor=gw.grid_a, resident=resident)
    services.resident_record_death(actor=gw.grid_a2, resident=gw.resident_a2, note="")
    kinds = list(ChangeLogEntry.objects.order_by("id").values_list("kind", "detail"))
    assert kinds == [
        ("tag_added", "独居老人"),
        ("tag_removed", "独居老人"),
        ("move_out", "搬往太原"),
        ("death", ""),
    ]
    resident.refresh_from_db()
    assert resident.status == Resident.Status.MOVED_OUT


def test_a_grid_member_cannot_write_in_another_grid(gw):
    with pytest.raises(PermissionDenied):
        services.resident_move_out(actor=gw.grid_a, resident=gw.resident_b1)
    with pytest.raises(PermissionDenied):
        services.resident_add(
            actor=gw.grid_a2, household=gw.household_a1, name="某人", gender="male"
        )
    assert not ChangeLogEntry.objects.exists()


def test_another_communitys_tag_is_refused(gw):
    tag_b = KeyPersonTag.objects.create(community=gw.b, code="b-only", name="B专用")
    with pytest.raises(ValidationError):
        services.resident_tag_add(actor=gw.staff_a, resident=gw.resident_a1, tag=tag_b)
    assert not gw.resident_a1.tags.exists()


@pytest.mark.parametrize(
    "bad",
    ["123", "14030319800101123", "140303198002301230", id_number()[:17] + "0"],
)
def test_bad_id_numbers_are_field_errors_and_nothing_is_stored(gw, bad):
    if bad == id_number()[:17] + "0" and id_number()[17] == "0":
        bad = id_number()[:17] + "1"
    with pytest.raises(ValidationError) as excinfo:
        services.resident_add(
            actor=gw.staff_a, household=gw.household_a1, name="错号", gender="male", id_number=bad
        )
    assert "id_number" in excinfo.value.message_dict
    assert not Resident.objects.filter(name="错号").exists()
    assert not ChangeLogEntry.objects.exists()


def test_grid_people_must_be_grid_members_of_the_community(gw):
    with pytest.raises(ValidationError) as excinfo:
        services.grid_create(
            community=gw.a, code="A9", name="九", member=gw.grid_b, deputies=[gw.party_a]
        )
    assert set(excinfo.value.message_dict) == {"member", "deputies"}
    grid = services.grid_create(
        community=gw.a, code="A9", name="九", member=gw.grid_a, deputies=[gw.grid_a2]
    )
    assert list(grid.deputies.all()) == [gw.grid_a2]


def test_visit_is_logged_by_a_grid_member_in_their_grid_only(gw):
    visit = services.visit_log(
        visitor=gw.grid_a_deputy,
        household=gw.household_a1,
        resident=gw.resident_a1,
        role="publicist",
        notes="宣传防诈骗",
    )
    assert visit.grid == gw.a1
    with pytest.raises(ValidationError):
        services.visit_log(
            visitor=gw.grid_a,
            household=gw.household_a1,
            resident=gw.resident_a2,
            role="agent",
            notes="x",
        )
    with pytest.raises(PermissionDenied):
        services.visit_log(visitor=gw.grid_a, household=gw.household_b1, role="agent", notes="x")


# --- Incidents --------------------------------------------------------------------------


def test_report_sets_the_deadline_from_the_category_limit_and_starts_the_timeline(gw):
    IncidentTimeLimit.objects.create(community=gw.a, category="dispute", hours=24)
    incident = _report(gw, category="dispute", photos=[photo(), photo("b.png", "PNG")])
    hours = (incident.deadline - incident.created_at).total_seconds() / 3600
    assert round(hours) == 24
    assert incident.photos.count() == 2
    entry = TimelineEntry.objects.for_object(incident).get()
    assert (entry.from_state, entry.to_state, entry.actor) == ("", "reported", gw.grid_a)
    default = _report(gw)
    assert round((default.deadline - default.created_at).total_seconds() / 3600) == 72


def test_a_seventh_photo_is_refused_with_nothing_stored(gw):
    with pytest.raises(ValidationError) as excinfo:
        _report(gw, photos=[photo(f"{i}.jpg") for i in range(7)])
    assert "photos" in excinfo.value.message_dict
    assert not Incident.objects.exists()
    assert not IncidentPhoto.objects.exists()


def test_grid_member_cannot_report_in_another_grid_nor_on_behalf(gw):
    with pytest.raises(PermissionDenied):
        _report(gw, grid=gw.b1)
    with pytest.raises(ValidationError):
        _report(gw, on_behalf_of="王大妈")
    incident = _report(gw, reporter=gw.staff_a, on_behalf_of="王大妈")
    assert incident.on_behalf_of == "王大妈"


def _set_state(incident, state, **extra):
    Incident.objects.filter(pk=incident.pk).update(status=state, **extra)
    incident.refresh_from_db()
    return incident


def _run(action, incident, gw, original=None):
    actor = gw.staff_a
    calls = {
        "accept": lambda: services.incident_accept(incident=incident, actor=actor),
        "assign": lambda: services.incident_assign(
            incident=incident, actor=actor, assignee=gw.grid_a
        ),
        "start": lambda: services.incident_start(incident=incident, actor=actor),
        "resolve": lambda: services.incident_resolve(
            incident=incident, actor=actor, resolution="已清理"
        ),
        "verify": lambda: services.incident_verify(incident=incident, actor=actor),
        "send_back": lambda: services.incident_send_back(
            incident=incident, actor=actor, reason="没清干净"
        ),
        "close": lambda: services.incident_close(incident=incident, actor=actor),
        "close_not_fixed": lambda: services.incident_close_not_fixed(
            incident=incident, actor=actor, reason="业主不配合"
        ),
        "reject": lambda: services.incident_reject(incident=incident, actor=actor, reason="不属实"),
        "reopen": lambda: services.incident_reopen(
            incident=incident, actor=actor, reason="又堆上了"
        ),
        "mark_duplicate": lambda: services.incident_mark_duplicate(
            incident=incident, original=original, actor=actor
        ),
        "escalate": lambda: services.incident_escalate(
            incident=incident, actor=actor, room=gw.room_a, kind="neighbours", parties=PARTIES
        ),
    }
    return calls[action]()


@pytest.mark.parametrize("state", [s.value for s in S])
@pytest.mark.parametrize("action", list(services.INCIDENT_SERVICES))
def test_every_action_from_every_state_through_the_service(gw, state, action):
    original = _report(gw)
    incident = _report(gw, category="dispute")
    extra = {}
    if state == S.DUPLICATE:
        extra["duplicate_of"] = original
    if state == S.REJECTED:
        extra["rejected_by"] = gw.staff_a
    if state in (S.ASSIGNED, S.IN_PROGRESS):
        extra["assignee"] = gw.grid_a
    incident = _set_state(incident, state, **extra)
    step = Incident.workflow.actions[action]
    sources, target = step.sources, step.target
    before = TimelineEntry.objects.for_object(incident).count()
    if state in sources:
        _run(action, incident, gw, original)
        incident.refresh_from_db()
        assert incident.status == target
        last = TimelineEntry.objects.for_object(incident).last()
        assert (last.from_state, last.to_state, last.actor) == (state, target, gw.staff_a)
        assert TimelineEntry.objects.for_object(incident).count() == before + 1
        if action == "escalate":
            assert escalation.incident_case(incident).source_record == incident
    else:
        with pytest.raises(TransitionNotAllowed):
            _run(action, incident, gw, original)
        incident.refresh_from_db()
        assert incident.status == state
        assert TimelineEntry.objects.for_object(incident).count() == before


def test_escalation_is_for_disputes_only_and_needs_the_disputes_app(gw, monkeypatch):
    kwargs = {"actor": gw.staff_a, "room": gw.room_a, "kind": "noise", "parties": PARTIES}
    hazard = _report(gw, category="hidden_danger")
    assert "escalate" not in Incident.workflow.actions_for(hazard, gw.staff_a)
    with pytest.raises(TransitionNotAllowed):
        services.incident_escalate(incident=hazard, **kwargs)
    dispute = _report(gw, category="dispute")
    assert "escalate" in Incident.workflow.actions_for(dispute, gw.staff_a)
    monkeypatch.setattr(escalation, "mediation_available", lambda: False)
    assert "escalate" not in Incident.workflow.actions_for(dispute, gw.staff_a)
    with pytest.raises(TransitionNotAllowed):
        services.incident_escalate(incident=dispute, **kwargs)
    for incident in (hazard, dispute):
        incident.refresh_from_db()
        assert incident.status == S.REPORTED


def test_rejection_names_who_and_why_and_a_reason_is_required(gw):
    incident = _report(gw)
    with pytest.raises(ValidationError):
        services.incident_reject(incident=incident, actor=gw.staff_a, reason="  ")
    services.incident_reject(incident=incident, actor=gw.staff_a, reason="重复上报")
    incident.refresh_from_db()
    assert (incident.status, incident.rejected_by, incident.rejection_reason) == (
        "rejected",
        gw.staff_a,
        "重复上报",
    )
    assert gw.grid_a.notifications.filter(title__contains=str(incident.pk)).exists()


def _notices(user, incident):
    return user.notifications.filter(url=incident.get_absolute_url()).count()


def test_assigning_the_same_incident_twice_notifies_the_assignee_once(gw):
    incident = _report(gw)
    services.incident_accept(incident=incident, actor=gw.staff_a)
    for _ in range(2):  # e.g. the assign button pressed twice
        services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a2)
    assert _notices(gw.grid_a2, incident) == 1


def test_a_reopened_incident_assigned_again_notifies_again(gw):
    incident = _report(gw)
    services.incident_accept(incident=incident, actor=gw.staff_a)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a2)
    services.incident_reject(incident=incident, actor=gw.staff_a, reason="不属实")
    services.incident_reopen(incident=incident, actor=gw.staff_a, reason="核实属实")
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a2)
    assert _notices(gw.grid_a2, incident) == 2


def test_a_rejection_notifies_the_reporter_once_per_round(gw):
    incident = _report(gw)
    services.incident_reject(incident=incident, actor=gw.staff_a, reason="重复上报")
    # The same rejection delivered again in the same round (the report back where it was,
    # its deadline unchanged): the reporter is not told twice.
    Incident.objects.filter(pk=incident.pk).update(status=S.REPORTED)
    services.incident_reject(incident=incident, actor=gw.staff_a, reason="重复上报")
    assert _notices(gw.grid_a, incident) == 1
    # Reopened (a new deadline) and rejected again: that is news.
    services.incident_reopen(incident=incident, actor=gw.staff_a, reason="再看看")
    services.incident_reject(incident=incident, actor=gw.staff_a, reason="仍不属实")
    assert _notices(gw.grid_a, incident) == 2


def test_only_staff_accept_and_only_the_assignee_or_staff_work_on_it(gw):
    incident = _report(gw)
    with pytest.raises(PermissionDenied):
        services.incident_accept(incident=incident, actor=gw.grid_a)
    services.incident_accept(incident=incident, actor=gw.staff_a)
    with pytest.raises(PermissionDenied):
        services.incident_accept(incident=incident, actor=gw.staff_b)
    with pytest.raises(ValidationError):
        services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_b)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a2)
    with pytest.raises(PermissionDenied):
        services.incident_start(incident=incident, actor=gw.grid_a)
    services.incident_start(incident=incident, actor=gw.grid_a2)
    incident.refresh_from_db()
    assert Incident.workflow.actions_for(incident, gw.grid_a2) == ["resolve"]
    services.incident_resolve(incident=incident, actor=gw.grid_a2, resolution="已处理")
    incident.refresh_from_db()
    assert Incident.workflow.actions_for(incident, gw.grid_a2) == []
    assert set(Incident.workflow.actions_for(incident, gw.staff_a)) == {"verify", "send_back"}


def test_closed_not_fixed_is_a_distinct_outcome_and_reopen_resets_the_deadline(gw):
    incident = _report(gw)
    _set_state(incident, S.IN_PROGRESS, assignee=gw.grid_a, deadline=None)
    services.incident_close_not_fixed(incident=incident, actor=gw.staff_a, reason="产权不清")
    incident.refresh_from_db()
    assert incident.status == "closed_not_fixed"
    assert incident.closed_at is not None
    services.incident_reopen(incident=incident, actor=gw.staff_a, reason="产权已明确")
    incident.refresh_from_db()
    assert incident.status == "accepted"
    assert incident.deadline is not None and incident.assignee is None


def test_duplicate_joins_timeline_and_photos_to_the_original(gw):
    original = _report(gw, photos=[photo()])
    copy = _report(gw, photos=[photo("c1.jpg"), photo("c2.jpg")])
    services.incident_accept(incident=copy, actor=gw.staff_a)
    services.incident_mark_duplicate(incident=copy, original=original, actor=gw.staff_a)
    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of) == ("duplicate", original)
    assert original.photos.count() == 3
    states = [(e.object_id, e.to_state) for e in incident_timeline(original)]
    assert (copy.pk, "duplicate") in states and (original.pk, "reported") in states
    with pytest.raises(ValidationError):
        services.incident_mark_duplicate(incident=original, original=copy, actor=gw.staff_a)


def test_reply_uses_a_saved_template(gw):
    from grids.models import ReplyTemplate

    template = ReplyTemplate.objects.create(community=gw.a, title="已受理", body="您的反映已受理。")
    incident = _report(gw)
    reply = services.incident_reply(incident=incident, author=gw.staff_a, template=template)
    assert reply.body == "您的反映已受理。"
    with pytest.raises(ValidationError):
        services.incident_reply(incident=incident, author=gw.staff_a, body=" ")
    with pytest.raises(PermissionDenied):
        services.incident_reply(incident=incident, author=gw.grid_a, body="hi")


# --- Sweeps -----------------------------------------------------------------------------


def test_a_sweep_finding_becomes_an_incident_and_the_sweep_finishes(gw):
    shop = KeyPlaceFactory(grid=gw.a1, kind="shop", name="小卖部")
    rental = KeyPlaceFactory(grid=gw.a1, kind="rental", name="出租屋")
    KeyPlaceFactory(grid=gw.a2, kind="shop", name="别的网格商铺")
    sweep = services.sweep_create(
        actor=gw.staff_a,
        community=gw.a,
        grid=gw.a1,
        title="消防排查",
        scope="key_industry",
        place_kind="shop",
        scheduled_on=datetime.date(2026, 3, 1),
        checklist="灭火器有效\n通道畅通",
        inspectors=[gw.grid_a],
    )
    assert list(sweep.places.all()) == [shop]
    with pytest.raises(ValidationError):
        services.sweep_record_check(sweep=sweep, place=rental, actor=gw.grid_a)
    with pytest.raises(PermissionDenied):
        services.sweep_record_check(sweep=sweep, place=shop, actor=gw.grid_a2)
    check = services.sweep_record_check(
        sweep=sweep, place=shop, actor=gw.grid_a, failed_items=["通道畅通"], notes="门口堆货"
    )
    assert check.result == SweepCheck.Result.FINDING
    assert check.items == {"灭火器有效": True, "通道畅通": False}
    assert check.incident.grid == gw.a1 and "通道畅通" in check.incident.description
    sweep.refresh_from_db()
    assert sweep.status == Sweep.Status.DONE
    with pytest.raises(ValidationError):
        services.sweep_record_check(sweep=sweep, place=shop, actor=gw.grid_a)


def test_a_changed_time_limit_applies_to_the_next_report_at_once(gw):
    """The limits are cached per community (every report reads them): saving or deleting
    one forgets the cache, so the next report gets the new deadline."""
    limit = IncidentTimeLimit.objects.create(community=gw.a, category="dispute", hours=24)
    first = _report(gw, category="dispute")
    assert round((first.deadline - first.created_at).total_seconds() / 3600) == 24
    limit.hours = 48
    limit.save()
    second = _report(gw, category="dispute")
    assert round((second.deadline - second.created_at).total_seconds() / 3600) == 48
    limit.delete()
    third = _report(gw, category="dispute")
    assert round((third.deadline - third.created_at).total_seconds() / 3600) == 72


def test_a_limit_moved_to_another_community_is_forgotten_by_both(gw):
    """The admin can move a limit to another community: the cache of the community it
    left forgets it too, so that community's next report gets the default."""
    limit = IncidentTimeLimit.objects.create(community=gw.a, category="dispute", hours=24)
    first = _report(gw, category="dispute")
    assert round((first.deadline - first.created_at).total_seconds() / 3600) == 24
    limit.community = gw.b
    limit.save()
    second = _report(gw, category="dispute")
    assert round((second.deadline - second.created_at).total_seconds() / 3600) == 72
