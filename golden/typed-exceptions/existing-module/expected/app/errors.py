"""Errors of the application."""


class AppError(Exception):
    """Base class of the errors the API turns into responses."""


class ResourceNotFoundError(ValueError):
    """Raised when a record does not exist."""


class PermissionDeniedError(ValueError):
    """The caller may not perform this operation."""
