"""A small workflow model that exists only for the transition mechanism's own tests.

Its table is created by tests/hive/conftest.py; no migration ships it.
"""

from django.db import models

from hive.models import Community
from hive.workflow import Action, Workflow


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    # No database constraint: transactional tests flush hive_community with TRUNCATE,
    # which PostgreSQL refuses while an unmanaged table points at it.
    community = models.ForeignKey(Community, on_delete=models.DO_NOTHING, db_constraint=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    assignee = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    workflow = Workflow(
        actions=[
            Action("accept", [Status.OPEN], Status.ACCEPTED, "Accept", by=["community_staff"]),
            Action(
                "finish", [Status.ACCEPTED], Status.DONE, "Finish", by=lambda t, user: t.assignee
            ),
            Action("cancel", [Status.OPEN, Status.ACCEPTED], Status.CANCELLED, "Cancel"),
        ]
    )

    class Meta:
        app_label = "hive"
        managed = False

    def __str__(self):
        return f"ticket {self.pk}"
