"""API of the grids app: viewsets register on the shared router (hive.api.router)."""
