"""Registration, numbering and the case workflow through the services: every legal move,
every illegal one, and bad input that must store nothing."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from disputes import services
from disputes.models import (
    Agreement,
    CaseCounter,
    CaseParty,
    DisputeCase,
    FollowUp,
    MediationSession,
)
from disputes.signals import case_closed
from hive.access.authorization import NotAuthorized
from hive.models import Notification, TimelineEntry
from hive.selectors import timeline_for
from tests.disputes.factories import (
    FAILURE,
    HAPPY,
    PARTIES,
    RoomFactory,
    mediator_for,
    register,
    step,
    walk,
)
from tests.volunteers.factories import MicroWishFactory

S = DisputeCase.Status


def states(case):
    return [entry.to_state for entry in timeline_for(case)]


@pytest.mark.django_db
class TestRegistration:
    def test_register_numbers_stores_parties_and_tells_the_mediator(self, world, case, med_a):
        year = timezone.localdate().year
        assert case.number == f"{year}-0001"
        assert case.status == S.REGISTERED
        assert list(case.parties.values_list("role", "name")) == [
            ("applicant", "王建国"),
            ("respondent", "李秀兰"),
        ]
        assert list(case.mediators.all()) == [med_a]
        assert states(case) == ["registered"]
        assert (
            Notification.objects.get(recipient=world.mediator_a).key
            == f"case-assigned-{case.pk}-{med_a.pk}"
        )

    def test_numbers_run_per_community_and_year(self, world, room_a, room_b, case):
        second = register(community=world.a, room=room_a, actor=world.staff_a)
        in_b = register(community=world.b, room=room_b, actor=world.staff_b)
        last_year = timezone.now() - timedelta(days=400)
        old = register(community=world.a, room=room_a, actor=world.staff_a, registered_at=last_year)
        year = timezone.localdate().year
        assert [case.sequence, second.sequence, in_b.sequence] == [1, 2, 1]
        assert second.number == f"{year}-0002"
        assert old.number == f"{timezone.localtime(last_year).year}-0001"

    def test_a_rolled_back_registration_gives_its_number_back(self, world, room_a, case):
        with pytest.raises(RuntimeError), transaction.atomic():
            register(community=world.a, room=room_a, actor=world.staff_a)
            raise RuntimeError("the caller's transaction failed after numbering")
        again = register(community=world.a, room=room_a, actor=world.staff_a)
        assert again.sequence == 2

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"parties": []}, "parties"),
            ({"parties": [PARTIES[0]]}, "parties"),
            ({"parties": [{"role": "applicant", "name": ""}, PARTIES[1]]}, "parties"),
            ({"parties": [{**PARTIES[0], "phone": "call me"}, PARTIES[1]]}, "parties"),
            ({"title": "  "}, "title"),
            ({"facts": ""}, "facts"),
            ({"kind": "quarrel"}, "kind"),
            ({"amount_in_dispute": "-5"}, "amount_in_dispute"),
            ({"amount_in_dispute": "lots"}, "amount_in_dispute"),
            ({"governance_methods": ["magic"]}, "governance_methods"),
            ({"source": "incident"}, "source"),
            ({"registered_at": timezone.now() + timedelta(days=2)}, "registered_at"),
        ],
    )
    def test_bad_input_is_a_field_error_and_stores_nothing(self, world, room_a, change, field):
        with pytest.raises(ValidationError) as caught:
            register(community=world.a, room=room_a, actor=world.staff_a, **change)
        assert field in caught.value.message_dict
        assert not DisputeCase.objects.exists()
        assert not CaseParty.objects.exists()
        assert not CaseCounter.objects.filter(last_number__gt=0).exists()

    def test_room_and_mediators_must_be_of_the_community(self, world, room_a, room_b, med_a):
        with pytest.raises(ValidationError) as caught:
            register(community=world.b, room=room_a, actor=world.staff_b, mediators=[med_a])
        assert {"room", "mediators"} <= set(caught.value.message_dict)

    def test_only_staff_or_a_mediator_of_the_community_registers(self, world, room_a):
        for outsider in (world.staff_b, world.party_a, world.grid_a):
            with pytest.raises(NotAuthorized):
                register(community=world.a, room=room_a, actor=outsider)
        assert not DisputeCase.objects.exists()

    def test_a_mediator_registering_a_walk_in_is_assigned_to_it(self, world, room_a, med_a):
        case = register(community=world.a, room=room_a, actor=world.mediator_a)
        assert list(case.mediators.all()) == [med_a]

    def test_governance_methods_are_stored_in_declared_order(self, world, room_a):
        case = register(
            community=world.a,
            room=room_a,
            actor=world.staff_a,
            governance_methods=["virtue", "politics", "virtue"],
        )
        assert case.governance_methods == ["politics", "virtue"]


@pytest.mark.django_db
class TestWorkflow:
    def test_the_happy_path_to_closed(self, world, case):
        case = walk(case, "closed", actor=world.mediator_a)
        assert states(case) == HAPPY
        assert case.closed_at is not None
        assert case.agreement.terms == "赔偿500元"
        assert case.followups.get().honoured == "yes"

    def test_the_failure_path_to_referred_and_closed(self, world, case):
        for state in FAILURE[1:]:
            step(case, state, actor=world.staff_a)
            case.refresh_from_db()
        assert states(case) == FAILURE
        assert case.failure_reason == "双方分歧过大"
        assert case.referred_to == "court"

    @pytest.mark.parametrize("start", list(DisputeCase.WITHDRAWABLE_STATES))
    def test_withdrawn_from_every_open_state(self, world, case, start):
        case = walk(case, start, actor=world.staff_a)
        services.case_withdraw(case=case, actor=world.staff_a, reason="双方自行和解")
        case.refresh_from_db()
        assert case.status == S.WITHDRAWN
        assert case.withdrawal_reason == "双方自行和解"
        assert states(case)[-1] == "withdrawn"

    @pytest.mark.parametrize("start", [s for s in S.values if s != "withdrawn"])
    def test_every_illegal_move_is_refused_and_changes_nothing(self, world, case, start):
        if start in ("failed", "referred"):
            case = walk(case, start, actor=world.staff_a)
        elif start == "closed":
            case = walk(case, "closed", actor=world.staff_a)
        else:
            case = walk(case, start, actor=world.staff_a)
        allowed = {
            step.target for step in DisputeCase.workflow.actions.values() if start in step.sources
        }
        for target in S.values:
            if target in allowed or target == S.REGISTERED:
                continue
            if start == S.FOLLOWED_UP and target == S.FOLLOWED_UP:
                continue  # another visit is recorded, the state stays
            before = TimelineEntry.objects.count()
            with pytest.raises(ValidationError):
                step(case, target, actor=world.staff_a)
            case.refresh_from_db()
            assert case.status == start, target
            assert TimelineEntry.objects.count() == before

    def test_withdrawn_is_final(self, world, case):
        step(case, S.WITHDRAWN, actor=world.staff_a)
        for target in (S.ACCEPTED, S.CLOSED, S.WITHDRAWN):
            with pytest.raises(ValidationError):
                step(case, target, actor=world.staff_a)

    def test_reasons_are_required(self, world, case):
        case = walk(case, "mediating", actor=world.staff_a)
        with pytest.raises(ValidationError) as caught:
            services.case_fail(case=case, actor=world.staff_a, reason=" ")
        assert "reason" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            services.case_withdraw(case=case, actor=world.staff_a, reason="")
        assert "reason" in caught.value.message_dict
        services.case_fail(case=case, actor=world.staff_a, reason="分歧")
        with pytest.raises(ValidationError) as caught:
            services.case_refer(case=case, actor=world.staff_a, referred_to="heaven")
        assert "referred_to" in caught.value.message_dict
        case.refresh_from_db()
        assert case.status == S.FAILED

    def test_unassigned_mediators_and_other_roles_cannot_move_a_case(self, world, case):
        other = mediator_for(community=world.a)
        for outsider in (other.user, world.staff_b, world.party_a):
            with pytest.raises(NotAuthorized):
                services.case_accept(case=case, actor=outsider)
        case.refresh_from_db()
        assert case.status == S.REGISTERED

    def test_mediation_needs_an_assigned_mediator(self, world, room_a):
        case = register(community=world.a, room=room_a, actor=world.staff_a)
        services.case_accept(case=case, actor=world.staff_a)
        with pytest.raises(ValidationError) as caught:
            services.case_start_mediation(case=case, actor=world.staff_a)
        assert "mediators" in caught.value.message_dict


@pytest.mark.django_db
class TestSessionsAgreementsFollowUps:
    def test_first_session_on_an_accepted_case_starts_mediation(self, world, case, med_a):
        case = walk(case, "accepted", actor=world.staff_a)
        applicant = case.parties.get(role="applicant")
        session = services.session_record(
            case=case,
            actor=world.mediator_a,
            held_at=timezone.now() - timedelta(minutes=1),
            notes="双方陈述意见",
            mediators_present=[med_a],
            parties_present=[applicant],
        )
        case.refresh_from_db()
        assert case.status == S.MEDIATING
        assert list(session.parties_present.all()) == [applicant]
        assert session.room == case.room

    def test_bad_session_input_stores_nothing(self, world, case, med_a, room_b):
        case = walk(case, "mediating", actor=world.staff_a)
        other_case = register(community=world.a, room=case.room, actor=world.staff_a)
        with pytest.raises(ValidationError) as caught:
            services.session_record(
                case=case,
                actor=world.mediator_a,
                held_at=timezone.now() + timedelta(days=1),
                notes="",
                mediators_present=[],
                parties_present=[other_case.parties.first()],
                room=room_b,
            )
        assert set(caught.value.message_dict) == {
            "held_at",
            "notes",
            "mediators_present",
            "parties_present",
            "room",
        }
        assert not MediationSession.objects.exists()

    def test_no_session_on_a_registered_case(self, world, case, med_a):
        with pytest.raises(ValidationError) as caught:
            services.session_record(
                case=case,
                actor=world.staff_a,
                held_at=timezone.now(),
                notes="x",
                mediators_present=[med_a],
            )
        assert "status" in caught.value.message_dict

    @pytest.mark.parametrize("start", ["registered", "accepted"])
    def test_agreement_before_mediation_is_a_field_error_and_stores_nothing(
        self, world, case, start
    ):
        case = walk(case, start, actor=world.staff_a)
        with pytest.raises(ValidationError) as caught:
            services.agreement_record(
                case=case, actor=world.staff_a, terms="赔偿", signed_on=timezone.localdate()
            )
        assert "status" in caught.value.message_dict
        assert not Agreement.objects.exists()
        assert not FollowUp.objects.exists()
        case.refresh_from_db()
        assert case.status == start

    def test_agreement_schedules_the_first_follow_up(self, world, case, settings):
        settings.HIVE_DISPUTE_FOLLOWUP_DAYS = 20
        case = walk(case, "mediating", actor=world.staff_a)
        signed = timezone.localdate()
        services.agreement_record(
            case=case,
            actor=world.mediator_a,
            terms="分期付款",
            signed_on=signed,
            judicial_confirmation=Agreement.JudicialConfirmation.PENDING,
        )
        assert case.agreement.judicial_confirmation_requested
        assert list(case.followups.values_list("due_on", flat=True)) == [
            signed + timedelta(days=20)
        ]

    def test_bad_agreement_dates(self, world, case):
        case = walk(case, "mediating", actor=world.staff_a)
        for signed_on in (
            timezone.localdate() + timedelta(days=1),
            timezone.localdate() - timedelta(days=5),
        ):
            with pytest.raises(ValidationError) as caught:
                services.agreement_record(
                    case=case, actor=world.staff_a, terms="x", signed_on=signed_on
                )
            assert "signed_on" in caught.value.message_dict
        assert not Agreement.objects.exists()

    def test_follow_up_before_the_agreement_is_a_field_error(self, world, case):
        case = walk(case, "agreement_reached", actor=world.staff_a)
        yesterday = case.agreement.signed_on - timedelta(days=1)
        with pytest.raises(ValidationError) as caught:
            services.followup_schedule(case=case, actor=world.staff_a, due_on=yesterday)
        assert "due_on" in caught.value.message_dict
        followup = case.followups.get()
        with pytest.raises(ValidationError) as caught:
            services.followup_record(
                followup=followup, actor=world.staff_a, visited_on=yesterday, honoured="yes"
            )
        assert "visited_on" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            services.followup_record(
                followup=followup,
                actor=world.staff_a,
                visited_on=timezone.localdate(),
                honoured="maybe",
            )
        assert "honoured" in caught.value.message_dict
        assert case.followups.count() == 1
        followup.refresh_from_db()
        assert followup.visited_on is None
        case.refresh_from_db()
        assert case.status == S.AGREEMENT_REACHED

    def test_a_visit_is_recorded_once(self, world, case):
        case = walk(case, "followed_up", actor=world.staff_a)
        followup = case.followups.get()
        with pytest.raises(ValidationError) as caught:
            services.followup_record(
                followup=followup,
                actor=world.staff_a,
                visited_on=timezone.localdate(),
                honoured="no",
            )
        assert "visited_on" in caught.value.message_dict
        followup.refresh_from_db()
        assert followup.honoured == "yes"


@pytest.mark.django_db
class TestEscalation:
    """A stand-in for the grids incident: any model instance with a community and a title
    (a micro-wish here). The grids app connects to `case_closed` at merge time."""

    def test_escalated_incident_is_linked_and_closing_sends_the_hook(self, world, room_a, med_a):
        incident = MicroWishFactory(community=world.a, title="邻里漏水纠纷", description="楼上漏水")
        case = services.case_register_from_incident(
            incident=incident,
            room=room_a,
            kind=DisputeCase.Kind.NEIGHBOURS,
            parties=PARTIES,
            actor=world.staff_a,
            mediators=[med_a],
        )
        assert case.source == DisputeCase.Source.INCIDENT
        assert case.source_record == incident
        assert case.title == "邻里漏水纠纷"
        assert case.facts == "楼上漏水"

        received = []

        def resolve(sender, case, actor, **kwargs):
            # What the grids receiver will do: resolve the incident the case came from.
            received.append((case.source_record, actor, case.status))

        case_closed.connect(resolve)
        try:
            walk(case, "closed", actor=world.mediator_a)
        finally:
            case_closed.disconnect(resolve)
        assert received == [(incident, world.mediator_a, S.CLOSED)]

    def test_an_incident_escalates_once(self, world, room_a):
        incident = MicroWishFactory(community=world.a)
        services.case_register_from_incident(
            incident=incident, room=room_a, kind="neighbours", parties=PARTIES, actor=world.staff_a
        )
        with pytest.raises(ValidationError) as caught:
            services.case_register_from_incident(
                incident=incident,
                room=room_a,
                kind="neighbours",
                parties=PARTIES,
                actor=world.staff_a,
            )
        assert "source" in caught.value.message_dict
        assert DisputeCase.objects.count() == 1

    def test_a_failing_receiver_rolls_the_close_back(self, world, case):
        case = walk(case, "followed_up", actor=world.staff_a)

        def refuse(sender, case, actor, **kwargs):
            raise ValidationError("incident could not be resolved")

        case_closed.connect(refuse)
        try:
            with pytest.raises(ValidationError):
                services.case_close(case=case, actor=world.staff_a)
        finally:
            case_closed.disconnect(refuse)
        case.refresh_from_db()
        assert case.status == S.FOLLOWED_UP
        assert case.closed_at is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_consecutive_numbers_without_gaps(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    room = RoomFactory(community=world.a)
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    numbers, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=10)
            case = register(
                community=world.a, room=room, actor=world.staff_a, title=f"并发登记{index}"
            )
            numbers.append(case.sequence)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == list(range(1, threads_count + 1))
    stored = sorted(DisputeCase.objects.values_list("sequence", flat=True))
    assert stored == list(range(1, threads_count + 1))
    year = timezone.localdate().year
    assert CaseCounter.objects.get(community=world.a, year=year).last_number == threads_count


def test_case_numbers_are_formatted_with_four_digits():
    assert services.format_case_number(2026, 42) == "2026-0042"
    assert services.format_case_number(2026, 12345) == "2026-12345"


@pytest.mark.django_db
def test_the_registration_year_is_local(world, room_a, settings):
    # 2024-12-31 17:00 UTC is already 2025 in Shanghai.
    moment = datetime(2024, 12, 31, 17, 0, tzinfo=UTC)
    case = register(community=world.a, room=room_a, actor=world.staff_a, registered_at=moment)
    assert case.number == "2025-0001"
