"""Slash-command cogs: thin, they parse, call the core, render and reply."""
