from typing import Annotated

import typing_extensions
from fastapi import Depends
from sqlalchemy.orm import Session


def provide_session():
    yield Session()


DbSession: typing_extensions.TypeAlias = Annotated[Session, Depends(provide_session)]
