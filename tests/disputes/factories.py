import factory
from django.utils import timezone

from disputes import services
from disputes.models import DisputeCase, MediationRoom, Mediator, PartnerInstitution
from hive.access.roles import Role
from tests.factories import user_with_role


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MediationRoom

    community = None
    name = factory.Sequence(lambda n: f"蜂音会客室{n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerInstitution

    community = None
    name = factory.Sequence(lambda n: f"矿区人民法院{n}")
    kind = PartnerInstitution.Kind.COURT


def mediator_for(user=None, *, community, **kwargs) -> Mediator:
    """A Mediator profile; a new user with the mediator role unless one is given."""
    if user is None:
        user = user_with_role(Role.MEDIATOR, community=community)
    return Mediator.objects.create(community=community, user=user, **kwargs)


PARTIES = [
    {"role": "applicant", "name": "王建国", "phone": "13800138000", "address": "虎尾沟3号楼501"},
    {"role": "respondent", "name": "李秀兰", "phone": "13900139000", "address": "虎尾沟3号楼601"},
]


def register(*, community, room, actor, mediators=(), **kwargs) -> DisputeCase:
    data = {
        "kind": DisputeCase.Kind.NOISE,
        "title": "楼上噪音扰民",
        "facts": "夜间装修噪音，多次协商未果。",
        "parties": PARTIES,
    }
    data.update(kwargs)
    return services.case_register(
        community=community, room=room, actor=actor, mediators=mediators, **data
    )


# The happy path and the failure path, as the services walk them.
HAPPY = ["registered", "accepted", "mediating", "agreement_reached", "followed_up", "closed"]
FAILURE = ["registered", "accepted", "mediating", "failed", "referred", "closed"]


def step(case, to, *, actor):
    """Call the service that moves `case` to `to`, with valid data."""
    S = DisputeCase.Status
    today = timezone.localdate()
    if to == S.ACCEPTED:
        return services.case_accept(case=case, actor=actor)
    if to == S.MEDIATING:
        return services.case_start_mediation(case=case, actor=actor)
    if to == S.AGREEMENT_REACHED:
        return services.agreement_record(case=case, actor=actor, terms="赔偿500元", signed_on=today)
    if to == S.FOLLOWED_UP:
        followup = case.followups.filter(visited_on__isnull=True).first()
        if followup is None:
            followup = services.followup_schedule(case=case, actor=actor, due_on=today)
        return services.followup_record(
            followup=followup, actor=actor, visited_on=today, honoured="yes"
        )
    if to == S.FAILED:
        return services.case_fail(case=case, actor=actor, reason="双方分歧过大")
    if to == S.REFERRED:
        return services.case_refer(case=case, actor=actor, referred_to="court")
    if to == S.CLOSED:
        return services.case_close(case=case, actor=actor)
    if to == S.WITHDRAWN:
        return services.case_withdraw(case=case, actor=actor, reason="申请人撤回")
    raise AssertionError(to)


def walk(case, target, *, actor):
    path = HAPPY if target in HAPPY else FAILURE
    if target == "withdrawn":
        raise AssertionError("withdraw with step()")
    for state in path[path.index(case.status) + 1 : path.index(target) + 1]:
        step(case, state, actor=actor)
        case.refresh_from_db()
    return case
