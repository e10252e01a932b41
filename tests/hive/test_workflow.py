from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from hive.models import TimelineEntry
from hive.selectors import timeline_for
from hive.workflow import TransitionNotAllowed, transition
from tests.hive.workflow_models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(world):
    return Ticket.objects.create(community=world.a)


def test_legal_transition_changes_state_and_writes_one_timeline_entry(world, ticket):
    entry = transition(ticket, action="accept", actor=world.staff_a, note="收到")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ACCEPTED
    assert entry.from_state == "open"
    assert entry.to_state == "accepted"
    assert entry.actor == world.staff_a
    assert entry.note == "收到"
    assert entry.community == world.a
    assert entry.subject == ticket
    assert [e.pk for e in timeline_for(ticket)] == [entry.pk]


def test_timeline_lists_every_move_in_order_with_labels(world, ticket):
    transition(ticket, action="accept", actor=world.staff_a)
    transition(ticket, action="finish", actor=world.grid_a, note="修好了")

    entries = list(timeline_for(ticket))
    assert [(e.from_state, e.to_state) for e in entries] == [
        ("open", "accepted"),
        ("accepted", "done"),
    ]
    assert entries[1].from_label == "Accepted"
    assert entries[1].to_label == "Done"
    assert entries[1].actor == world.grid_a


def test_illegal_transition_is_refused_with_a_clear_error_and_changes_nothing(world, ticket):
    with pytest.raises(TransitionNotAllowed) as excinfo:
        transition(ticket, action="finish", actor=world.staff_a)

    message = excinfo.value.messages[0]
    assert "Open" in message and "Done" in message
    assert isinstance(excinfo.value, ValidationError)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.OPEN
    assert not TimelineEntry.objects.exists()


def test_final_state_allows_no_move(world, ticket):
    transition(ticket, action="cancel", actor=world.staff_a)
    assert Ticket.workflow.available(ticket, world.superuser) == []
    with pytest.raises(TransitionNotAllowed):
        transition(ticket, action="accept", actor=world.staff_a)


def test_stale_object_in_memory_is_checked_against_the_stored_state(world, ticket):
    stale = Ticket.objects.get(pk=ticket.pk)
    transition(ticket, action="cancel", actor=world.staff_a)

    # The stale copy still says "open", but the row is cancelled: accepting must fail.
    with pytest.raises(TransitionNotAllowed):
        transition(stale, action="accept", actor=world.staff_b)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CANCELLED


def test_failure_while_writing_the_timeline_rolls_the_state_back(world, ticket):
    ticket.assignee = "张网格"
    with (
        mock.patch.object(TimelineEntry.objects, "create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        transition(ticket, action="accept", actor=world.staff_a, update_fields=["assignee"])

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Ticket.Status.OPEN
    assert stored.assignee == ""
    assert not TimelineEntry.objects.exists()


def test_extra_fields_are_saved_with_the_state(world, ticket):
    ticket.assignee = "张网格"
    transition(ticket, action="accept", actor=world.staff_a, update_fields=["assignee"])
    assert Ticket.objects.get(pk=ticket.pk).assignee == "张网格"


def test_available_actions_follow_the_declaration_and_who_may_take_them(world, ticket):
    assert Ticket.workflow.actions_for(ticket, world.staff_a) == ["accept", "cancel"]
    # A role of another community, or none, does not open a step declared `by` a role.
    assert Ticket.workflow.actions_for(ticket, world.staff_b) == ["cancel"]
    transition(ticket, action="accept", actor=world.staff_a)
    # A predicate decides from the object and the user.
    assert Ticket.workflow.actions_for(ticket, world.staff_a) == ["cancel"]
    ticket.assignee = "张网格"
    assert [a.label for a in Ticket.workflow.available(ticket, world.staff_a)] == [
        "Finish",
        "Cancel",
    ]


def test_refusal_names_the_reason_or_none(world, ticket):
    assert Ticket.workflow.refusal(ticket, "accept", world.staff_a) is None
    refused = Ticket.workflow.refusal(ticket, "accept", world.staff_b)
    assert refused == gettext("You may not do this.")
    refused = Ticket.workflow.refusal(ticket, "finish", world.staff_a)
    assert "Open" in refused and "Done" in refused


def test_action_to_names_the_one_step_leading_to_a_state(world, ticket):
    assert Ticket.workflow.action_to(Ticket.Status.DONE).name == "finish"
    assert Ticket.workflow.action_to(Ticket.Status.CANCELLED, Ticket.Status.OPEN).name == "cancel"
    with pytest.raises(TransitionNotAllowed):
        Ticket.workflow.action_to(Ticket.Status.OPEN, Ticket.Status.DONE)


def test_lock_returns_the_stored_row_and_refuses_a_step_it_has_left(world, ticket):
    stale = Ticket.objects.get(pk=ticket.pk)
    transition(ticket, action="cancel", actor=world.staff_a)
    with pytest.raises(TransitionNotAllowed):
        Ticket.workflow.lock(stale, action="accept")
    assert Ticket.workflow.states() == {"open", "accepted", "done", "cancelled"}


def test_system_actor_is_recorded_as_empty(ticket):
    entry = transition(ticket, action="accept", actor=None, note="自动")
    assert entry.actor is None


def test_system_check_rejects_a_workflow_naming_unknown_states():
    from hive.checks import check_workflows
    from hive.workflow import Action, Workflow

    original = Ticket.workflow
    Ticket.workflow = Workflow(actions=[Action("archive", ["open"], "archived", "Archive")])
    Ticket.workflow.model = Ticket
    try:
        errors = check_workflows()
    finally:
        Ticket.workflow = original
    assert [e.id for e in errors] == ["hive.E002"]
    assert check_workflows() == []
