from fastapi import HTTPException

USAGE: dict[str, int] = {}
LIMITS: dict[str, int] = {}


def spend(team: str, tokens: int) -> int:
    if USAGE.get(team, 0) + tokens > LIMITS.get(team, 100):
        raise ValueError(f"Team {team}: quota exceeded")
    if tokens > 50:
        raise ValueError("Rate limited: too many tokens at once")
    USAGE[team] = USAGE.get(team, 0) + tokens
    return USAGE[team]


def spend_endpoint(team: str, tokens: int) -> int:
    try:
        return spend(team, tokens)
    except ValueError as e:
        if str(e).endswith("quota exceeded"):
            raise HTTPException(402, str(e))
        if str(e).startswith("Rate limited"):
            raise HTTPException(429, str(e))
        raise HTTPException(400, str(e))
