"""The only code that runs queries: tables, the engine, and one repository per aggregate.

Nothing is imported here: `poll --once` loads the polls repository alone, without
SQLAlchemy (see polls.py)."""
