"""API of the disputes app: viewsets register on the shared router (hive.api.router)."""
