"""Tables and queries of the conversations API."""

from sqlalchemy import Select, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str]


def select_messages(conversation_id: int, limit: int) -> Select:
    return select(Conversation).where(Conversation.id == conversation_id).limit(limit)
