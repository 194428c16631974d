from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint

from .database import Base


class Owner(Base):
    __tablename__ = "owners"

    id = Column(Integer, primary_key=True)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("owner_id", "title"),)

    id = Column(Integer, primary_key=True)
    owner_id = Column(ForeignKey("owners.id"), nullable=False)
    title = Column(String(80), index=True)
