"""Authentication: passwords, server-side sessions, the login throttle and CSRF tokens."""
