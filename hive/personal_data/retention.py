"""How long each kind of personal data is kept, and the one task that keeps to it.

Each kind of personal data has a RetentionRule, part of its model's declaration
(hive.personal_data.registry): which rows have expired (a condition plus an age field
older than a period from settings), and what happens to them — ANONYMISE (the row stays
for ledgers and statistics, the personal fields get the declaration's erase values) or
DELETE. `retention_apply()` runs every rule; the Celery task `hive.apply_retention`
(daily, hive/queue/schedules.py) calls it.

Idempotent: a rule's `pending` condition matches only rows still holding the data, so
an anonymised row is not matched again, and a second run changes nothing. Rows are
taken in primary-key batches, locked (skip_locked: a concurrent run takes other rows),
and changed in the batch's transaction together with one audit-trail entry per row
(hive.personal_data.audit). Each run stores a RetentionRun with the counts per rule and
nothing else.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

if TYPE_CHECKING:
    from hive.models import RetentionRun

logger = logging.getLogger(__name__)

ANONYMISE = "anonymise"
DELETE = "delete"
BATCH_SIZE = 500


@dataclass(frozen=True, eq=False)
class RetentionRule:
    key: str
    # Lazily translated; what staff read in the admin and the README.
    label: object
    age_field: str  # rows whose value is older than the period have expired
    days_setting: str  # the settings name of the period, in days
    action: str  # ANONYMISE or DELETE
    # Both set by the model's declaration (hive.personal_data.registry.declare).
    model: str = ""  # "app_label.ModelName"
    # ANONYMISE: field → new value (a constant or an expression such as TruncYear).
    replacements: tuple[tuple[str, object], ...] = ()
    # Which rows the rule is about (closed wishes, residents who moved out …), given the
    # cutoff (now - period) for conditions on a second date.
    condition: Callable[[datetime], Q] | None = None
    # ANONYMISE: rows still holding the data; anonymised rows must not match.
    pending: Callable[[], Q] | None = None

    def days(self) -> int:
        return int(getattr(settings, self.days_setting))

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def expired(self, *, now: datetime) -> QuerySet[Any]:
        cutoff = now - timedelta(days=self.days())
        queryset = self.model_class()._base_manager.filter(**{f"{self.age_field}__lt": cutoff})
        if self.condition is not None:
            queryset = queryset.filter(self.condition(cutoff))
        if self.pending is not None:
            queryset = queryset.filter(self.pending())
        return queryset


RETENTION_RULES: list[RetentionRule] = []


def register(rule: RetentionRule) -> None:
    if rule.action not in (ANONYMISE, DELETE):
        raise ValueError(f"{rule.key}: unknown action {rule.action!r}")
    if rule.action == ANONYMISE and (not rule.replacements or rule.pending is None):
        raise ValueError(f"{rule.key}: anonymising needs replacements and a pending condition")
    if all(existing.key != rule.key for existing in RETENTION_RULES):
        RETENTION_RULES.append(rule)


def rule_by_key(key: str) -> RetentionRule:
    for rule in RETENTION_RULES:
        if rule.key == key:
            return rule
    raise KeyError(key)


def retention_apply_rule(*, rule: RetentionRule, now: datetime | None = None) -> int:
    """Anonymise or delete the rule's expired rows; return how many."""
    from hive.personal_data.audit import audit_retention

    now = now or timezone.now()
    done, last_pk = 0, None
    while True:
        with transaction.atomic():
            queryset = rule.expired(now=now).order_by("pk")
            if last_pk is not None:
                queryset = queryset.filter(pk__gt=last_pk)
            batch = list(
                queryset.select_for_update(skip_locked=True, of=("self",)).values_list(
                    "pk", flat=True
                )[:BATCH_SIZE]
            )
            if not batch:
                return done
            last_pk = batch[-1]
            rows = rule.model_class()._base_manager.filter(pk__in=batch)
            if rule.action == ANONYMISE:
                changed = rows.update(**dict(rule.replacements))
            else:
                _total, per_model = rows.delete()
                changed = per_model.get(rows.model._meta.label, 0)
            audit_retention(rule=rule, pks=batch)
            done += changed


def retention_apply(
    *, now: datetime | None = None, keys: list[str] | None = None
) -> "RetentionRun":
    """Run every registered rule (or the named ones); store and return the RetentionRun."""
    from hive.models import RetentionRun

    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now)
    counts: dict[str, int] = {}
    for rule in RETENTION_RULES:
        if keys is None or rule.key in keys:
            counts[rule.key] = retention_apply_rule(rule=rule, now=now)
    run.counts = counts
    run.total = sum(counts.values())
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "total", "finished_at"])
    logger.info("Retention run %s: %s rows %s", run.pk, run.total, counts)
    return run
