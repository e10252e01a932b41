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
    # Advanced selection (评先选优): nominate and vote.
    path("portal/selection/", views.campaign_list, name="campaign_list"),
    path("portal/selection/<int:pk>/nominate/", views.campaign_nominate, name="campaign_nominate"),
    path(
        "portal/selection/<int:pk>/vote/<int:nomination_pk>/",
        views.campaign_vote,
        name="campaign_vote",
    ),
    # Public: nominate without an account, and the announced results (公示).
    path("selection/", views.public_selection_index, name="public_selection_index"),
    path("selection/<slug:community_code>/", views.public_selection, name="public_selection"),
    path(
        "selection/<slug:community_code>/<int:pk>/",
        views.public_announcement,
        name="public_announcement",
    ),
    path(
        "selection/<slug:community_code>/<int:pk>/object/",
        views.public_object,
        name="public_object",
    ),
    path(
        "selection/<slug:community_code>/<int:pk>/nominate/",
        views.public_nominate,
        name="public_nominate",
    ),
    # Public: what the co-construction projects have reached (no login).
    path("projects/", views.public_progress_index, name="public_progress_index"),
    path("projects/<slug:community_code>/", views.public_progress, name="public_progress"),
]
# The three-double evaluation's portal pages (partycommittee/evaluations/urls.py).
urlpatterns += evaluation_urls
