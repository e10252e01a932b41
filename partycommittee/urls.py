"""Portal and public pages of the partycommittee app; full paths, included at the site root."""

app_name = "partycommittee"
urlpatterns: list = []
