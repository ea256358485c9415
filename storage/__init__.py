"""The archive: every fetched response, content-addressed, and what extraction read from it."""

from .db import ArchiveUnavailable, database_url, open_archive, session_scope

__all__ = ["ArchiveUnavailable", "database_url", "open_archive", "session_scope"]
