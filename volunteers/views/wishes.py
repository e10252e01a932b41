"""Public micro-wish pages (form, tracking, wall) and the party members' portal pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hive.access.roles import Role
from hive.access.scoping import access_scope
from hive.models import Community
from hive.ops.page_cache import cache_public_page
from hive.personal_data import mask_personal_text, personal_data_reveal
from hive.selectors import community_by_code, community_or_404, timeline_for
from hive.ui.public_forms import TrackLookupForm, over_address_limit, over_phone_limit
from hive.uploads.media import file_response
from volunteers import services
from volunteers.filters import WishFilter
from volunteers.forms import ConfirmForm, FulfilForm, WishForm, WithdrawForm
from volunteers.models import MicroWish, WishPhoto
from volunteers.selectors import wall_wishes, wish_by_code

# --- Rate limits (hive.ui.public_forms) -----------------------------------------------------


def _over_address_limit(request) -> bool:
    return over_address_limit(
        request, group="volunteers.wish_submit", rate=settings.HIVE_WISH_RATE_PER_ADDRESS
    )


def _over_phone_limit(request, phone: str) -> bool:
    return over_phone_limit(
        request, group="volunteers.wish_submit", phone=phone, rate=settings.HIVE_WISH_RATE_PER_PHONE
    )


def _refuse_rate_limited(request, community=None):
    return render(
        request, "volunteers/wish_rate_limited.html", {"community": community}, status=429
    )


# --- Public pages -------------------------------------------------------------------


@never_cache
def wish_new(request):
    if request.method == "POST":
        if _over_address_limit(request):
            return _refuse_rate_limited(request)
        form = WishForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if _over_phone_limit(request, data["resident_phone"]):
                return _refuse_rate_limited(request, data["community"])
            try:
                wish, created = services.wish_submit(
                    community=data["community"],
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    resident_name=data["resident_name"],
                    resident_phone=data["resident_phone"],
                    address=data["address"],
                    notice_version=settings.HIVE_WISH_NOTICE_VERSION,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if created:
                    messages.success(
                        request,
                        _(
                            "Thank you, your wish was received. Your tracking code is "
                            "%(code)s: note it down to follow your wish on this page."
                        )
                        % {"code": wish.tracking_code},
                    )
                else:
                    messages.info(
                        request,
                        _(
                            "You already sent this wish; it is stored once. "
                            "Its tracking code is %(code)s."
                        )
                        % {"code": wish.tracking_code},
                    )
                return redirect("volunteers:wish_track", code=wish.tracking_code)
    else:
        initial = {}
        community = community_by_code(request.GET.get("community", ""))
        if community is not None:
            initial["community"] = community
        form = WishForm(initial=initial)
    return render(
        request,
        "volunteers/wish_form.html",
        {"form": form, "notice_version": settings.HIVE_WISH_NOTICE_VERSION},
    )


def _not_found(request):
    # The same page, words and status for a malformed, unknown or mistyped code.
    return render(
        request,
        "volunteers/wish_not_found.html",
        {"form": TrackLookupForm()},
        status=404,
    )


@never_cache
@require_GET
def wish_track_lookup(request):
    code = request.GET.get("code", "").strip()
    if code:
        # Any code typed, well-formed or not, found or not: found, or the one answer.
        wish = wish_by_code(code)
        if wish is None:
            return _not_found(request)
        return redirect("volunteers:wish_track", code=wish.tracking_code)
    return render(request, "volunteers/wish_lookup.html", {"form": TrackLookupForm()})


@never_cache
def wish_track(request, code):
    wish = wish_by_code(code)
    if wish is None:
        return _not_found(request)
    timeline = list(timeline_for(wish))
    for entry in timeline:  # shown, never saved: a number typed into a note is masked
        entry.note = mask_personal_text(entry.note)
    context = {
        "wish": wish,
        # The template shows no actor: the resident sees what happened, not who did it.
        "timeline": timeline,
        # Staff write these for the resident; whoever holds the code reads them.
        "rejection_reason": mask_personal_text(wish.rejection_reason),
        "fulfilment_note": mask_personal_text(wish.fulfilment_note),
        "photos": wish.photos.all(),
        "actions": MicroWish.workflow.actions_for(wish, request.user),
        "withdraw_form": WithdrawForm(),
        "confirm_form": ConfirmForm(),
    }
    return render(request, "volunteers/wish_track.html", context)


@never_cache
@require_GET
def wish_track_photo(request, code, photo_pk):
    """A photo of the wish, for whoever holds its tracking code (the resident who filed
    it); the file's own /media/ address is only for those the wish is visible to."""
    wish = wish_by_code(code)
    if wish is None:
        raise Http404
    photo = get_object_or_404(WishPhoto, pk=photo_pk, wish=wish)
    return file_response(row=photo, field=WishPhoto._meta.get_field("image"))


