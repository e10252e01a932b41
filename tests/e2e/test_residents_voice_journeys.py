"""The residents' doors at phone size, in Chinese (issue 22): a resident's own report
(随手拍) from the form to the rating; a demand sent in a solicitation, merged into the
demand list and answered by a public project; a family nominated by a unit's
representative, voted for by the big party committee and announced to the public."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from grids import services as grid_services
from grids.models import Incident, ResidentReport
from partycommittee import services as party_services
from partycommittee.models import DemandItem, Project
from tests.grids.factories import BuildingFactory, GridFactory
from voice import services as voice_services
from voice.models import Submission

pytestmark = pytest.mark.django_db(transaction=True)


def _jpeg(folder):
    path = folder / "corridor.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (90, 60, 30)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_resident_reports_a_problem_with_a_photo_follows_it_and_rates_it(world, journey, artifacts):
    grid = GridFactory(community=world.a, code="A1", name="一网格", member=world.grid_a)
    building = BuildingFactory(grid=grid, name="3号楼")

    # A resident, on a phone, with no account: the form of their community.
    resident = journey("resident", phone=True)
    page = resident.goto(f"/report/?community={world.a.code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("随手拍 · 反映问题")
    expect(page.get_by_text(world.a.name).first).to_be_visible()
    resident.snap("form")
    page.get_by_label("问题类型").select_option(label="小隐患")
    page.get_by_label("遇到了什么问题？").fill("3号楼楼道里堆满了纸箱，容易着火")
    page.get_by_label("照片").set_input_files(str(_jpeg(artifacts)))
    page.get_by_label("位置", exact=True).select_option(value=f"b{building.pk}")
    page.get_by_label("具体地点（选填）").fill("二单元一楼楼梯下")
    page.get_by_label("您的姓名").fill("刘阿姨")
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("我已阅读并同意上述个人信息告知。").check()
    resident.snap("form-filled")
    page.get_by_role("button", name="提交反映").click()

    page.wait_for_url(re.compile(r"/report/track/\w+/$"))
    code = page.locator("[data-tracking-code]").inner_text()
    expect(page.get_by_role("alert")).to_contain_text(f"谢谢，您的反映已收到。查询码为 {code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("小隐患")
    expect(page.locator("[data-status]")).to_have_text("已收到，待受理")
    expect(page.get_by_role("img", name="问题照片")).to_be_visible()
    resident.snap("sent")
    report = ResidentReport.objects.select_related("incident").get(tracking_code=code)
    incident = report.incident
    assert (incident.grid, incident.status) == (grid, Incident.Status.REPORTED)
    assert report.contact_phone == "13812345678" and incident.photos.count() == 1

    # The community takes it on and its grid member handles it (the staff's pages are
    # the incident journey's).
    grid_services.incident_accept(incident=incident, actor=world.staff_a)
    grid_services.incident_assign(incident=incident, actor=world.staff_a, assignee=world.grid_a)
    grid_services.incident_start(incident=incident, actor=world.grid_a)
    grid_services.incident_resolve(
        incident=incident, actor=world.grid_a, resolution="纸箱已清走，楼道已通畅"
    )
    grid_services.incident_verify(incident=incident, actor=world.staff_a)
    grid_services.incident_close(incident=incident, actor=world.staff_a)

    # The resident comes back to the page, sees it done, and rates it.
    page.reload()
    expect(page.locator("[data-status]")).to_have_text("已完成")
    expect(page.get_by_text("纸箱已清走，楼道已通畅")).to_be_visible()
    resident.snap("closed")
    page.get_by_label("5", exact=True).check()
    page.get_by_label("补充意见（选填）").fill("处理得很快，谢谢网格员！")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("alert")).to_have_text("感谢您的评价。")
    expect(page.locator("[data-rating]")).to_have_text("您的评分: 5 / 5")
    resident.snap("rated")

    report.refresh_from_db()
    assert report.rating == 5
    assert report.rating_note == "处理得很快，谢谢网格员！"
    assert report.rated_at is not None
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.CLOSED


def test_resident_demand_joins_the_demand_list_and_a_public_project_answers_it(world, journey):
    now = timezone.now()
    solicitation = voice_services.solicitation_open(
        community=world.a,
        topic="2027年社区为民办实事征集",
        description="说说您身边最需要办的一件事。",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=14),
        actor=world.staff_a,
    )

    # A resident, on a phone, finds the open solicitation of their community.
    resident = journey("resident", phone=True)
    page = resident.goto(f"/demands/{world.a.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{world.a.name}需要什么？正在进行的征集"
    )
    expect(page.get_by_role("heading", name="2027年社区为民办实事征集")).to_be_visible()
    resident.snap("solicitations")
    page.get_by_role("link", name="提出需求").click()
    page.wait_for_url(re.compile(rf"/demands/{world.a.code}/{solicitation.pk}/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("2027年社区为民办实事征集")
    page.get_by_label("需求内容").fill("小区没有老年人休息的地方，希望在广场边加几张长椅")
    page.get_by_label("您的姓名（选填）").fill("赵大爷")
    page.get_by_label("手机号码（选填）").fill("13900001111")
    page.get_by_label("我已阅读并同意上述个人信息告知。").check()
    resident.snap("form-filled")
    page.get_by_role("button", name="提交", exact=True).click()

    page.wait_for_url(re.compile(r"/voice/demands/\w+/$"))
    code = page.locator("[data-tracking-code]").inner_text()
    expect(page.get_by_role("alert")).to_contain_text(f"谢谢，已收到。您的查询码是 {code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("您的需求")
    expect(page.locator("[data-status]")).to_have_text("已提交")
    resident.snap("sent")
    submission = Submission.objects.get(tracking_code=code)
    assert submission.solicitation == solicitation
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.resident_phone == "13900001111" and submission.consent_at is not None

    # Staff merge it into the demand list, and answer it with a co-construction project
    # they publish on the community's progress page.
    demand = voice_services.submissions_merge(
        submissions=[submission],
        actor=world.staff_a,
        category=DemandItem.Category.ELDERLY,
        title="广场增设老年人休息长椅",
    )
    project = Project.objects.create(
        community=world.a,
        title="口袋公园适老化改造",
        description="在中心广场边增设长椅和遮阳棚，方便老年人休息。",
        is_public=True,
    )
    project.demands.set([demand])
    party_services.project_transition(
        project=project, to=Project.Status.RESOURCES_COMBED, actor=world.staff_a
    )

    # The resident follows the demand by its code: it is on the demand list.
    page = resident.goto(f"/voice/demands/{code}/")
    expect(page.locator("[data-status]")).to_have_text("已列入需求清单")
    on_the_list = page.locator("[data-demand]")
    expect(on_the_list).to_have_text("已列入社区需求清单： 广场增设老年人休息长椅")
    resident.snap("on-the-demand-list")

    # And the community's projects page shows the project answering it.
    page = resident.goto(f"/projects/{world.a.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{world.a.name}的共建项目")
    card = page.get_by_role("article", name="口袋公园适老化改造")
    expect(card).to_be_visible()
    expect(card).to_contain_text("回应的居民需求")
    expect(card.get_by_role("listitem").filter(has_text="广场增设老年人休息长椅")).to_be_visible()
    expect(card.locator("[aria-current=step]")).to_have_text("梳理资源")
    resident.snap("project")

    submission.refresh_from_db()
    assert (submission.status, submission.demand) == (Submission.Status.ACCEPTED, demand)
    assert list(demand.projects.all()) == [project]
