"""All models, imported here so that Alembic and the app see one complete metadata."""

from models.base import Base, utcnow
from models.user import User

__all__ = ["Base", "User", "utcnow"]
