"""Portal and public pages of the volunteers app; full paths, included at the site root."""

from django.urls import path

from volunteers.views import activities, points, wishes

app_name = "volunteers"
urlpatterns = [
    # Public: no account.
    path("wishes/new/", wishes.wish_new, name="wish_new"),
    path("wishes/track/", wishes.wish_track_lookup, name="wish_track_lookup"),
    path("wishes/track/<str:code>/", wishes.wish_track, name="wish_track"),
    path(
        "wishes/track/<str:code>/photos/<int:photo_pk>/",
        wishes.wish_track_photo,
        name="wish_track_photo",
    ),
    path("wishes/track/<str:code>/withdraw/", wishes.wish_track_withdraw, name="wish_withdraw"),
    path("wishes/track/<str:code>/confirm/", wishes.wish_track_confirm, name="wish_confirm"),
    path("wishes/wall/", wishes.wall_index, name="wall_index"),
    path("wishes/wall/<slug:community_code>/", wishes.wall, name="wall"),
    # Portal: party members.
    path("portal/wishes/", wishes.portal_wall, name="portal_wall"),
    path("portal/wishes/mine/", wishes.portal_mine, name="portal_mine"),
    path("portal/wishes/<int:pk>/", wishes.portal_wish_detail, name="portal_wish_detail"),
    path("portal/wishes/<int:pk>/claim/", wishes.portal_wish_claim, name="portal_wish_claim"),
    # Benchmark baseline; answers 404 unless HIVE_BENCH=1.
    path("bench/ping", wishes.bench_ping, name="bench_ping"),
    # Portal: activities, points and stars.
    path("portal/activities/", activities.activity_list, name="activity_list"),
    path("portal/activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path(
        "portal/activities/<int:pk>/sign-up/",
        activities.activity_sign_up,
        name="activity_sign_up",
    ),
    path(
        "portal/activities/<int:pk>/cancel/",
        activities.activity_cancel_sign_up,
        name="activity_cancel_sign_up",
    ),
    path("portal/points/", points.my_points, name="my_points"),
    path("portal/points/leaderboard/", points.leaderboard, name="leaderboard"),
]
