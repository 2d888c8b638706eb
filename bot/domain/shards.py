"""Discord shards: which guilds a process serves when several processes share the bot."""

from dataclasses import dataclass

# Discord routes a guild to shard (guild_id >> 22) % shard_count; notices for the bot's
# operator carry guild 0 and so go to shard 0.
GUILD_SHIFT = 22


@dataclass(frozen=True)
class ShardSet:
    """The shards one process runs, out of `count`."""

    count: int
    ids: tuple[int, ...]
