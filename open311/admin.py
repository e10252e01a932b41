"""Staff issue partner keys (the key is shown once, only its hash is kept), revoke them,
define extra services and their attributes, and read what came in through Open311."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.admin import CreateThroughServiceMixin, ReadOnlyAdminMixin, ScopedAdminMixin, run_for_each
from hive.models import User
from hive.personal_data import mask_phone
from open311 import services
from open311.models import PartnerKey, Service, ServiceAttribute, ServiceRequest


class PartnerKeyForm(forms.ModelForm):
    class Meta:
        model = PartnerKey
        fields = ["community", "name", "reporter", "default_grid"]


@admin.register(PartnerKey)
class PartnerKeyAdmin(CreateThroughServiceMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = PartnerKeyForm
    list_display = ["name", "prefix", "community", "reporter", "last_used_at", "revoked_at"]
    list_filter = ["community", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["community", "reporter"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A key stays with the community it was issued for.
        return [*fields, "community"] if obj is not None else fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["community", "name", "reporter", "default_grid"]
        return [
            "community",
            "name",
            "prefix",
            "reporter",
            "default_grid",
            "created_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reporter":
            kwargs["queryset"] = (
                User.objects.visible_to(request.user)
                .filter(role_assignments__role=Role.COMMUNITY_STAFF)
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Requests keep pointing at their key: revoke instead.
        return False

    def create_through_service(self, request, obj, form):
        key, raw_key = services.partner_key_issue(
            actor=request.user,
            community=form.cleaned_data["community"],
            name=form.cleaned_data["name"],
            reporter=form.cleaned_data["reporter"],
            default_grid=form.cleaned_data.get("default_grid"),
        )
        # Shown once by response_add; never stored anywhere (not even in a message).
        request._open311_raw_key = raw_key
        return key

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key issued"),
            "key": obj,
            "raw_key": request._open311_raw_key,
            "opts": self.model._meta,
            "changelist_url": reverse("admin:open311_partnerkey_changelist"),
        }
        return TemplateResponse(request, "admin/open311/partnerkey/issued.html", context)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke_selected(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda key, user: services.partner_key_revoke(key=key, actor=user),
            success_message=_("%(count)s keys revoked."),
        )


class ServiceAttributeFormSet(forms.BaseInlineFormSet):
    """One code per question of a service (the database refuses a second one; this says so
    on the form instead)."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            code = data.get("code")
            if not code or data.get("DELETE"):
                continue
            if code in seen:
                form.add_error("code", _("Another question of this service has this code."))
            seen.add(code)


class ServiceAttributeInline(ScopedAdminMixin, admin.TabularInline):
    model = ServiceAttribute
    formset = ServiceAttributeFormSet
    fk_name = "service"
    fields = [
        "order",
        "code",
        "description",
        "datatype",
        "required",
        "variable",
        "datatype_description",
        "values",
    ]
    extra = 0


@admin.register(Service)
class ServiceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "category", "group", "active", "community"]
    list_filter = ["community", "category", "active"]
    search_fields = ["code", "name", "keywords"]
    inlines = [ServiceAttributeInline]

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if inline_form.instance.service_id is None or not inline_form.instance.community_id:
                inline_form.instance.community = form.instance.community
        super().save_formset(request, form, formset, change)


class BuiltInAttributeForm(forms.ModelForm):
    class Meta:
        model = ServiceAttribute
        fields = [
            "community",
            "category",
            "order",
            "code",
            "description",
            "datatype",
            "required",
            "variable",
            "datatype_description",
            "values",
        ]

    def clean_category(self):
        category = self.cleaned_data.get("category")
        if not category:
            raise ValidationError(_("Choose the built-in category this question belongs to."))
        return category

    def clean_code(self):
        code = self.cleaned_data.get("code")
        if code == services.GRID_ATTRIBUTE:
            raise ValidationError(_("“grid” is built in: every service asks it."))
        return code

    def clean(self):
        data = super().clean()
        taken = ServiceAttribute.objects.filter(
            community=data.get("community"),
            category=data.get("category"),
            code=data.get("code"),
            service__isnull=True,
        ).exclude(pk=self.instance.pk)
        if data.get("community") and data.get("code") and taken.exists():
            self.add_error("code", _("This category already asks a question with this code."))
        return data


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Questions of the six built-in categories; a staff-defined service edits its own
    questions inline."""

    form = BuiltInAttributeForm
    list_display = ["category", "order", "code", "description", "datatype", "required"]
    list_filter = ["community", "category"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(service__isnull=True)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """What came in through Open311; contacts shown masked."""

    list_display = ["incident", "service_code", "partner", "masked_phone", "created_at"]
    list_filter = ["community", "partner"]
    list_select_related = ["incident", "partner"]
    fields = [
        "incident",
        "partner",
        "service_code",
        "description",
        "address_string",
        "media_url",
        "attributes",
        "account_id",
        "masked_phone",
        "masked_email",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("email"))
    def masked_email(self, obj):
        name, _at, domain = obj.email.partition("@")
        return f"{name[:1]}***@{domain}" if domain else ""
