"""The command line's commands, one module each (bot/__main__.py parses the line)."""
