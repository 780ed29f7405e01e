"""Config for `tortoise makemigrations` (a developer tool: `make migrations`).

Autodetection compares the models with the migration files; it needs no real database.
"""

from server.db.config import tortoise_config

TORTOISE_ORM = tortoise_config("sqlite:///tmp/ivlog-makemigrations.sqlite3")
