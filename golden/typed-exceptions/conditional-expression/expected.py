from fastapi import HTTPException


class DoesNotSupportError(ValueError):
    """A ValueError the application raises and its handlers catch as DoesNotSupportError."""


REPORTS: dict[str, str] = {"balance": "statement"}


def statement_type(report: str) -> str:
    if report not in REPORTS:
        raise ValueError("Report definition not found")
    if REPORTS[report] != "statement":
        raise DoesNotSupportError(f"Report {report} does not support statement lines")
    return REPORTS[report]


def resolve(report: str) -> str:
    # the status is picked by a conditional expression: a typed clause and a default
    try:
        return statement_type(report)
    except DoesNotSupportError as e:
        detail = str(e)
        status_code = 400
        raise HTTPException(status_code=status_code, detail=detail) from e
    except ValueError as e:
        detail = str(e)
        status_code = 404
        raise HTTPException(status_code=status_code, detail=detail) from e


def resolve_inline(report: str, raw: str) -> str:
    # inside the call, and int() may raise a ValueError of its own: the test stays after the clause
    try:
        return statement_type(report) * int(raw)
    except DoesNotSupportError as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
    except ValueError as e:
        raise HTTPException(status_code=(400 if "does not support" in str(e) else 404), detail=str(e)) from e


def two_conditions(report: str) -> str:
    # two conditional expressions testing the message: not one branch and a default, left alone
    try:
        return statement_type(report)
    except ValueError as e:
        code = 400 if "does not support" in str(e) else 404
        kind = "unsupported" if "does not support" in str(e) else "missing"
        raise HTTPException(status_code=code, detail=kind)