@require_POST
def wish_track_withdraw(request, code):
    wish = wish_by_code(code)
    if wish is None:
        return _not_found(request)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.wish_withdraw(wish=wish, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your wish was withdrawn."))
    return redirect("volunteers:wish_track", code=wish.tracking_code)


@require_POST
def wish_track_confirm(request, code):
    wish = wish_by_code(code)
    if wish is None:
        return _not_found(request)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return redirect("volunteers:wish_track", code=wish.tracking_code)
    try:
        services.wish_confirm(
            wish=wish, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you for confirming."))
    return redirect("volunteers:wish_track", code=wish.tracking_code)


@require_GET
@cache_public_page
def wall_index(request):
    communities = Community.objects.select_related("street")
    return render(request, "volunteers/wall_index.html", {"communities": communities})


@require_GET
@cache_public_page
def wall(request, community_code):
    community = community_or_404(community_code)
    page = Paginator(wall_wishes(community), 30).get_page(request.GET.get("page"))
    return render(request, "volunteers/wall.html", {"community": community, "page": page})


# --- Portal: party members --------------------------------------------------------------


def _portal_wishes(user):
    return MicroWish.objects.visible_to(user).select_related("community")


@login_required
@require_GET
def portal_wall(request):
    wishes = _portal_wishes(request.user).filter(status=MicroWish.Status.PUBLISHED)
    wish_filter = WishFilter(request.GET, queryset=wishes)
    page = Paginator(wish_filter.qs.order_by("-published_at", "-id"), 20).get_page(
        request.GET.get("page")
    )
    is_party_member = bool(access_scope(request.user).community_ids_for(Role.PARTY_MEMBER))
    return render(
        request,
        "volunteers/portal_wall.html",
        {"page": page, "filter": wish_filter, "is_party_member": is_party_member},
    )


@login_required
@require_GET
def portal_mine(request):
    wishes = (
        MicroWish.objects.filter(claimed_by=request.user)
        .select_related("community")
        .order_by("-claimed_at", "-id")
    )
    page = Paginator(wishes, 20).get_page(request.GET.get("page"))
    return render(request, "volunteers/portal_mine.html", {"page": page})


@login_required
def portal_wish_detail(request, pk):
    wish = get_object_or_404(_portal_wishes(request.user), pk=pk)
    is_claimer = wish.claimed_by_id == request.user.pk
    contact = None
    if is_claimer and wish.status in (MicroWish.Status.CLAIMED, MicroWish.Status.FULFILLED):
        # Only the claimer, only while working on it; every showing is logged.
        contact = personal_data_reveal(
            viewer=request.user,
            obj=wish,
            fields=["resident_name", "resident_phone", "address"],
            purpose=_("Fulfil a claimed micro-wish"),
        )
    form = FulfilForm()
    if request.method == "POST" and is_claimer:
        form = FulfilForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.wish_fulfil(
                    wish=wish,
                    member=request.user,
                    note=form.cleaned_data["note"],
                    photos=form.cleaned_data["photos"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Thank you: the resident is asked to confirm."))
            return redirect("volunteers:portal_wish_detail", pk=wish.pk)
    context = {
        "wish": wish,
        "contact": contact,
        "is_claimer": is_claimer,
        "actions": MicroWish.workflow.actions_for(wish, request.user),
        "form": form,
        "photos": wish.photos.all(),
        "timeline": timeline_for(wish),
    }
    return render(request, "volunteers/portal_wish_detail.html", context)


@login_required
@require_POST
def portal_wish_claim(request, pk):
    # Any wish of the member's communities, so that someone who pressed "claim" a moment
    # after a colleague hears "already claimed" rather than "not found".
    communities = access_scope(request.user).community_ids_for(Role.PARTY_MEMBER)
    wish = get_object_or_404(MicroWish.objects.filter(community_id__in=communities), pk=pk)
    try:
        services.wish_claim(wish=wish, member=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("volunteers:portal_wall")
    messages.success(request, _("You claimed this wish. The resident's contact is shown below."))
    return redirect("volunteers:portal_wish_detail", pk=wish.pk)


# --- Benchmark -------------------------------------------------------------------------


def bench_ping(request):
    """A bare JSON view for scripts/bench_wishes.py to compare against (HIVE_BENCH=1 only)."""
    if not settings.HIVE_BENCH:
        raise Http404
    return JsonResponse({"pong": True})
