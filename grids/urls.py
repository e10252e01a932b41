"""Portal and public pages of the grids app; full paths, included at the site root."""

app_name = "grids"
urlpatterns: list = []
