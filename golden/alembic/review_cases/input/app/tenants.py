from fastapi import APIRouter, Depends
from sqlalchemy import create_engine

from app.database import Base

router = APIRouter()


def tenant_engine(tenant: str):
    engine = create_engine(f"sqlite:///./{tenant}.db")
    Base.metadata.create_all(bind=engine)
    return engine


@router.post("/tenants/{tenant}")
def create_tenant(tenant: str) -> dict[str, str]:
    Base.metadata.create_all(bind=create_engine(f"sqlite:///./{tenant}.db"))
    return {"tenant": tenant}


@router.get("/tenants/{tenant}/ping")
def ping(engine=Depends(tenant_engine)) -> dict[str, bool]:
    return {"ok": True}
