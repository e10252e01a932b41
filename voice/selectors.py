"""Reused reads of the suggestion box and demand solicitation."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from hive.models import Community
from voice.models import Solicitation, Submission, Suggestion
from volunteers.models.wishes import normalise_tracking_code


def _valid_code(code: str) -> str:
    # A malformed code and an unknown one get the same answer.
    code = normalise_tracking_code(code)
    return code if code and len(code) <= 20 else ""


def suggestion_by_code(code: str) -> Suggestion | None:
    code = _valid_code(code)
    if not code:
        return None
    return Suggestion.objects.select_related("community").filter(tracking_code=code).first()


def submission_by_code(code: str) -> Submission | None:
    code = _valid_code(code)
    if not code:
        return None
    submissions = Submission.objects.select_related("community", "solicitation", "demand")
    return submissions.filter(tracking_code=code).first()


def public_suggestions(community: Community | int) -> QuerySet[Suggestion]:
    """The community's answered suggestions whose answer is public, newest answer first:
    no name or phone is read."""
    suggestions: QuerySet[Suggestion] = (
        Suggestion.objects.in_community(community)
        .filter(status=Suggestion.Status.ANSWERED, answer_public=True)
        .only("id", "topic", "text", "answer", "answered_at", "created_at", "answer_public")
        .order_by("-answered_at", "-id")
    )
    return suggestions


def open_solicitations(
    community: Community | int, now: datetime | None = None
) -> QuerySet[Solicitation]:
    now = now or timezone.now()
    solicitations: QuerySet[Solicitation] = (
        Solicitation.objects.in_community(community)
        .filter(opens_at__lte=now, closes_at__gt=now)
        .order_by("closes_at", "id")
    )
    return solicitations
