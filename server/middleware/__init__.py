"""Pure ASGI middleware, one concern per module, assembled in `server.app`."""
