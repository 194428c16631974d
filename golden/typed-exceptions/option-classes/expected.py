from fastapi import HTTPException


class QuotaExceededError(ValueError):
    """A ValueError the application raises and its handlers catch as QuotaExceededError."""


class RateLimitedError(ValueError):
    """A ValueError the application raises and its handlers catch as RateLimitedError."""


USAGE: dict[str, int] = {}
LIMITS: dict[str, int] = {}


def spend(team: str, tokens: int) -> int:
    if USAGE.get(team, 0) + tokens > LIMITS.get(team, 100):
        raise QuotaExceededError(f"Team {team}: quota exceeded")
    if tokens > 50:
        raise RateLimitedError("Rate limited: too many tokens at once")
    USAGE[team] = USAGE.get(team, 0) + tokens
    return USAGE[team]


def spend_endpoint(team: str, tokens: int) -> int:
    try:
        return spend(team, tokens)
    except QuotaExceededError as e:
        raise HTTPException(402, str(e)) from e
    except RateLimitedError as e:
        raise HTTPException(429, str(e)) from e
    except ValueError as e:
        raise HTTPException(400, str(e)) from e
