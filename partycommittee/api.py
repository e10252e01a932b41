"""API of the partycommittee app: viewsets register on the shared router (hive.api.router)."""
