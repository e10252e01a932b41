"""A resident's micro-wish from the phone form to the confirmed thank-you."""

import re

import pytest
from playwright.sync_api import expect

from volunteers import services
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db(transaction=True)


def test_resident_wish_is_claimed_fulfilled_and_confirmed(world, journey):
    # The resident, on a phone, with no account.
    resident = journey("resident", phone=True)
    page = resident.goto("/wishes/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("许下微心愿")
    resident.snap("form")
    page.get_by_label("您所在的社区").select_option(label=world.a.name)
    page.get_by_label("心愿类别").select_option(index=1)
    page.get_by_label("您的心愿").fill("请人帮忙修一下楼道灯")
    page.get_by_label("详细说明").fill("三号楼二单元的楼道灯坏了一周")
    page.get_by_label("您的姓名").fill("王秀英")
    page.get_by_label("手机号码").fill("13800001234")
    page.get_by_label("住址或网格").fill("虎尾沟3号楼2单元501")
    page.get_by_label("我已阅读并同意上述个人信息告知。").check()
    page.get_by_role("button", name="提交心愿").click()

    page.wait_for_url(re.compile(r"/wishes/track/\w+/$"))
    code = page.locator("[data-tracking-code]").inner_text()
    expect(page.get_by_role("alert")).to_contain_text(code)
    expect(page.get_by_text("已提交").first).to_be_visible()
    resident.snap("sent")
    wish = MicroWish.objects.get(tracking_code=code)
    assert wish.status == MicroWish.Status.SUBMITTED

    # Staff publish it (the admin's review is not this journey).
    services.wish_publish(wish=wish, actor=world.staff_a)

    # The resident comes back later and follows the wish by its code.
    page = resident.goto("/wishes/track/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查看我的心愿").click()
    expect(page.get_by_text("已发布").first).to_be_visible()
    resident.snap("published")

    # A party member finds it on the wall, claims it, sees the contact and fulfils it.
    member = journey("party-member", phone=True)
    member.login(world.party_a.username, None)
    page = member.goto("/portal/wishes/")
    expect(page.get_by_role("link", name="请人帮忙修一下楼道灯")).to_be_visible()
    member.snap("wall")
    page.get_by_role("link", name="请人帮忙修一下楼道灯").click()
    page.get_by_role("button", name="认领这个心愿").click()
    expect(page.get_by_text("13800001234")).to_be_visible()
    member.snap("claimed")
    page.get_by_label("完成情况").fill("已更换楼道灯泡，亮了")
    page.get_by_role("button", name="登记为已完成").click()
    expect(page.get_by_text("已更换楼道灯泡，亮了").first).to_be_visible()
    member.snap("fulfilled")

    # The resident confirms and rates.
    page = resident.goto(f"/wishes/track/{code}/")
    expect(page.get_by_text("已更换楼道灯泡，亮了").first).to_be_visible()
    page.get_by_label("5", exact=True).check()
    page.get_by_label("感谢的话或意见（选填）").fill("谢谢！")
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_text("已确认").first).to_be_visible()
    resident.snap("confirmed")

    wish.refresh_from_db()
    assert wish.status == MicroWish.Status.CONFIRMED
    assert wish.rating == 5
    assert wish.claimed_by == world.party_a
