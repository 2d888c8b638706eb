"""The only code that runs queries: tables, the engine, and one repository per aggregate."""

from bot.store.db import Store, make_engine, migrate

__all__ = ["Store", "make_engine", "migrate"]
