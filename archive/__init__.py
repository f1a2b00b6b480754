"""What an archivist does with the WARCs: index, verify, package, look up, replay."""
