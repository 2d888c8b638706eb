"""The Discord edge: the client, slash commands, rendering and delivery. The only package
that imports discord."""
