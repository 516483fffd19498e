"""One error hierarchy for the domain; the HTTP layer maps it to problem details in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    type_slug = "domain-error"


class NotFound(DomainError):
    """A record does not exist in the caller's tenant (another tenant's records look the same)."""

    type_slug = "not-found"

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"{kind} {record_id!r} not found")
        self.kind = kind
        self.record_id = record_id


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a domain rule; `field` names the culprit."""

    type_slug = "invalid-input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class StoreUnavailable(DomainError):
    """The store cannot be reached; nothing was written, and the caller should retry later."""

    type_slug = "store-unavailable"
    retry_after_s = 5
