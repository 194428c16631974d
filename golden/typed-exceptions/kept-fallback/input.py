from fastapi import HTTPException

ACCOUNTS: dict[str, int] = {}


def _fail(message: str) -> None:
    raise ValueError(message)


def open_account(name: str) -> None:
    if name in ACCOUNTS:
        raise ValueError(f"Account {name} already exists")
    ACCOUNTS[name] = 0


def deposit(name: str, amount: int) -> int:
    if name not in ACCOUNTS:
        _fail(f"Account {name} not found")
    ACCOUNTS[name] += amount
    return ACCOUNTS[name]


def account_endpoint(name: str, amount: int) -> int:
    try:
        open_account(name)
        return deposit(name, amount)
    except ValueError as e:
        if "not found" in str(e):
            raise HTTPException(404, str(e))
        elif "already exists" in str(e):
            raise HTTPException(409, str(e))
        raise HTTPException(400, str(e))
