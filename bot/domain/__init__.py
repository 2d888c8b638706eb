"""The pure core: no I/O, no Discord. Everything here is a function of data."""
