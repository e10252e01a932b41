"""Portal and public pages of the disputes app; full paths, included at the site root."""

app_name = "disputes"
urlpatterns: list = []
