"""Portal pages of the disputes app (the mediators); full paths, included at the site root."""

from django.urls import path

from disputes import views

app_name = "disputes"
urlpatterns = [
    path("portal/cases/", views.portal_cases_list, name="portal_cases"),
    path("portal/cases/followups/", views.portal_followups, name="portal_followups"),
    path(
        "portal/cases/followups/<int:pk>/",
        views.portal_followup_record,
        name="portal_followup_record",
    ),
    path("portal/cases/<int:pk>/", views.portal_case_detail, name="portal_case_detail"),
    path("portal/cases/<int:pk>/session/", views.portal_session_new, name="portal_session_new"),
    path(
        "portal/cases/<int:pk>/agreement/", views.portal_agreement_new, name="portal_agreement_new"
    ),
    path(
        "portal/cases/<int:pk>/agreement/print/",
        views.portal_agreement_document,
        name="portal_agreement_document",
    ),
    path(
        "portal/cases/<int:pk>/followups/new/",
        views.portal_followup_schedule,
        name="portal_followup_schedule",
    ),
]
