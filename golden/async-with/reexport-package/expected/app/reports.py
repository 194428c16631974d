from .db import open_session


async def monthly_report(month: str) -> dict:
    async with open_session() as session:
        rows = await session.execute(report_query(month))
        return {"month": month, "rows": rows.all()}
