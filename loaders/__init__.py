"""Push records into the new portal's database, idempotently, with an old-URL -> new-URL map."""
