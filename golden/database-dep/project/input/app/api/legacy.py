from fastapi import APIRouter, Depends

from ..deps import get_session

router = APIRouter()


async def count_rows(session=Depends(get_session)) -> int:
    return 0


@router.get("/legacy", dependencies=[Depends(count_rows)])
async def legacy(rows: int = Depends(count_rows), session=Depends(get_session), *extra):
    return rows
