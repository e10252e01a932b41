"""Three-double evaluations (三双机制): rounds per community and period, duty reports,
two-way score sheets between the community and its units, peer sheets between units,
and the results computed from them. Run on a calendar by Celery (partycommittee.tasks)."""
