"""The public progress page of co-construction projects (Decidim's accountability):
residents see the projects staff published, their step, the units taking part and the
results, with no login, from the page cache; public text carries no phone or ID number,
refused at both staff doors (admin, API)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partycommittee.models import Project
from tests.partycommittee.factories import DemandFactory, ProjectFactory, ResidentUnitFactory

pytestmark = pytest.mark.django_db
S = Project.Status


def _page(client, community):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("partycommittee:public_progress", args=[community.code]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _public(world, title, status=S.SOLICITED, **kwargs):
    return ProjectFactory(community=world.a, title=title, status=status, is_public=True, **kwargs)


def test_residents_see_only_the_published_projects_of_the_community(client, world):
    _public(world, "健康义诊月", S.IN_PROGRESS, public_results="义诊4场")
    ProjectFactory(community=world.a, title="内部筹备项目", status=S.NEGOTIATING)
    _public(world, "已取消的项目", S.CANCELLED)
    ProjectFactory(community=world.b, title="新泽苑的项目", is_public=True)
    html, _queries = _page(client, world.a)
    assert "健康义诊月" in html and "义诊4场" in html
    assert "内部筹备项目" not in html
    assert "已取消的项目" not in html
    assert "新泽苑的项目" not in html


def test_each_project_shows_its_step_units_and_demands(client, world):
    project = _public(world, "消防安全演练", S.DECIDED)
    project.units.set([ResidentUnitFactory(community=world.a, name="消防救援站")])
    project.demands.set([DemandFactory(community=world.a, title="楼道堆物太多")])
    html, _queries = _page(client, world.a)
    assert "消防救援站" in html and "楼道堆物太多" in html
    assert "第 5 步，共 8 步" in html
    assert html.count("hive-step-done") == 4
    assert 'class="hive-step hive-step-current" aria-current="step"' in html
    assert html.count("hive-step-ahead") == 3


def test_projects_being_carried_out_come_first_and_finished_ones_last(client, world):
    _public(world, "已完成项目", S.COMPLETED)
    _public(world, "协商中的项目", S.NEGOTIATING)
    _public(world, "实施中的项目", S.IN_PROGRESS)
    html, _queries = _page(client, world.a)
    assert html.index("实施中的项目") < html.index("协商中的项目") < html.index("已完成项目")


def test_the_page_costs_the_same_queries_whatever_the_projects(client, world, settings):
    settings.HIVE_PUBLIC_PAGE_CACHE_SECONDS = 0  # measure the rendering, not the cache
    _public(world, "项目一").units.set([ResidentUnitFactory(community=world.a)])
    _page(client, world.a)  # the community is read once, then comes from the cache
    _html, few = _page(client, world.a)
    for index in range(6):
        project = _public(world, f"更多项目{index}")
        project.units.set([ResidentUnitFactory(community=world.a) for _unit in range(2)])
        project.demands.set([DemandFactory(community=world.a)])
    _html, many = _page(client, world.a)
    assert many == few <= 5


def test_the_page_is_served_from_the_cache_and_a_published_project_shows_at_once(client, world):
    _public(world, "健康义诊月")
    first, rendered = _page(client, world.a)
    second, cached = _page(client, world.a)
    assert rendered > 0 and cached == 0 and first == second
    hidden = ProjectFactory(community=world.a, title="刚公开的项目")
    hidden.is_public = True
    hidden.save()
    fresh, queries = _page(client, world.a)
    assert "刚公开的项目" in fresh and queries > 0


def test_a_phone_number_written_around_the_model_is_masked(client, world):
    project = _public(world, "加装电梯")
    Project.objects.filter(pk=project.pk).update(public_results="联系 13812345678 报名")
    html, _queries = _page(client, world.a)
    assert "13812345678" not in html and "报名" in html


def test_an_unknown_community_is_a_404(client, world):
    response = client.get(reverse("partycommittee:public_progress", args=["nowhere"]))
    assert response.status_code == 404


def test_the_index_and_the_landing_page_lead_to_the_page(client, world):
    index = client.get(reverse("partycommittee:public_progress_index")).content.decode()
    assert reverse("partycommittee:public_progress", args=[world.a.code]) in index
    assert reverse("partycommittee:public_progress_index") in client.get("/").content.decode()


# --- Both staff doors refuse personal numbers in what the page would show -------------------


def test_the_admin_refuses_a_phone_number_in_public_results_and_stores_nothing(client, world):
    project = ProjectFactory(community=world.a, title="加装电梯")
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:partycommittee_project_change", args=[project.pk]),
        {
            "community": world.a.pk,
            "title": "加装电梯",
            "description": "",
            "is_public": "on",
            "public_results": "报名请打 138-1234-5678",
            "responsibilities-TOTAL_FORMS": "0",
            "responsibilities-INITIAL_FORMS": "0",
            "agreement-TOTAL_FORMS": "0",
            "agreement-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "public_results" in response.context["adminform"].form.errors
    project.refresh_from_db()
    assert not project.is_public and project.public_results == ""


def test_the_api_refuses_it_too_and_a_clean_text_is_published(api_client, world):
    project = ProjectFactory(community=world.a, title="加装电梯")
    api_client.force_authenticate(world.staff_a)
    url = f"/api/projects/{project.pk}/"
    bad = api_client.patch(
        url, {"is_public": True, "public_results": "身份证 140303198001011234"}, format="json"
    )
    assert bad.status_code == 400 and "public_results" in bad.json()
    project.refresh_from_db()
    assert not project.is_public
    good = api_client.patch(url, {"is_public": True, "public_results": "已开工"}, format="json")
    assert good.status_code == 200
    project.refresh_from_db()
    assert project.is_public and project.public_results == "已开工"


def test_unpublished_text_may_hold_a_number_for_staff(world):
    project = ProjectFactory(community=world.a, description="联系人 13812345678")
    project.full_clean()  # not shown to residents: staff's own notes
