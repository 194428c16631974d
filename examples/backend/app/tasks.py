"""Background jobs. They run outside a request, so they open their own unit of work."""

from sqlalchemy import select

from app.database import get_db_session_context
from app.models import Item, Project


async def enrich_project(project_id: int) -> None:
    """Describe the items that have no description yet, then summarise the project."""
    from app.services import llm  # the LLM SDKs are only needed where jobs run

    db_context = get_db_session_context()
    db = await anext(db_context)
    try:
        project = await db.get(Project, project_id)
        if project is None:
            return
        items = (await db.scalars(select(Item).where(Item.project_id == project_id).order_by(Item.id))).all()
        for item in items:
            if item.description is None:
                item.description = await llm.describe_item(item.name)
        project.summary = await llm.summarize([item.description for item in items])
        await db.commit()
    except Exception:
        raise
