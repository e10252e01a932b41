"""Demo data for the three-double evaluation in Huweigou: a policy, last quarter's round
published with results, and this quarter's round open with part of the work done (the
demo unit representative, hwg_unit, still has a to-do list). Built with the real
services; idempotent — a round that exists is left as it is."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from hive import periods
from hive.access.roles import Role
from hive.services import role_assign
from partycommittee.evaluations import services
from partycommittee.evaluations.models import (
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
)
from partycommittee.models import ResidentUnit

COMMENTS = ["配合积极，沟通顺畅", "服务居民到位", "共建活动参与度高", "希望加强日常联系", ""]


def _representative(unit, index, community):
    user = unit.representatives.first()
    if user is not None:
        return user
    from hive.models import User

    user, created = User.objects.get_or_create(
        username=f"hwg_unit{index}", defaults={"name": unit.party_org_head or unit.name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    role_assign(user=user, role=Role.UNIT_REP, community=community)
    unit.representatives.add(user)
    return user


def _fill(evaluation_round, staff, reps, rng, share: float, skip_unit=None) -> None:
    """Submit about `share` of the round's sheets and reports with plausible scores."""
    sheets = EvaluationSheet.objects.filter(round=evaluation_round).select_related("round")
    for sheet in sheets:
        skipped = skip_unit is not None and sheet.rater_unit_id == skip_unit.pk
        if skipped or rng.random() > share:
            continue
        actor = staff if sheet.rater_unit_id is None else reps[sheet.rater_unit_id]
        base = rng.randint(70, 95)
        services.sheet_save(
            sheet=sheet,
            actor=actor,
            communication=min(100, base + rng.randint(-5, 5)),
            service=min(100, base + rng.randint(-5, 5)),
            overall=base,
            comment=rng.choice(COMMENTS),
            submit=True,
        )
    for report in DutyReport.objects.filter(round=evaluation_round).select_related("unit"):
        skipped = skip_unit is not None and report.unit_id == skip_unit.pk
        if skipped or rng.random() > share:
            continue
        services.duty_report_save(
            report=report,
            actor=reps[report.unit_id],
            text=f"{report.unit.name}本期履职情况：参加联席会议，认领共建项目，开展志愿服务。",
            submit=True,
        )


@transaction.atomic  # one commit: hundreds of submissions, not hundreds of fsyncs
def seed(context) -> None:
    community = context.communities["huweigou"]
    staff = context.users["hwg_staff"]
    # A sample of six peers per unit keeps the demo light and shows sampling at work.
    EvaluationPolicy.objects.get_or_create(community=community, defaults={"peer_sample_size": 6})
    units = list(ResidentUnit.objects.filter(community=community, is_active=True).order_by("pk"))
    reps = {unit.pk: _representative(unit, index, community) for index, unit in enumerate(units)}
    demo_unit = ResidentUnit.objects.filter(
        community=community, representatives=context.users["hwg_unit"]
    ).first()
    rng = random.Random(2026)  # noqa: S311 (demo scores)
    now = timezone.now()
    today = timezone.localdate()
    current_start, _end = periods.bounds("quarter", today)
    last_quarter_day = current_start - datetime.timedelta(days=1)

    if not EvaluationRound.objects.filter(
        community=community, period_start=periods.bounds("quarter", last_quarter_day)[0]
    ).exists():
        past = services.round_create(
            community=community,
            day=last_quarter_day,
            opens_at=now - datetime.timedelta(days=1),
            deadline=now + datetime.timedelta(days=1),
        )
        services.round_open(round_id=past.pk)
        _fill(past, staff, reps, rng, share=0.9)
        services.round_close_now(evaluation_round=past, actor=staff)
        services.round_compute_results(round_id=past.pk)
        services.round_publish(evaluation_round=past, actor=staff)

    if not EvaluationRound.objects.filter(community=community, period_start=current_start).exists():
        current = services.round_create(
            community=community,
            day=today,
            opens_at=now - datetime.timedelta(days=2),
            deadline=now + datetime.timedelta(days=12),
        )
        services.round_open(round_id=current.pk)
        _fill(current, staff, reps, rng, share=0.6, skip_unit=demo_unit)
