"""Portal pages of the grids app; full paths, included at the site root."""

from django.urls import path

from grids import public_views, views

app_name = "grids"
urlpatterns = [
    path("portal/grids/", views.my_grid, name="my_grid"),
    path("portal/grids/<int:pk>/", views.grid_detail, name="grid_detail"),
    path("portal/grids/households/", views.household_list, name="household_list"),
    path("portal/grids/households/<int:pk>/", views.household_detail, name="household_detail"),
    path(
        "portal/grids/households/<int:household_pk>/residents/new/",
        views.resident_add,
        name="resident_add",
    ),
    path(
        "portal/grids/households/<int:household_pk>/visits/new/",
        views.visit_create,
        name="visit_create",
    ),
    path("portal/grids/residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("portal/grids/residents/<int:pk>/leave/", views.resident_leave, name="resident_leave"),
    path("portal/grids/key-persons/", views.key_person_list, name="key_person_list"),
    path("portal/grids/visits/", views.visit_list, name="visit_list"),
    path("portal/grids/incidents/", views.incident_list, name="incident_list"),
    path("portal/grids/incidents/new/", views.incident_create, name="incident_create"),
    path("portal/grids/incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("portal/grids/incidents/<int:pk>/reply/", views.incident_reply, name="incident_reply"),
    path(
        "portal/grids/incidents/<int:pk>/photos/<int:photo_pk>/",
        views.incident_photo,
        name="incident_photo",
    ),
    path(
        "portal/grids/incidents/<int:pk>/<slug:action>/",
        views.incident_action,
        name="incident_action",
    ),
    path("portal/grids/tasks/", views.task_list, name="task_list"),
    path("portal/grids/tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("portal/grids/sweeps/", views.sweep_list, name="sweep_list"),
    path("portal/grids/sweeps/<int:pk>/", views.sweep_detail, name="sweep_detail"),
    # Residents' own reports (随手拍): public, no login.
    path("report/", public_views.report_new, name="report_new"),
    path("report/track/", public_views.report_track_lookup, name="report_track_lookup"),
    path("report/track/<str:code>/", public_views.report_track, name="report_track"),
    path("report/track/<str:code>/rate/", public_views.report_track_rate, name="report_rate"),
    path(
        "report/track/<str:code>/photos/<int:photo_pk>/",
        public_views.report_track_photo,
        name="report_track_photo",
    ),
]
