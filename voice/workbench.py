"""The voice part of the admin home (hive.workbench): suggestions to answer and demand
submissions to review, and where the voice models sit."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from hive import workbench
from hive.dashboard import changelist_url
from voice.models import Solicitation, Submission, Suggestion, WishDemand


def _suggestion_counts(user):
    return Suggestion.objects.managed_by(user).aggregate(
        suggestions_to_answer=Count("pk", filter=Q(status=Suggestion.Status.SUBMITTED))
    )


def _submission_counts(user):
    return Submission.objects.managed_by(user).aggregate(
        submissions_to_review=Count("pk", filter=Q(status=Submission.Status.SUBMITTED))
    )


workbench.register(
    workbench.Tray(
        name="voice.suggestions",
        order=45,
        permission="voice.view_suggestion",
        todos=(
            workbench.ToDo(
                "suggestions_to_answer",
                _("Suggestions to answer"),
                lambda: changelist_url(
                    "voice_suggestion", None, status__exact=Suggestion.Status.SUBMITTED
                ),
            ),
        ),
        counts=_suggestion_counts,
    )
)
workbench.register(
    workbench.Tray(
        name="voice.submissions",
        order=46,
        permission="voice.view_submission",
        todos=(
            workbench.ToDo(
                "submissions_to_review",
                _("Demand submissions to review"),
                lambda: changelist_url(
                    "voice_submission", None, status__exact=Submission.Status.SUBMITTED
                ),
            ),
        ),
        counts=_submission_counts,
    )
)

workbench.group(
    workbench.Group(
        "voice",
        _("Residents' voice"),
        order=38,
        models=(Suggestion, Solicitation, Submission, WishDemand),
    )
)
