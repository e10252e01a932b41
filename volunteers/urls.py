"""Portal and public pages of the volunteers app; full paths, included at the site root."""

app_name = "volunteers"
urlpatterns: list = []
