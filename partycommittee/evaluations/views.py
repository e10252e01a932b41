"""The unit representative's side of the three-double evaluation: the round's to-do list
(duty report, the sheet for the community, peer sheets), draft and submit, and the
published results with the anonymised distribution."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hive.selectors import offices_of
from hive.ui.forms import add_service_errors
from partycommittee.evaluations import selectors, services
from partycommittee.evaluations.forms import DutyReportForm, SheetForm
from partycommittee.evaluations.models import (
    CommunityResult,
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)
from partycommittee.models import ResidentUnit

Status = EvaluationRound.Status


def _my_units(user):
    return ResidentUnit.objects.visible_to(user).filter(representatives=user)


def _my_rounds(user):
    return EvaluationRound.objects.visible_to(user).exclude(status=Status.SCHEDULED)


@login_required
def evaluation_list(request):
    unit_ids = list(_my_units(request.user).values_list("pk", flat=True))
    rounds = list(_my_rounds(request.user).select_related("community"))
    owed = selectors.owed_by_units(unit_ids, [r.pk for r in rounds])
    for evaluation_round in rounds:
        evaluation_round.owed_count = owed.get(evaluation_round.pk, 0)
    return render(
        request,
        "partycommittee/evaluation_list.html",
        {
            "rounds": rounds,
            "has_units": bool(unit_ids),
            "offices": [] if unit_ids else offices_of(request.user),
        },
    )


@login_required
def evaluation_round(request, pk):
    evaluation_round = get_object_or_404(
        _my_rounds(request.user).select_related("community"), pk=pk
    )
    units = list(_my_units(request.user).filter(community_id=evaluation_round.community_id))
    reports = {
        report.unit_id: report
        for report in DutyReport.objects.filter(round=evaluation_round, unit__in=units)
    }
    sheets = (
        EvaluationSheet.objects.visible_to(request.user)
        .filter(round=evaluation_round, rater_unit__in=units)
        .select_related("ratee_unit")
        .order_by("rater_unit_id", "kind", "ratee_unit__name")
    )
    by_unit = {
        unit.pk: {"unit": unit, "report": reports.get(unit.pk), "sheets": []} for unit in units
    }
    for sheet in sheets:
        by_unit[sheet.rater_unit_id]["sheets"].append(sheet)
    return render(
        request,
        "partycommittee/evaluation_round.html",
        {"round": evaluation_round, "units": list(by_unit.values())},
    )


def _submit_requested(request) -> bool:
    return request.POST.get("action") == "submit"


@login_required
def sheet_edit(request, pk):
    sheet = get_object_or_404(
        EvaluationSheet.objects.visible_to(request.user)
        .filter(rater_unit__in=_my_units(request.user))
        .select_related("round__community", "rater_unit", "ratee_unit"),
        pk=pk,
    )
    initial = {
        name: getattr(sheet, name) for name in ("communication", "service", "overall", "comment")
    }
    form = SheetForm(request.POST or None, initial=initial)
    if request.method == "POST" and sheet.is_editable and form.is_valid():
        submit = _submit_requested(request)
        try:
            services.sheet_save(sheet=sheet, actor=request.user, submit=submit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Sheet submitted.")
                if submit
                else _("Draft saved. Submit it before the deadline."),
            )
            return redirect("partycommittee:evaluation_round", pk=sheet.round_id)
    return render(
        request,
        "partycommittee/evaluation_sheet.html",
        {"sheet": sheet, "round": sheet.round, "form": form},
    )


@login_required
def report_edit(request, pk):
    report = get_object_or_404(
        DutyReport.objects.visible_to(request.user)
        .filter(unit__in=_my_units(request.user))
        .select_related("round__community", "unit"),
        pk=pk,
    )
    form = DutyReportForm(request.POST or None, initial={"text": report.text})
    if request.method == "POST" and report.status in ("pending", "draft") and form.is_valid():
        submit = _submit_requested(request)
        try:
            services.duty_report_save(
                report=report, actor=request.user, text=form.cleaned_data["text"], submit=submit
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Duty report submitted.")
                if submit
                else _("Draft saved. Submit it before the deadline."),
            )
            return redirect("partycommittee:evaluation_round", pk=report.round_id)
    return render(
        request,
        "partycommittee/evaluation_report.html",
        {"report": report, "round": report.round, "form": form},
    )


@login_required
def evaluation_results(request, pk):
    evaluation_round = get_object_or_404(
        _my_rounds(request.user).select_related("community"), pk=pk
    )
    if evaluation_round.status != Status.PUBLISHED:
        raise Http404
    results = (
        UnitResult.objects.visible_to(request.user)
        .filter(round=evaluation_round, unit__in=_my_units(request.user))
        .select_related("unit")
    )
    distribution = selectors.score_distribution(evaluation_round)
    top = max((band["count"] for band in distribution["bands"]), default=0) or 1
    for band in distribution["bands"]:
        band["percent"] = round(100 * band["count"] / top)
    return render(
        request,
        "partycommittee/evaluation_results.html",
        {
            "round": evaluation_round,
            "results": results,
            "distribution": distribution,
            "community_result": CommunityResult.objects.visible_to(request.user)
            .filter(round=evaluation_round)
            .first(),
        },
    )
