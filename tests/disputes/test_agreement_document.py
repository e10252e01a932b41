"""The printable mediation agreement (调解协议书): both doors (the admin's case page and
the mediator's portal) print the same masked sheet; scoping as for the case; no agreement
is a 404 that says so."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from disputes import services
from disputes.models import DisputeCase
from disputes.selectors import agreement_document
from hive.models import PersonalDataAccess
from tests.disputes.factories import mediator_for, walk

pytestmark = pytest.mark.django_db

SIGNED_ON = datetime.date(2026, 12, 6)
TERMS = "一、李秀兰于2026年12月31日前赔偿王建国500元。\n二、今后夜间22时后不再装修。"


@pytest.fixture
def agreed(world, case):
    # Registered before the signing date, whatever today is.
    registered = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))
    DisputeCase.objects.filter(pk=case.pk).update(registered_at=registered)
    case.refresh_from_db()
    walk(case, DisputeCase.Status.MEDIATING, actor=world.staff_a)
    services.agreement_record(
        case=case,
        actor=world.staff_a,
        terms=TERMS,
        signed_on=SIGNED_ON,
        judicial_confirmation="pending",
    )
    case.refresh_from_db()
    return case


def admin_url(case):
    return reverse("admin:disputes_disputecase_agreement", args=[case.pk])


def portal_url(case):
    return reverse("disputes:portal_agreement_document", args=[case.pk])


def assert_the_sheet(html, case):
    # The parties, masked with the declared masks: never the full phone or address.
    assert "13800138000" not in html and "13900139000" not in html
    assert "138****8000" in html and "139****9000" in html
    parties = " ".join(re.findall(r'<p class="agreement-party".*?</p>', html, re.S))
    assert "王**" in parties and "李**" in parties
    assert "王建国" not in parties and "李秀兰" not in parties
    assert "虎尾沟3号楼501" not in html and "虎尾沟3号楼****" in html
    assert 'data-party="applicant"' in html and 'data-party="respondent"' in html
    # The facts, the terms with their line break kept, the case number and room.
    assert case.number in html and "蜂音会客室" in html and "虎尾沟社区" in html
    assert "夜间装修噪音" in html
    assert "赔偿王建国500元。<br>二、今后夜间22时后不再装修。" in html
    # Signature lines for each party and the mediator, the seal's date in Chinese.
    assert 'data-sign="applicant"' in html and 'data-sign="respondent"' in html
    assert 'data-sign="mediator"' in html
    assert "2026年12月6日" in html
    assert 'data-copies="3"' in html  # one per party, one kept by the room
    assert 'data-judicial-confirmation="pending"' in html


def assert_no_inline_script(html):
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attributes and not body.strip()
    assert "onclick" not in html.lower()
    assert "hive/print.js" in html and "data-print" in html


def test_staff_print_the_agreement_from_the_admin(world, client, agreed):
    client.force_login(world.staff_a)
    change = client.get(reverse("admin:disputes_disputecase_change", args=[agreed.pk]))
    assert admin_url(agreed) in change.content.decode()

    response = client.get(admin_url(agreed))

    assert response.status_code == 200
    html = response.content.decode()
    assert_the_sheet(html, agreed)
    assert_no_inline_script(html)
    assert "disputes/agreement.css" in html
    # Masked data is not a reveal: nothing logged.
    assert not PersonalDataAccess.objects.exists()


def test_the_sheet_is_in_chinese_when_the_language_is(world, client, agreed):
    client.force_login(world.staff_a)
    with translation.override("zh-hans"):
        title = translation.gettext("People's mediation agreement")
        html = client.get(admin_url(agreed), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert title in html
    assert "2026年12月6日" in html


def test_staff_of_another_community_cannot_print_it(world, client, agreed):
    # Out of scope is a 404, as for the case's change page.
    for staff in (world.staff_b, world.staff_c):
        client.force_login(staff)
        response = client.get(admin_url(agreed))
        assert response.status_code == 404
        assert "138****8000" not in response.content.decode()


def test_the_change_page_offers_no_print_without_an_agreement(world, client, case):
    client.force_login(world.staff_a)
    change = client.get(reverse("admin:disputes_disputecase_change", args=[case.pk]))
    assert change.status_code == 200
    assert admin_url(case) not in change.content.decode()


def test_no_agreement_is_a_404_that_says_so(world, client, case):
    client.force_login(world.staff_a)
    response = client.get(admin_url(case))
    assert response.status_code == 404
    assert f'data-agreement-missing="{case.pk}"' in response.content.decode()

    client.force_login(world.mediator_a)
    response = client.get(portal_url(case))
    assert response.status_code == 404
    assert f'data-agreement-missing="{case.pk}"' in response.content.decode()


def test_the_assigned_mediator_prints_it_from_the_portal(world, client, agreed):
    client.force_login(world.mediator_a)
    detail = client.get(reverse("disputes:portal_case_detail", args=[agreed.pk]))
    assert portal_url(agreed) in detail.content.decode()

    response = client.get(portal_url(agreed))

    assert response.status_code == 200
    html = response.content.decode()
    assert_the_sheet(html, agreed)
    assert_no_inline_script(html)
    assert str(world.mediator_a) in html


def test_a_mediator_not_assigned_cannot_print_it(world, client, agreed):
    other = mediator_for(community=world.a)
    client.force_login(other.user)
    assert client.get(portal_url(agreed)).status_code == 404


def test_the_page_takes_a_fixed_number_of_queries(
    world, client, agreed, django_assert_max_num_queries
):
    # More mediators do not mean more queries.
    for _n in range(3):
        agreed.mediators.add(mediator_for(community=world.a))
    client.force_login(world.staff_a)
    client.get(admin_url(agreed))  # warm the per-user caches
    # The session, the admin's checks, the case, its agreement, parties and mediators.
    with django_assert_max_num_queries(8):
        assert client.get(admin_url(agreed)).status_code == 200
    client.force_login(world.mediator_a)
    client.get(portal_url(agreed))
    with django_assert_max_num_queries(5):
        assert client.get(portal_url(agreed)).status_code == 200


def test_the_selector_masks_with_the_declared_masks(agreed):
    document = agreement_document(agreed)
    assert document is not None
    assert [(p.role, p.name, p.phone) for p in document.parties] == [
        ("applicant", "王**", "138****8000"),
        ("respondent", "李**", "139****9000"),
    ]
    assert document.copies == 3
    assert document.signed_on == SIGNED_ON
