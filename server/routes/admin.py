"""Administration pages: users, patients, assignments, devices."""

routes: list = []
