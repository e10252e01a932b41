"""Portal and public pages of the volunteers app; full paths, included at the site root."""

from django.urls import path

from volunteers import views, views_service

app_name = "volunteers"
urlpatterns = [
    # Public: no account.
    path("wishes/new/", views.wish_new, name="wish_new"),
    path("wishes/track/", views.wish_track_lookup, name="wish_track_lookup"),
    path("wishes/track/<str:code>/", views.wish_track, name="wish_track"),
    path(
        "wishes/track/<str:code>/photos/<int:photo_pk>/",
        views.wish_track_photo,
        name="wish_track_photo",
    ),
    path("wishes/track/<str:code>/withdraw/", views.wish_track_withdraw, name="wish_withdraw"),
    path("wishes/track/<str:code>/confirm/", views.wish_track_confirm, name="wish_confirm"),
    path("wishes/wall/", views.wall_index, name="wall_index"),
    path("wishes/wall/<slug:community_code>/", views.wall, name="wall"),
    # Portal: party members.
    path("portal/wishes/", views.portal_wall, name="portal_wall"),
    path("portal/wishes/mine/", views.portal_mine, name="portal_mine"),
    path("portal/wishes/<int:pk>/", views.portal_wish_detail, name="portal_wish_detail"),
    path("portal/wishes/<int:pk>/claim/", views.portal_wish_claim, name="portal_wish_claim"),
    # Benchmark baseline; answers 404 unless HIVE_BENCH=1.
    path("bench/ping", views.bench_ping, name="bench_ping"),
]
urlpatterns += [
    # Portal: activities, points and stars.
    path("portal/activities/", views_service.activity_list, name="activity_list"),
    path("portal/activities/<int:pk>/", views_service.activity_detail, name="activity_detail"),
    path(
        "portal/activities/<int:pk>/sign-up/",
        views_service.activity_sign_up,
        name="activity_sign_up",
    ),
    path(
        "portal/activities/<int:pk>/cancel/",
        views_service.activity_cancel_sign_up,
        name="activity_cancel_sign_up",
    ),
    path("portal/points/", views_service.my_points, name="my_points"),
    path("portal/points/leaderboard/", views_service.leaderboard, name="leaderboard"),
]
