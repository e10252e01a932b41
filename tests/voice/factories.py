import datetime

import factory
from django.utils import timezone

from voice.models import Solicitation, Suggestion, Topic


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suggestion

    community = None
    topic = Topic.ENVIRONMENT
    text = factory.Sequence(lambda n: f"建议在小区增加垃圾分类指导{n}")
    resident_name = "王秀英"
    resident_phone = factory.Sequence(lambda n: f"1390000{n % 10000:04d}")
    consent_at = factory.LazyFunction(timezone.now)
    fingerprint = factory.Sequence(lambda n: f"sfp{n}")
    dedup_window = 0


class SolicitationFactory(factory.django.DjangoModelFactory):
    """By default open since an hour, for a week."""

    class Meta:
        model = Solicitation

    community = None
    topic = factory.Sequence(lambda n: f"2027年为民办实事项目需求征集{n}")
    description = "请告诉我们您最需要社区做的事。"
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


def suggestion_form_data(**overrides):
    data = {
        "topic": Topic.ENVIRONMENT,
        "text": "建议在三号楼旁边增设一个自行车棚。",
        "resident_name": "李桂兰",
        "resident_phone": "138 1234 5678",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submission_form_data(**overrides):
    data = {
        "text": "希望开设老年人助餐点。",
        "resident_name": "张建国",
        "resident_phone": "13912345678",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
