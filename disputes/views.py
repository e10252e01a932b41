"""The mediators' portal: my cases, a case's page with its next steps, record a session,
record an agreement, follow-up visits due. Out of scope is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from disputes import services
from disputes.filters import PortalCaseFilter
from disputes.forms import (
    AgreementForm,
    FollowUpForm,
    FollowUpScheduleForm,
    MoveForm,
    SessionForm,
)
from disputes.models import Agreement, DisputeCase, FollowUp
from disputes.selectors import agreement_document, followups_due, portal_cases
from hive.personal_data import mask_address, mask_name, mask_phone, personal_data_reveal
from hive.selectors import timeline_for
from hive.ui.forms import add_service_errors

Status = DisputeCase.Status


def _case(request, pk) -> DisputeCase:
    return get_object_or_404(portal_cases(request.user), pk=pk)


@login_required
@require_GET
def portal_cases_list(request):
    case_filter = PortalCaseFilter(request.GET, queryset=portal_cases(request.user))
    cases = case_filter.qs.order_by("-registered_at", "-id")
    page = Paginator(cases, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disputes/portal_cases.html",
        {"page": page, "filter": case_filter, "query": query.urlencode()},
    )


def _parties(case, revealed: bool, viewer):
    parties = list(case.parties.all())
    rows = []
    for party in parties:
        if revealed:
            values = personal_data_reveal(
                viewer=viewer,
                obj=party,
                fields=["name", "phone", "address"],
                purpose=_("Contact the parties of a mediation case"),
            )
        else:
            values = {
                "name": mask_name(party.name),
                "phone": mask_phone(party.phone),
                "address": mask_address(party.address),
            }
        rows.append({"party": party, **values})
    return rows


@login_required
def portal_case_detail(request, pk):
    case = _case(request, pk)
    revealed = request.method == "POST" and request.POST.get("action") == "reveal"
    move_form = MoveForm(case=case, user=request.user)
    if request.method == "POST" and request.POST.get("action") == "move":
        move_form = MoveForm(request.POST, case=case, user=request.user)
        if move_form.is_valid() and _move(request, case, move_form):
            return redirect("disputes:portal_case_detail", pk=case.pk)
    agreement = Agreement.objects.filter(case=case).first()
    context = {
        "case": case,
        "parties": _parties(case, revealed, request.user),
        "revealed": revealed,
        "sessions": case.sessions.prefetch_related(
            "mediators_present__user", "parties_present"
        ).select_related("room"),
        "agreement": agreement,
        "followups": case.followups.all(),
        "mediators": case.mediators.select_related("user", "institution"),
        "timeline": timeline_for(case),
        "move_form": move_form if move_form.fields["to"].choices else None,
        "can_session": case.status in DisputeCase.SESSION_STATES,
        "actions": DisputeCase.workflow.actions_for(case, request.user),
        "can_schedule": agreement is not None and case.status not in DisputeCase.FINAL_STATES,
        "schedule_form": FollowUpScheduleForm(),
    }
    return render(request, "disputes/portal_case_detail.html", context)


def _move(request, case, form) -> bool:
    data = form.cleaned_data
    target, note = data["to"], data["note"]
    actor = request.user
    calls = {
        Status.ACCEPTED: lambda: services.case_accept(case=case, actor=actor, note=note),
        Status.MEDIATING: lambda: services.case_start_mediation(case=case, actor=actor, note=note),
        Status.FAILED: lambda: services.case_fail(case=case, actor=actor, reason=note),
        Status.REFERRED: lambda: services.case_refer(
            case=case, actor=actor, referred_to=data.get("referred_to", ""), note=note
        ),
        Status.CLOSED: lambda: services.case_close(case=case, actor=actor, note=note),
        Status.WITHDRAWN: lambda: services.case_withdraw(case=case, actor=actor, reason=note),
    }
    try:
        calls[target]()
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
            exc = ValidationError({"note": exc.error_dict["reason"]})
        add_service_errors(form, exc)
        return False
    messages.success(
        request,
        _("Saved: the case is now “%(status)s”.")
        % {"status": DisputeCase.workflow.label(DisputeCase, target)},
    )
    return True


@login_required
def portal_session_new(request, pk):
    case = _case(request, pk)
    form = SessionForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_record(
                case=case,
                actor=request.user,
                held_at=data["held_at"],
                notes=data["notes"],
                room=data["room"],
                mediators_present=data["mediators_present"],
                parties_present=data["parties_present"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session was recorded."))
            return redirect("disputes:portal_case_detail", pk=case.pk)
    return render(
        request,
        "disputes/portal_form.html",
        {"case": case, "form": form, "heading": _("Record a mediation session")},
    )


@login_required
def portal_agreement_new(request, pk):
    case = _case(request, pk)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agreement_record(
                case=case,
                actor=request.user,
                terms=data["terms"],
                signed_on=data["signed_on"],
                judicial_confirmation=data["judicial_confirmation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The agreement was recorded; a follow-up visit is planned.")
            )
            return redirect("disputes:portal_case_detail", pk=case.pk)
    return render(
        request,
        "disputes/portal_form.html",
        {
            "case": case,
            "form": form,
            "heading": _("Record the agreement"),
            "confirm": _("This cannot be undone. Continue?"),
        },
    )


@login_required
@require_POST
def portal_followup_schedule(request, pk):
    case = _case(request, pk)
    form = FollowUpScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.followup_schedule(
                case=case, actor=request.user, due_on=form.cleaned_data["due_on"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The follow-up visit was planned."))
    else:
        messages.error(request, _("Give the date the visit is due."))
    return redirect("disputes:portal_case_detail", pk=case.pk)


@login_required
@require_GET
def portal_followups(request):
    page = Paginator(followups_due(request.user, within_days=14), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request, "disputes/portal_followups.html", {"page": page, "today": timezone.localdate()}
    )


@login_required
def portal_followup_record(request, pk):
    followup = get_object_or_404(
        FollowUp.objects.filter(case__in=portal_cases(request.user).values("pk")).select_related(
            "case"
        ),
        pk=pk,
    )
    case = followup.case
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.followup_record(
                followup=followup,
                actor=request.user,
                visited_on=data["visited_on"],
                honoured=data["honoured"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The follow-up visit was recorded."))
            return redirect("disputes:portal_case_detail", pk=case.pk)
    return render(
        request,
        "disputes/portal_form.html",
        {
            "case": case,
            "form": form,
            "heading": _("Record a follow-up visit"),
            "followup": followup,
        },
    )


def agreement_document_response(
    request: HttpRequest, case: DisputeCase, *, back_url: str
) -> HttpResponse:
    """The printable mediation agreement (调解协议书) of a case the viewer may see: one
    page for both doors, the admin's and the mediator's portal. No agreement yet is a
    404 that says so."""
    document = agreement_document(case)
    if document is None:
        return render(
            request,
            "disputes/agreement_missing.html",
            {"case": case, "back_url": back_url},
            status=404,
        )
    return render(
        request,
        "disputes/agreement_document.html",
        {"document": document, "case": case, "back_url": back_url},
    )


@login_required
@require_GET
def portal_agreement_document(request, pk):
    case = _case(request, pk)
    return agreement_document_response(
        request, case, back_url=reverse("disputes:portal_case_detail", args=[case.pk])
    )
