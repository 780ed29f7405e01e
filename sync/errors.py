"""Errors the sync engine answers itself, as problem JSON with a stable code."""

from __future__ import annotations


class SyncError(Exception):
    def __init__(self, status: int, code: str, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s  # sent as Retry-After: when to send the same push again

    def problem(self) -> dict:
        return {
            "type": f"https://ivlog.invalid/problems/{self.code}",
            "title": self.message,
            "status": self.status,
            "code": self.code,
            "detail": self.message,
        }


def malformed(message: str) -> SyncError:
    return SyncError(400, "malformed_push", message)


def too_large(message: str) -> SyncError:
    return SyncError(413, "batch_too_large", message)


def device_refused(message: str, code: str = "device_refused") -> SyncError:
    return SyncError(403, code, message)


def not_readable(message: str) -> SyncError:
    return SyncError(404, "unknown_visit", message)
