import httpx
import litellm

_CLIENT: httpx.AsyncClient | None = None


def install_shared_client() -> httpx.AsyncClient:
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = httpx.AsyncClient(timeout=300.0)
        litellm.aclient_session = _CLIENT  # every OpenAI-compatible provider goes through it
    return _CLIENT


async def close_shared_client() -> None:
    global _CLIENT
    litellm.aclient_session = None
    if _CLIENT is not None:
        await _CLIENT.aclose()
    _CLIENT = None
