"""The one transition mechanism every workflow uses.

A model declares its states with TextChoices and its allowed moves with a `Workflow`
class attribute. `transition()` performs a move inside a transaction, refuses an illegal
one with `TransitionNotAllowed`, and writes one TimelineEntry per move.

Written here rather than taken from django-fsm: that project is archived, and what we
need beyond a state table (row lock, actor, note and timeline row in one transaction,
community scoping of the timeline) would be glue around it anyway.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from hive.models import TimelineEntry


class TransitionNotAllowed(ValidationError):
    """An illegal move: a 400 in the API, a message in the UI, never a silent change."""


class Workflow:
    """Declared states and allowed moves of one model's status field."""

    def __init__(self, *, transitions: dict[str, Iterable[str]], field: str = "status") -> None:
        self.field = field
        self.transitions = {source: frozenset(targets) for source, targets in transitions.items()}

    def targets(self, source: str) -> frozenset[str]:
        return self.transitions.get(source, frozenset())

    def can(self, source: str, target: str) -> bool:
        return target in self.targets(source)

    def states(self) -> set[str]:
        states = set(self.transitions)
        for targets in self.transitions.values():
            states |= targets
        return states

    def label(self, model: type[Model], value: str) -> str:
        # A status field is a concrete Field, never a relation (which has no flatchoices).
        choices = dict(model._meta.get_field(self.field).flatchoices)  # type: ignore[union-attr]
        return str(choices.get(value, value))


def available_transitions(obj: Any) -> list[tuple[str, str]]:
    """The (value, label) pairs the object may move to from its current state."""
    workflow = type(obj).workflow
    source = getattr(obj, workflow.field)
    return [
        (target, workflow.label(type(obj), target)) for target in sorted(workflow.targets(source))
    ]


def _community_id(obj: Any) -> Any:
    """The community the object belongs to, through its queryset's `community_path`, so
    timeline entries are scoped like the object itself."""
    path = getattr(type(obj)._default_manager._queryset_class, "community_path", "community")
    if not path:
        return obj.pk
    target = obj
    for name in path.split("__"):
        target = getattr(target, name, None)
        if target is None:
            return None
    return target.pk


@transaction.atomic
def transition(
    obj: Any, *, to: str, actor: Any = None, note: str = "", update_fields: Iterable[str] = ()
) -> "TimelineEntry":
    """Move `obj` to state `to`, save it with `update_fields`, and record the move.

    Other changes the caller made on `obj` (an assignee, a reason) are saved with the
    state in the same UPDATE, so the object and its timeline never disagree.
    """
    from hive.models import TimelineEntry

    model = type(obj)
    workflow: Workflow = model.workflow
    # Lock the row and read the state stored now: two people pressing a button at once
    # must not both pass the check against a state one of them has already left.
    stored = (
        model._base_manager.select_for_update()
        .filter(pk=obj.pk)
        .values_list(workflow.field, flat=True)
    )
    source = stored.first()
    if source is None:
        raise TransitionNotAllowed(_("This record no longer exists."), code="missing")
    if not workflow.can(source, to):
        raise TransitionNotAllowed(
            _("Cannot change %(object)s from “%(source)s” to “%(target)s”."),
            code="illegal_transition",
            params={
                "object": model._meta.verbose_name,
                "source": workflow.label(model, source),
                "target": workflow.label(model, to),
            },
        )
    community_id = _community_id(obj)
    setattr(obj, workflow.field, to)
    fields = {workflow.field, *update_fields}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        fields.add("updated_at")
    obj.save(update_fields=sorted(fields))
    return TimelineEntry.objects.create(
        subject=obj,
        community_id=community_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=source,
        to_state=to,
        note=note,
    )
