import os


class Settings:
    database_url: str = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./app.db")


settings = Settings()
