class AppError(Exception):
    pass


class ResourceNotFoundError(AppError):
    """Not a ValueError: the tool must not reuse it."""


class ResourceExistsError(ValueError):
    pass
