"""The parsing workers' fork server (bot/feeds/parsing_pool.py) imports this module as it
starts, before it forks any worker: multiprocessing's only hook into that process.

Importing it moves the server, and so every worker it forks, out of the bot's process
group. A signal sent to the whole group (Ctrl-C in a terminal, a service manager stopping
the bot, `kill -- -PGID`) then reaches the bot alone, which shuts the pool down: each worker
finishes the parse it has begun and sends it back. Killed by such a signal, a worker could
die halfway through sending a parsed feed; the pool's thread in the bot then waited for the
rest of that message for ever, and the poll never ended (two runs in six, stopping a first
poll of 200 feeds with SIGTERM to its group). Outside the group the workers still end with
the bot (`_exit_with` in parsing_pool.py), and the server once the bot's end of its pipe
closes, as multiprocessing has it.
"""

import contextlib
import os

from bot.feeds import parse  # noqa: F401  (what the workers run, imported once for them all)

with contextlib.suppress(PermissionError):  # a session leader already: no group to leave
    os.setpgrp()
