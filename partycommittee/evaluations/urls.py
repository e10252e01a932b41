"""Portal pages of the three-double evaluation, added to partycommittee.urls."""

from django.urls import path

from partycommittee.evaluations import views

urlpatterns = [
    path("portal/unit/evaluations/", views.evaluation_list, name="evaluation_list"),
    path("portal/unit/evaluations/<int:pk>/", views.evaluation_round, name="evaluation_round"),
    path(
        "portal/unit/evaluations/<int:pk>/results/",
        views.evaluation_results,
        name="evaluation_results",
    ),
    path("portal/unit/evaluations/sheets/<int:pk>/", views.sheet_edit, name="evaluation_sheet"),
    path("portal/unit/evaluations/reports/<int:pk>/", views.report_edit, name="evaluation_report"),
]
