import datetime

import factory
from django.utils import timezone

from partycommittee.models import (
    BigPartyCommittee,
    Campaign,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    Nomination,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
)
from tests.factories import CommunityFactory, UserFactory


class ResidentUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidentUnit

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"驻区单位{n}")
    kind = ResidentUnit.Kind.ENTERPRISE
    contact_phone = "13800001111"


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BigPartyCommittee
        django_get_or_create = ["community"]

    community = factory.SubFactory(CommunityFactory)
    name = factory.LazyAttribute(lambda o: f"{o.community.name}大党委")


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    committee = factory.SubFactory(CommitteeFactory)
    user = factory.SubFactory(UserFactory)
    position = CommitteeMember.Position.MEMBER
    term_start = datetime.date(2025, 1, 1)


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandItem

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"需求{n}")
    source = DemandItem.Source.RESIDENTS
    category = DemandItem.Category.ELDERLY


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceItem

    unit = factory.SubFactory(ResidentUnitFactory)
    community = factory.LazyAttribute(lambda o: o.unit.community)
    kind = ResourceItem.Kind.VENUE
    title = factory.Sequence(lambda n: f"资源{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"项目{n}")


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    unit = factory.SubFactory(ResidentUnitFactory)
    community = factory.LazyAttribute(lambda o: o.unit.community)
    task = factory.Sequence(lambda n: f"任务{n}")
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointMeeting

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"联席会议{n}")
    held_at = factory.LazyFunction(timezone.now)


class CampaignFactory(factory.django.DjangoModelFactory):
    """By default nominations are open now and voting opens in a day."""

    class Meta:
        model = Campaign

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"评选{n}")
    kind = Campaign.Kind.CIVILISED_UNIT
    seats = 1
    nomination_start = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    nomination_end = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    voting_start = factory.LazyAttribute(lambda o: o.nomination_end)
    voting_end = factory.LazyAttribute(lambda o: o.voting_start + datetime.timedelta(days=3))


class NominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nomination

    campaign = factory.SubFactory(CampaignFactory)
    nominee_kind = Nomination.NomineeKind.PERSON
    nominee_name = factory.Sequence(lambda n: f"候选人{n}")
    nominated_by = factory.SubFactory(UserFactory)
