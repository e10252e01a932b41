"""The residents' doors at phone size, in Chinese (issue 22): a resident's own report
(随手拍) from the form to the rating; a demand sent in a solicitation, merged into the
demand list and answered by a public project; a family nominated by a unit's
representative, voted for by the big party committee and announced to the public."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from grids import services as grid_services
from grids.models import Incident, ResidentReport
from tests.grids.factories import BuildingFactory, GridFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _jpeg(folder):
    path = folder / "corridor.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (90, 60, 30)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_resident_reports_a_problem_with_a_photo_follows_it_and_rates_it(
    world, journey, artifacts
):
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
