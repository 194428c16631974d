from .db import open_session


async def monthly_report(month: str) -> dict:
    session = await anext(open_session())
    rows = await session.execute(report_query(month))
    return {"month": month, "rows": rows.all()}
