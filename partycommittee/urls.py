"""Portal pages of the partycommittee app; full paths, included at the site root."""

from django.urls import path

from partycommittee import views
from partycommittee.evaluations.urls import urlpatterns as evaluation_urls

app_name = "partycommittee"
urlpatterns = [
    path("portal/unit/", views.unit_home, name="unit_home"),
    path("portal/unit/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("portal/unit/resources/", views.resource_list, name="resource_list"),
    path("portal/unit/resources/new/", views.resource_edit, name="resource_add"),
    path("portal/unit/resources/<int:pk>/", views.resource_edit, name="resource_edit"),
    path("portal/unit/responsibilities/", views.responsibility_list, name="responsibility_list"),
    path(
        "portal/unit/responsibilities/<int:pk>/report/",
        views.responsibility_report,
        name="responsibility_report",
    ),
    path("portal/unit/projects/", views.project_list, name="project_list"),
    path("portal/unit/projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("portal/unit/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    # Public: what the co-construction projects have reached (no login).
    path("projects/", views.public_progress_index, name="public_progress_index"),
    path("projects/<slug:community_code>/", views.public_progress, name="public_progress"),
]
# The three-double evaluation's portal pages (partycommittee/evaluations/urls.py).
urlpatterns += evaluation_urls
