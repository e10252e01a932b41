"""A six-small incident from the grid member's phone to the staff's closing."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from grids import services
from grids.models import Incident
from tests.grids.factories import GridFactory
from tests.partycommittee.factories import ResidentUnitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _jpeg(folder):
    path = folder / "pothole.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (180, 120, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _act(person, incident_pk, label, fill=None, confirms=False):
    """Press an action button on the incident page, fill its form, send it (an
    irreversible step asks first: the person agrees)."""
    page = person.goto(f"/portal/grids/incidents/{incident_pk}/")
    link = page.locator("[data-actions]").get_by_role("link", name=label, exact=True)
    page = person.goto(link.get_attribute("href"))
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    for field, value in (fill or {}).items():
        if callable(value):
            value(page)
        elif isinstance(value, dict):
            page.get_by_role("combobox", name=field).select_option(**value)
        else:
            page.get_by_label(field).fill(value)
    asked = []

    def agree(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", agree)
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(f"已完成：{label}。")
    page.remove_listener("dialog", agree)
    assert bool(asked) == confirms, asked
    return page


def test_grid_member_reports_with_a_photo_and_staff_assign_resolve_and_close(
    world, journey, artifacts
):
    grid = GridFactory(community=world.a, code="A1", name="一网格", member=world.grid_a)

    member = journey("grid-member", phone=True)
    member.login(world.grid_a.username, None)
    page = member.goto("/portal/grids/incidents/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("上报“六小”事件")
    page.get_by_role("combobox", name="网格").select_option(value=str(grid.pk))
    page.get_by_role("textbox", name="位置", exact=True).fill("3号楼东侧路面")
    page.get_by_label("情况描述").fill("路面塌陷一个坑，雨天积水")
    page.get_by_label("照片").set_input_files(str(_jpeg(artifacts)))
    member.snap("report-form")
    page.get_by_role("button", name="上报", exact=True).click()
    page.wait_for_url(re.compile(r"/portal/grids/incidents/\d+/$"))
    incident = Incident.objects.get(location="3号楼东侧路面")
    expect(page.get_by_role("alert")).to_have_text(f"事件 #{incident.pk} 已上报。")
    expect(page.get_by_role("img", name="照片 1")).to_be_visible()
    member.snap("reported")
    assert incident.photos.count() == 1

    staff = journey("staff")
    staff.login(world.staff_a.username, None)
    _act(staff, incident.pk, "受理")
    staff.snap("accepted")
    # The picker's rows read "name · role · grid · load": pick the grid member by name.
    pick = re.compile("^" + re.escape(str(world.grid_a)) + " · ")
    _act(
        staff,
        incident.pk,
        "派单",
        {"派给个人": lambda page: page.get_by_role("radio", name=pick).check()},
    )
    expect(staff.page.get_by_text("已派单").first).to_be_visible()
    staff.snap("assigned")

    _act(member, incident.pk, "开始办理")
    _act(member, incident.pk, "办理完成", {"完成情况": "已回填压实，路面平整"})
    expect(member.page.get_by_text("已回填压实，路面平整").first).to_be_visible()
    member.snap("resolved")

    _act(staff, incident.pk, "核验")
    page = _act(staff, incident.pk, "办结", confirms=True)
    expect(page.get_by_text("已办结").first).to_be_visible()
    staff.snap("closed")

    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.assignee == world.grid_a
    assert incident.closed_at is not None


def test_staff_go_from_the_admin_homes_count_to_an_assigned_incident_in_three_clicks(
    world, journey
):
    """The workbench: the home's "to assign" count, its list, the incident's page with the
    dispatch panel (its own grid's member chosen already), one press. A second report,
    sent to a person and a unit at once, is refused on the panel and stays as it was."""
    grid = GridFactory(community=world.a, code="A1", name="一网格", member=world.grid_a)
    waiting, refused = (
        services.incident_report(
            reporter=world.grid_a,
            grid=grid,
            category="hidden_danger",
            location=location,
            description="电动车飞线充电",
        )
        for location in ("5号楼车棚", "7号楼车棚")
    )
    services.incident_accept(incident=waiting, actor=world.staff_a)
    unit = ResidentUnitFactory(community=world.a, name="物业公司")
    unit.representatives.add(world.unit_rep_a)

    staff = journey("staff")
    staff.page.set_viewport_size({"width": 1366, "height": 900})
    staff.login(world.staff_a.username, None)
    page = staff.goto("/admin/")
    to_assign = page.locator('[data-todo="assign"] a')
    expect(to_assign).to_contain_text("1")
    expect(to_assign).to_contain_text("待派单的事件")
    staff.snap("workbench")

    to_assign.click()  # 1
    page.wait_for_url(re.compile(r"/admin/grids/incident/\?status__exact=accepted"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    staff.snap("to-assign")
    rows.first.get_by_role("link", name=str(waiting.pk), exact=True).click()  # 2
    panel = page.locator("#dispatch_form")
    expect(panel).to_be_visible()
    # The incident's own grid's member comes first, chosen already, with their load.
    expect(panel.locator("tbody tr").first).to_contain_text(str(world.grid_a))
    expect(panel.get_by_role("radio", name=str(world.grid_a))).to_be_checked()
    staff.snap("dispatch-panel")
    panel.get_by_role("button", name="派单").click()  # 3
    page.wait_for_url(re.compile(rf"/admin/grids/incident/{waiting.pk}/change/$"))
    expect(page.locator(".messagelist .success")).to_contain_text(str(world.grid_a))
    staff.snap("dispatched")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assignee) == (Incident.Status.ASSIGNED, world.grid_a)

    page = staff.goto(f"/admin/grids/incident/{refused.pk}/change/")
    panel = page.locator("#dispatch_form")
    panel.get_by_label("或派给驻区单位").select_option(label="物业公司")
    panel.get_by_role("button", name="受理并派单").click()
    expect(page.locator("#dispatch_form .errorlist")).to_be_visible()
    staff.snap("dispatch-refused")
    refused.refresh_from_db()
    assert (refused.status, refused.assignee) == (Incident.Status.REPORTED, None)
