"""Reconcile capture, records and database, and write the report portal admins decide from."""
