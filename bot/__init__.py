"""premiere-bot: a self-hosted Discord bot that tracks TV premieres."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/premiere-bot/premiere-bot"
