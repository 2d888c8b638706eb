"""Story -> the shows it is about -> facts (event, season, date, platform) -> headline.

Pure code: no I/O, no Discord."""
