"""The voice part of the admin home (hive.workbench): suggestions to answer and demand
submissions to review, and where the voice models sit."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hive import workbench
from voice.models import Solicitation, Submission, Suggestion, WishDemand

workbench.register(
    workbench.counting_tray(
        name="voice.suggestions",
        order=45,
        model=Suggestion,
        counted=[
            workbench.Counted(
                "suggestions_to_answer",
                _("Suggestions to answer"),
                Q(status=Suggestion.Status.SUBMITTED),
                {"status__exact": Suggestion.Status.SUBMITTED},
            )
        ],
    )
)
workbench.register(
    workbench.counting_tray(
        name="voice.submissions",
        order=46,
        model=Submission,
        counted=[
            workbench.Counted(
                "submissions_to_review",
                _("Demand submissions to review"),
                Q(status=Submission.Status.SUBMITTED),
                {"status__exact": Submission.Status.SUBMITTED},
            )
        ],
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
