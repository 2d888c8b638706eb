"""Feeds: fetch over HTTP, parse with feedparser, poll one cycle into the story store."""
