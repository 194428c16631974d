"""Typed errors of the application. Each subclasses ValueError, so every existing
`except ValueError` keeps catching it."""


class ResourceNotFoundError(ValueError):
    """The requested resource does not exist."""
