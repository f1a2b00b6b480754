"""moha-migrate: move the legacy moha.gov.vn site into a new portal without losing anything.

The shared core: the records contract, URL canonicalisation, the site profile, errors and the CLI
conventions every stage reuses. Data flows one way: replica -> crawler -> WARC -> transform ->
records -> loaders -> portal DB -> verify report.
"""

__version__ = "0.1.0"
