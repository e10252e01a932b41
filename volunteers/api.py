"""API of the volunteers app: viewsets register on the shared router (hive.api.router)."""
