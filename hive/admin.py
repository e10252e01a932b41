import functools

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import AdminTextInputWidget, RelatedFieldWidgetWrapper
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hive import workbench
from hive.access.authorization import administers_any
from hive.access.roles import Role
from hive.access.scoping import access_scope
from hive.models import (
    ApiToken,
    Community,
    ConsentRecord,
    OutboxMessage,
    PersonalDataAccess,
    RetentionRun,
    RoleAssignment,
    Street,
    TimelineEntry,
    User,
)
from hive.personal_data import personal_data_reveal
from hive.personal_data.registry import declared
from hive.queue import admin as queue_admin  # noqa: F401  (the beat schedules' admin)
from hive.services import api_tokens_revoke, second_factor_reset, user_sync_staff_flag
from hive.ui.forms import add_service_errors


def _is_street_level(user) -> bool:
    return user.is_superuser or bool(access_scope(user).street_ids)


def run_for_each(modeladmin, request, queryset, action, *, success_message):
    """Run a service over the selected rows, one at a time, and report the outcome.

    `action(obj, user)` calls the service; a row it refuses (ValidationError, e.g. an
    illegal transition, or NotAuthorized) is named in a warning and the others still go
    through.
    """
    done, refused = 0, []
    for obj in queryset:
        try:
            action(obj, request.user)
        except ValidationError as exc:
            refused.append(f"{obj}: {'; '.join(exc.messages)}")
        except PermissionDenied as exc:
            refused.append(f"{obj}: {exc}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, success_message % {"count": done}, messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)


class ReasonForm(forms.Form):
    def __init__(self, *args, label, max_length, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": 3})
        )


def with_reason(
    *,
    description,
    title,
    success=None,
    intro="",
    button=None,
    label=None,
    max_length=500,
    permissions=None,
):
    """Make `apply(modeladmin, obj, user, reason)` an admin action that first asks why
    (cancel, reject …) on an intermediate page, then runs for each selected row through
    run_for_each."""

    def decorate(apply):
        @admin.action(description=description, permissions=permissions)
        @functools.wraps(apply)
        def action(modeladmin, request, queryset):
            data = request.POST if "apply" in request.POST else None
            form = ReasonForm(data, label=label or _("Reason"), max_length=max_length)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                run_for_each(
                    modeladmin,
                    request,
                    queryset,
                    lambda obj, user: apply(modeladmin, obj, user, reason),
                    success_message=success or _("%(count)s done."),
                )
                return None
            return ask_first(
                modeladmin,
                request,
                queryset,
                form=form,
                title=title,
                intro=intro,
                button=button or _("Confirm"),
                action_name=apply.__name__,
            )

        return action

    return decorate


def ask_first(modeladmin, request, queryset, *, form, title, intro, button, action_name):
    """The intermediate page of an admin action that needs an answer first (a reason, a
    category, an answer's text): the selected rows, `form`, and a button that posts the
    action again with "apply"."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "button": button,
        "opts": modeladmin.model._meta,
        "objects": queryset,
        "form": form,
        "action_name": action_name,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/hive/reason_action.html", context)


class ReadOnlyAdminMixin:
    """A record the services write: staff view it, nobody adds, edits or deletes it by
    hand. For a ModelAdmin or an inline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ServiceRefused(Exception):
    def __init__(self, error: ValidationError):
        self.error = error


class CreateThroughServiceMixin:
    """The add form (and the change form, where `change_through_service` is given) saves
    through the app's service, so its rules and side effects run. A refusal
    (ValidationError) rolls the whole page back (the admin's view is one transaction) and
    shows the form again with the service's messages on their fields."""

    def create_through_service(self, request, obj, form):
        """Create the row from `form.cleaned_data` (or the unsaved `obj`); return it."""
        raise NotImplementedError

    def change_through_service(self, request, obj, form):
        super().save_model(request, obj, form, True)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                self.change_through_service(request, obj, form)
            else:
                obj.__dict__.update(self.create_through_service(request, obj, form).__dict__)
        except ValidationError as error:
            raise _ServiceRefused(error) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            # Once more with the same data: the form now carries the refusal, so nothing
            # is saved and the page shows it.
            request._hive_service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_hive_service_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def _post_clean(self):
                super()._post_clean()
                add_service_errors(self, refusal)

        return RefusedForm


class KeepChosenValueMixin:
    """A related-object filter that still filters when it offers one choice or none.

    Django drops a filter without output (fewer than two choices) and with it the
    value asked for in the query string, so `?community__id__exact=B` on a list where
    only community A has rows would show A's rows. Links from the dashboard name one
    community whatever the rows: the chosen value must always apply."""

    def has_output(self):
        return super().has_output() or bool(self.lookup_val)


class ScopedRelatedOnlyFilter(KeepChosenValueMixin, admin.RelatedOnlyFieldListFilter):
    pass


class AutocompleteSelect(admin_widgets.AutocompleteSelect):
    """Django's autocomplete widget, re-showing a refused form with only the submitted
    values its target field can hold. Django looks them up as sent (`id__in=[…]`): a value
    that is no id raised a ValueError, a 500 instead of the form's own error."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(remote.field_name)
        kept = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            kept.append(item)
        return super().optgroups(name, kept, attr)


class ScopedAdminMixin:
    """The admin starts from `managed_by(user)` — rows a staff role covers, never what a
    portal role elsewhere opens — and so do foreign-key choices, so community staff see,
    pick and save only their own community's rows. Use on every ModelAdmin and inline of
    a community-owned model."""

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def check(self, **kwargs):
        # A model without a scoped manager would answer 500 on every page (issue 23's
        # joint-meeting attendance inline): fail `manage.py check` instead.
        errors = super().check(**kwargs)
        if not hasattr(self.model._default_manager, "managed_by"):
            errors.append(
                checks.Error(
                    f"{type(self).__name__} uses ScopedAdminMixin but "
                    f"{self.model.__name__}'s manager has no managed_by().",
                    hint="Give the model a ScopedQuerySet manager (hive.access.scoping).",
                    obj=type(self),
                    id="hive.E005",
                )
            )
        return errors

    def get_list_filter(self, request):
        # Foreign-key filters list only the values present in the user's rows; the plain
        # filter would name every community and unit of the street.
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation and field.many_to_one:
                    item = (item, ScopedRelatedOnlyFilter)
            filters.append(item)
        return filters

    @staticmethod
    def _choices(related_model, user):
        manager = related_model._default_manager
        if hasattr(manager, "managed_by"):
            choices = manager.managed_by(user)
            # Rows only a rule fills (a community's holding grid of unplaced reports) are
            # never offered to people.
            return choices.for_people() if hasattr(choices, "for_people") else choices
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = self._choices(db_field.related_model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = self._choices(db_field.related_model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RevealableInput(AdminTextInputWidget):
    """A masked personal field with, beside it, the button that reveals it (logged)."""

    def __init__(self, attrs=None, *, reveal_url: str, revealed: bool):
        super().__init__(attrs)
        self.reveal_url = reveal_url
        self.revealed = revealed

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.revealed:
            return format_html(
                '{} <span class="help hive-reveal">{}</span>', html, _("This view is logged.")
            )
        # A submit button of the change form itself (no form inside a form), sent to the
        # reveal URL with the form's CSRF token; what else the form carries is ignored.
        return format_html(
            '{} <button type="submit" class="button hive-reveal" formaction="{}" '
            "formnovalidate>{}</button>",
            html,
            self.reveal_url,
            _("Show full details (logged)"),
        )


class PersonalDataAdminMixin:
    """Lists (`masked_<field>` columns) and change forms show personal data masked; the
    button beside a masked field shows the record's full values once, and that view is
    logged (PersonalDataAccess), like every other unmasked view. The one mechanism for
    every admin with phones or ID numbers.

    The masks are those of the model's declaration (hive.personal_data.registry), and so
    is the rule of who may reveal which field. Saving the form with a masked value left as
    it was keeps the stored value; a value typed in replaces it. Add forms are not masked
    (they show what the staff member types)."""

    REVEALED_SESSION_KEY = "hive_admin_revealed"

    @property
    def personal_fields(self) -> dict:
        return declared(self.model).masks

    def reveal_personal_data(self, request, obj, fields: list[str]) -> None:
        reveal = declared(self.model).reveal or personal_data_reveal
        reveal(viewer=request.user, obj=obj, fields=fields, purpose="admin")

    def __getattr__(self, name):
        """`masked_<field>` in list_display: a column of the declared field, masked."""
        field = name.removeprefix("masked_")
        if name == field or field not in self.personal_fields:
            raise AttributeError(name)
        mask = self.personal_fields[field]
        description = self.model._meta.get_field(field).verbose_name
        return admin.display(description=description)(lambda obj: mask(getattr(obj, field)))

    def _revealed_key(self, object_id) -> str:
        return f"{self.opts.label_lower}:{object_id}"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="{}_{}_reveal".format(*info),
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        fields = [name for name in self.personal_fields if getattr(obj, name, "")]
        if fields:
            self.reveal_personal_data(request, obj, fields)
            # Only which record was revealed goes into the session, never the values.
            revealed = request.session.get(self.REVEALED_SESSION_KEY, [])
            request.session[self.REVEALED_SESSION_KEY] = [
                *revealed[-9:],
                self._revealed_key(obj.pk),
            ]
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(
            reverse(
                "{}:{}_{}_change".format(self.admin_site.name, *info),
                args=[quote(obj.pk)],
            )
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request._hive_revealed = False
        if request.method == "GET":
            revealed = request.session.get(self.REVEALED_SESSION_KEY, [])
            key = self._revealed_key(unquote(object_id))
            if key in revealed:
                # Shown once: the next visit is masked again.
                revealed.remove(key)
                request.session[self.REVEALED_SESSION_KEY] = revealed
                request._hive_revealed = True
        return super().change_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        masks = {
            name: mask for name, mask in self.personal_fields.items() if name in form.base_fields
        }
        if obj is None or not masks:
            return form
        revealed = getattr(request, "_hive_revealed", False)
        info = self.opts.app_label, self.opts.model_name
        reveal_url = reverse(
            "{}:{}_{}_reveal".format(self.admin_site.name, *info), args=[quote(obj.pk)]
        )
        for name in masks:
            field = form.base_fields[name]
            field.widget = RevealableInput(
                field.widget.attrs, reveal_url=reveal_url, revealed=revealed
            )
        _mask_personal_fields(form, masks, revealed=revealed)
        return form


def _mask_personal_fields(form, masks: dict, *, revealed: bool) -> None:
    """Make `form` (a class fresh from get_form) show `masks` fields masked and keep the
    stored value when the masked one comes back."""
    base_init = form.__init__

    def __init__(self, *args, **kwargs):
        base_init(self, *args, **kwargs)
        for name, mask in masks.items():
            stored = getattr(self.instance, name, "") or ""
            if not stored or revealed:
                continue
            submitted = self.data.get(self.add_prefix(name)) if self.is_bound else None
            # Unchanged is unchanged whether it came back masked or in full.
            self.initial[name] = stored if submitted == stored else mask(stored)

    form.__init__ = __init__
    for name, mask in masks.items():
        form_clean = getattr(form, f"clean_{name}", None)

        def clean_field(self, name=name, mask=mask, form_clean=form_clean):
            stored = getattr(self.instance, name, "") or ""
            if stored and self.cleaned_data.get(name) == mask(stored):
                self.cleaned_data[name] = stored
            return form_clean(self) if form_clean else self.cleaned_data[name]

        setattr(form, f"clean_{name}", clean_field)


@admin.register(Street)
class StreetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "created_at"]
    search_fields = ["name", "code"]


@admin.register(Community)
class CommunityAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "street", "address", "phone"]
    list_filter = ["street"]
    search_fields = ["name", "code", "address"]
    list_select_related = ["street"]

    def get_readonly_fields(self, request, obj=None):
        # Only a street administrator moves a community or renames its code.
        if obj is not None and not _is_street_level(request.user):
            return ["street", "code"]
        return []


class RoleAssignmentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        seen = set()
        for form in kept:
            data = form.cleaned_data
            key = (data.get("role"), data.get("community"), data.get("street"))
            if key in seen:
                raise ValidationError(_("The same role is listed twice for the same place."))
            seen.add(key)
        if not kept and not self.request_user.is_superuser:
            # A user with no role would vanish from the creator's scope.
            raise ValidationError(_("Give the user at least one role in your community."))


class RoleAssignmentInline(ScopedAdminMixin, admin.TabularInline):
    model = RoleAssignment
    formset = RoleAssignmentFormSet
    extra = 1

    def get_fields(self, request, obj=None):
        # Only superusers appoint street administrators.
        if request.user.is_superuser:
            return ["role", "community", "street"]
        return ["role", "community"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(getattr(field, "widget", None), RelatedFieldWidgetWrapper):
            # Communities and streets are not created or edited from a user's page.
            for flag in ("can_add_related", "can_change_related", "can_view_related"):
                setattr(field.widget, flag, False)
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request_user = request.user
        return formset

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            # Only superusers appoint street administrators.
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.STREET_ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(PersonalDataAdminMixin, ScopedAdminMixin, DjangoUserAdmin):
    inlines = [RoleAssignmentInline]
    add_form_template = "admin/hive/user/add_form.html"
    list_display = ["username", "name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "role_assignments__role"]
    search_fields = ["username", "name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone", "email", "notify_by_email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "name", "phone", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["second_factor_reset"]

    @admin.action(description=_("Reset the second factor (lost phone)"), permissions=["change"])
    def second_factor_reset(self, request, queryset):
        """Removes the selected people's authenticator devices; each sets up a new one at
        the next admin login. Nobody sees anyone else's secret."""
        count = second_factor_reset(users=queryset)
        self.message_user(
            request,
            _("Second factor reset for %(count)d people.") % {"count": count},
            messages.SUCCESS,
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Only superusers hand out superuser status and raw permissions.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f == "is_active"]})
            if name == _("Permissions")
            else (name, opts)
            for name, opts in fieldsets
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_sync_staff_flag(user=form.instance)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens of the people one may edit (and one's own): listed, and revoked by
    deleting them. Nobody makes or edits a token here (the key would show in the
    admin); people ask the API for theirs."""

    list_display = ["user", "name", "prefix", "second_factor", "created_at", "expires_at"]
    list_filter = ["second_factor"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name", "name", "prefix"]
    date_hierarchy = "created_at"
    fields = ["user", "name", "prefix", "second_factor", "created_at", "expires_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        api_tokens_revoke(tokens=self.get_queryset(request).filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        api_tokens_revoke(tokens=queryset)


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The timeline is a record: readable, never edited or deleted by hand."""

    list_display = ["created_at", "content_type", "object_id", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "community"]
    list_select_related = ["content_type", "actor"]
    date_hierarchy = "created_at"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Staff read who saw which personal data; nobody edits the log."""

    list_display = ["created_at", "viewer", "object_repr", "fields", "purpose", "community"]
    list_filter = ["community", "content_type"]
    search_fields = ["object_repr", "viewer__username", "viewer__name"]
    list_select_related = ["viewer", "community"]
    date_hierarchy = "created_at"


class SubjectAccessForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=11, required=False)
    confirm = forms.BooleanField(
        label=_("Yes, anonymise every record found: this cannot be undone."), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("id_number") and not cleaned.get("phone"):
            raise ValidationError(_("Give an ID number or a mobile number."))
        return cleaned


def _change_url(obj) -> str:
    from django.urls import NoReverseMatch, reverse

    meta = obj._meta
    target, pk = (obj, obj.pk)
    if meta.label == "disputes.CaseParty":  # parties are edited on their case
        target, pk = obj.case, obj.case_id
    try:
        return reverse(
            f"admin:{target._meta.app_label}_{target._meta.model_name}_change", args=[pk]
        )
    except NoReverseMatch:
        return ""


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Consents are a record; the subject-access page (export, correct, delete everything
    held on one person) hangs here, since consents are part of what it shows."""

    list_display = ["accepted_at", "subject_hint", "notice", "notice_version", "channel"]
    list_filter = ["notice", "notice_version", "channel", "community"]
    date_hierarchy = "accepted_at"
    change_list_template = "admin/hive/consentrecord/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "subject-access/",
                self.admin_site.admin_view(self.subject_access_view),
                name="hive_subject_access",
            ),
            *super().get_urls(),
        ]

    def subject_access_view(self, request):
        import json

        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponse

        from hive.personal_data.subject_access import subject_erase, subject_export, subject_find

        if not (administers_any(request.user) and self.has_view_permission(request)):
            raise PermissionDenied
        form = SubjectAccessForm(request.POST or None)
        found = None
        if request.method == "POST" and form.is_valid():
            who = {"id_number": form.cleaned_data["id_number"], "phone": form.cleaned_data["phone"]}
            action = request.POST.get("action", "search")
            if action == "export":
                data = subject_export(viewer=request.user, **who)
                response = HttpResponse(
                    json.dumps(data, ensure_ascii=False, indent=2),
                    content_type="application/json; charset=utf-8",
                )
                response["Content-Disposition"] = 'attachment; filename="subject-access.json"'
                return response
            if action == "erase":
                if not form.cleaned_data["confirm"]:
                    form.add_error("confirm", _("Tick the box to confirm."))
                else:
                    count = subject_erase(actor=request.user, **who)
                    self.message_user(
                        request,
                        _("%(count)s records anonymised.") % {"count": count},
                        messages.SUCCESS,
                    )
            found = [
                (rows[0]._meta.verbose_name_plural, [(row, _change_url(row)) for row in rows])
                for rows in subject_find(user=request.user, **who).values()
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Personal data held on one person"),
            "opts": self.model._meta,
            "form": form,
            "found": found,
        }
        return TemplateResponse(request, "admin/hive/subject_access.html", context)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What each run of the retention task erased: counts per rule, never whose."""

    list_display = ["started_at", "finished_at", "total", "counts"]
    date_hierarchy = "started_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tasks the broker refused while Redis was down, and whether the flush task has sent
    them since. Read-only: the flush task is the one writer. Street level only: the
    arguments name rows of every community."""

    list_display = ["task_name", "created_at", "attempts", "sent_at", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task_name"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return _is_street_level(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_street_level(request.user) and super().has_view_permission(request, obj)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockoutAdmin(AccessAttemptAdmin):
    """Failed logins per account name and address (django-axes). A row at the limit is a
    lock; staff lift it with the unlock action (it deletes the row, so counting restarts)."""

    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Unlock: forget these failed logins"), permissions=["delete"])
    def unlock(self, request, queryset):
        count, _detail = queryset.delete()
        self.message_user(
            request, _("%(count)d lock-out records removed.") % {"count": count}, messages.SUCCESS
        )


# --- Where the core's models sit on the admin home (hive.workbench) ---------------------------
# Not named here, and so in the street administrator's "System" group: the timeline rows,
# the outbox, the retention runs and the other apps' internals (lock-outs, schedules).

workbench.group(
    workbench.Group(
        "accounts",
        _("Communities and accounts"),
        order=60,
        models=(Community, User, ApiToken, Street),
    )
)
workbench.group(
    workbench.Group(
        "personal_data",
        _("Residents' personal data"),
        order=70,
        models=(ConsentRecord, PersonalDataAccess),
    )
)
