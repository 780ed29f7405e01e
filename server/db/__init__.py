"""Database layer: Tortoise configuration, models, migrations and start-up checks."""
