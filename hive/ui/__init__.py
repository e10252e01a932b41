"""Plumbing shared by every page, form, list and API door: forms, filters, paging,
spreadsheets, portal links, error pages."""
