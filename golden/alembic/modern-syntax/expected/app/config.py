import os


class Settings:
    database_url: str = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./chat.db")


settings = Settings()
