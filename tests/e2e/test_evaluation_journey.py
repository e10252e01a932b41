"""A unit representative fills the duty report and the score sheets of an open round."""

import pytest
from playwright.sync_api import expect

from partycommittee.evaluations.models import DutyReport, EvaluationSheet
from tests.partycommittee.conftest import Board

pytestmark = pytest.mark.django_db(transaction=True)


def test_unit_representative_fills_duty_report_and_score_sheets(world, journey):
    board = Board(world)
    board.open()
    mine = EvaluationSheet.objects.filter(round=board.round, rater_unit=board.unit_a)
    assert mine.count() == 3  # the community, and the two peers B and C

    rep = journey("unit-rep")
    rep.login(world.unit_rep_a.username, None)
    page = rep.goto("/portal/unit/evaluations/")
    rep.snap("to-do")
    page.goto(f"{rep.base_url}/portal/unit/evaluations/{board.round.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("三双机制考评")
    rep.snap("round")

    # The duty report: a draft first, then submitted.
    page.get_by_role("link", name="述职报告").click()
    page.get_by_label("述职报告").fill("本季度开展共驻共建活动三次，认领社区服务项目两项。")
    rep.snap("report")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("alert")).to_have_text("草稿已保存，请在截止时间前提交。")
    page.get_by_role("link", name="述职报告").click()
    expect(page.get_by_label("述职报告")).to_have_value(
        "本季度开展共驻共建活动三次，认领社区服务项目两项。"
    )
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_have_text("述职报告已提交。")

    # Each score sheet: the community's and the peers'.
    for link in ["为社区评分", "为乙单位评分", "为丙单位评分"]:
        page.get_by_role("link", name=link).click()
        page.get_by_label("双向沟通").fill("88")
        page.get_by_label("双向服务").fill("90")
        page.get_by_label("综合评价").fill("86")
        if link == "为乙单位评分":
            rep.snap("sheet")
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_role("alert")).to_have_text("评分表已提交。")
    rep.snap("all-submitted")

    report = DutyReport.objects.get(round=board.round, unit=board.unit_a)
    assert report.status == "submitted"
    assert set(mine.values_list("status", "communication", "service", "overall")) == {
        ("submitted", 88, 90, 86)
    }
