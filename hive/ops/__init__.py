"""Running Hive: middleware, backups, database triggers, the page cache."""
