"""Persistence: SQLAlchemy models, repositories, the unit of work, encryption and migrations."""
