"""A faithful, deterministic replica of the legacy moha.gov.vn site, served on 127.0.0.1 (legacy-site.md)."""
