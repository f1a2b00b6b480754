"""Turn captured legacy HTML (read from WARCs, never the network) into clean records (records.md)."""
