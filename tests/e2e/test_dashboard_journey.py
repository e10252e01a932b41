"""Community staff sign in to the admin with their second factor, open the dashboard and
follow a figure to the list behind it."""

import datetime
import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from grids import services
from grids.models import Incident
from tests.factories import PASSWORD
from tests.grids.factories import GridFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_open_the_dashboard_and_follow_a_figure_to_its_list(world, journey, settings):
    settings.HIVE_ADMIN_OTP_REQUIRED = True
    grid = GridFactory(community=world.a, code="A1", name="一网格", member=world.grid_a)
    for location in ("3号楼", "5号楼", "7号楼"):
        services.incident_report(
            reporter=world.grid_a,
            grid=grid,
            category="sign",
            location=location,
            description="楼道堆物",
        )
    # One of them ran past its deadline.
    Incident.objects.filter(location="5号楼").update(
        deadline=timezone.now() - datetime.timedelta(hours=3)
    )
    device = TOTPDevice.objects.create(user=world.staff_a, name="手机", confirmed=True)

    staff = journey("staff")
    page = staff.goto("/admin/")
    page.get_by_label("用户名").fill(world.staff_a.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/admin/second-factor/"))
    staff.snap("second-factor")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("六位验证码").fill(f"{code:06d}")
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    page.get_by_role("link", name=re.compile("数据看板")).first.click()
    page.wait_for_url(re.compile(r"/admin/dashboard/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("数据看板")
    staff.snap("dashboard")
    overdue = page.locator('tr[data-figure="overdue"] td a').first
    expect(overdue).to_have_text("1")
    overdue.click()
    page.wait_for_url(re.compile(r"/admin/grids/incident/\?"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(str(Incident.objects.get(location="5号楼").pk))
    staff.snap("overdue-list")
