"""Public and portal pages of the voice app; full paths, included at the site root."""

from django.urls import path

from voice import views

app_name = "voice"
urlpatterns = [
    # Public: no account.
    path("suggestions/<slug:community_code>/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/<slug:community_code>/new/", views.suggestion_new, name="suggestion_new"),
    path("demands/<slug:community_code>/", views.solicitation_list, name="solicitation_list"),
    path(
        "demands/<slug:community_code>/<int:pk>/new/",
        views.submission_new,
        name="submission_new",
    ),
    path("voice/track/", views.track_lookup, name="track_lookup"),
    path("voice/suggestions/<str:code>/", views.suggestion_track, name="suggestion_track"),
    path("voice/demands/<str:code>/", views.submission_track, name="submission_track"),
    # Portal: resident-unit representatives.
    path("portal/solicitations/", views.portal_solicitations, name="portal_solicitations"),
    path(
        "portal/solicitations/<int:pk>/",
        views.portal_submission_new,
        name="portal_submission_new",
    ),
]
