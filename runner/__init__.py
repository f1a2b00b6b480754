"""The whole migration in one command: `moha-migrate run` chains every stage into a work directory."""
