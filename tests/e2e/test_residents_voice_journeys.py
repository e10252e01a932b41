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
from hive.access.roles import Role
from partycommittee import services as party_services
from partycommittee.models import Campaign, DemandItem, Nomination, Project, Vote
from tests.factories import user_with_role
from tests.grids.factories import BuildingFactory, GridFactory
from tests.partycommittee.factories import CampaignFactory, CommitteeMemberFactory
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
    expect(page.locator("[data-rating]")).to_have_text("您的评分：5 / 5")
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


def _campaign_section(page, campaign):
    return page.locator(f"[data-campaign='{campaign.pk}']")


def test_unit_rep_nominates_a_family_the_committee_votes_and_the_public_sees_the_result(
    world, journey
):
    now = timezone.now()
    campaign = CampaignFactory(
        community=world.a,
        title="2026年度最美家庭",
        kind=Campaign.Kind.BEAUTIFUL_FAMILY,
        seats=1,
        nomination_start=now - datetime.timedelta(days=1),
        nomination_end=now + datetime.timedelta(days=2),
        voting_start=now + datetime.timedelta(days=2),
        voting_end=now + datetime.timedelta(days=5),
    )
    # A member of the community's big party committee (a party member of community A).
    voter = user_with_role(Role.PARTY_MEMBER, community=world.a, username="committee_a")
    CommitteeMemberFactory(committee__community=world.a, user=voter)

    # A unit's representative, on a phone, nominates a family from the portal.
    rep = journey("unit-rep", phone=True)
    rep.login(world.unit_rep_a.username, None)
    page = rep.page
    page.get_by_role("link", name=re.compile("^评先选优")).click()
    page.wait_for_url(re.compile(r"/portal/selection/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("评先选优")
    section = _campaign_section(page, campaign)
    expect(section.get_by_role("heading", level=2)).to_have_text("2026年度最美家庭")
    expect(section).to_contain_text("最美家庭")
    rep.snap("campaigns")
    section.get_by_role("link", name="推荐", exact=True).click()
    page.wait_for_url(re.compile(rf"/portal/selection/{campaign.pk}/nominate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("推荐参加“2026年度最美家庭”")
    page.get_by_label("推荐对象类型").select_option(label="家庭")
    page.get_by_label("家庭或个人名称").fill("王秀英家庭")
    page.get_by_label("理由").fill("三代同堂，孝老爱亲，多年义务照顾楼里的独居老人")
    rep.snap("nomination-form")
    page.get_by_role("button", name="提交推荐").click()
    page.wait_for_url(re.compile(r"/portal/selection/(#campaign-\d+)?$"))
    expect(page.get_by_role("alert")).to_have_text("您的推荐已登记。")
    nominee = _campaign_section(page, campaign).locator("[data-nominee]")
    expect(nominee).to_contain_text("王秀英家庭")
    rep.snap("nominated")
    nomination = Nomination.objects.get(campaign=campaign)
    assert nomination.nominee_name == "王秀英家庭"
    assert nomination.nominee_kind == Nomination.NomineeKind.FAMILY
    assert nomination.nominated_by == world.unit_rep_a

    # Nominations close and voting opens.
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        nomination_start=now - datetime.timedelta(days=3),
        nomination_end=now - datetime.timedelta(minutes=1),
        voting_start=now - datetime.timedelta(minutes=1),
        voting_end=now + datetime.timedelta(days=3),
    )

    # The committee member votes with one tap, and agrees when asked.
    member = journey("committee-member", phone=True)
    member.login(voter.username, None)
    page = member.page
    page.get_by_role("link", name=re.compile("^评先选优")).click()
    page.wait_for_url(re.compile(r"/portal/selection/$"))
    section = _campaign_section(page, campaign)
    expect(section.locator("[data-votes-left]")).to_have_text("您还有 1 票。")
    expect(section.locator("[data-nominee]")).to_contain_text("王秀英家庭")
    member.snap("ballot")
    asked = []

    def agree(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", agree)
    section.get_by_role("button", name="投票", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("您对王秀英家庭的投票已记录。")
    page.remove_listener("dialog", agree)
    assert asked == ["确定投票给王秀英家庭吗？投票后不可撤回。"]
    section = _campaign_section(page, campaign)
    expect(section.locator("[data-voted]")).to_have_text("已投票")
    expect(section.locator("[data-votes-left]")).to_have_text("您还有 0 票。")
    member.snap("voted")
    assert list(Vote.objects.values_list("nomination", "voter", "seat")) == [
        (nomination.pk, voter.pk, 1)
    ]

    # Voting closes; staff announce the results (公示).
    Campaign.objects.filter(pk=campaign.pk).update(
        voting_end=timezone.now() - datetime.timedelta(seconds=1)
    )
    campaign = party_services.campaign_announce(campaign=campaign)

    # Anyone, without an account, reads the announcement and its objection period.
    visitor = journey("visitor", phone=True)
    page = visitor.goto(f"/selection/{world.a.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{world.a.name}评先选优")
    visitor.snap("selection")
    page.locator(f"[data-announced-campaign='{campaign.pk}']").click()
    page.wait_for_url(re.compile(rf"/selection/{world.a.code}/{campaign.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("“2026年度最美家庭”评选结果公示")
    period = page.locator("[data-objection-period]")
    expect(period.get_by_role("heading")).to_have_text("公示期")
    start = timezone.localtime(campaign.announced_at).strftime("%Y-%m-%d %H:%M")
    end = timezone.localtime(campaign.objection_end).strftime("%Y-%m-%d %H:%M")
    expect(period).to_contain_text(f"{start} 起公示，异议受理至 {end}。")
    expect(period.locator("[data-object]")).to_be_visible()
    selected = page.locator("[data-selected]")
    expect(selected).to_have_count(1)
    expect(selected).to_contain_text("王秀英家庭")
    expect(selected).to_contain_text("1 票")
    expect(page.get_by_role("row").filter(has_text="王秀英家庭")).to_contain_text("当选")
    visitor.snap("announcement")
    # Neither who nominated nor who voted is named on the public page.
    expect(page.locator("body")).not_to_contain_text(world.unit_rep_a.name)
    expect(page.locator("body")).not_to_contain_text(voter.name)
