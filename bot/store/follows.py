"""Follows repository: which channels follow which shows."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.config.schema import Subscription
from bot.store.shows import ShowRepo
from bot.store.tables import Follow, GuildSettings, Show


@dataclass(frozen=True)
class NewFollow:
    guild_id: int
    channel_id: int
    show_id: int
    user_id: int | None = None


class FollowRepo:
    """Contract: a channel follows a show at most once, whether by /follow or feeds.yaml."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def follow(self, new: NewFollow) -> tuple[Follow, bool]:
        """The channel's follow of the show, created when it did not exist (then True)."""
        existing = self._get(new.channel_id, new.show_id)
        if existing is not None:
            return existing, False
        follow = Follow(
            guild_id=new.guild_id,
            channel_id=new.channel_id,
            show_id=new.show_id,
            user_id=new.user_id,
        )
        self.session.add(follow)
        self.session.flush()
        return follow, True

    def unfollow(self, channel_id: int, show_id: int) -> bool:
        """Removes the channel's follow of the show; False when there was none."""
        follow = self._get(channel_id, show_id)
        if follow is None:
            return False
        self.session.delete(follow)
        self.session.flush()
        return True

    def in_channel(self, channel_id: int) -> list[tuple[Follow, Show]]:
        """The channel's follows with their shows, by show title."""
        query = select(Follow, Show).join(Show).where(Follow.channel_id == channel_id)
        return list(self.session.exec(query.order_by(col(Show.title))).all())

    def in_guild(self, guild_id: int) -> list[tuple[Follow, Show]]:
        """The guild's follows with their shows, by channel then show title."""
        query = select(Follow, Show).join(Show).where(Follow.guild_id == guild_id)
        return list(
            self.session.exec(query.order_by(col(Follow.channel_id), col(Show.title))).all()
        )

    def of_show(self, show_id: int) -> list[Follow]:
        """Every follow of the show that has not been marked broken."""
        query = select(Follow).where(Follow.show_id == show_id, col(Follow.broken_reason).is_(None))
        return list(self.session.exec(query.order_by(col(Follow.channel_id))).all())

    def sync_subscriptions(self, subscriptions: Sequence[Subscription]) -> None:
        """Makes the feeds.yaml follows match `subscriptions`; /follow's follows are untouched.

        Shows are looked up by name, so sync the catalogue first.
        """
        shows = ShowRepo(self.session)
        wanted: dict[tuple[int, int], Subscription] = {}
        for subscription in subscriptions:
            for name in subscription.shows:
                show = shows.find(name)
                if show is not None and show.id is not None:
                    wanted[(subscription.channel, show.id)] = subscription
        for follow in self.session.exec(select(Follow).where(Follow.origin == "config")).all():
            if (follow.channel_id, follow.show_id) not in wanted:
                self.session.delete(follow)
        self.session.flush()
        for (channel_id, show_id), subscription in wanted.items():
            follow = self._get(channel_id, show_id) or Follow(
                guild_id=subscription.guild, channel_id=channel_id, show_id=show_id, origin="config"
            )
            self.session.add(follow)
            if follow.origin == "config":
                follow.alert_mode, follow.role_id = subscription.mode, subscription.role
        self.session.flush()

    def followers(self, show_ids: Sequence[int]) -> dict[int, list[tuple[Follow, str]]]:
        """The working follows of these shows, each with its alert mode (its own, else its
        guild's, else "all")."""
        if not show_ids:
            return {}
        query = (
            select(Follow, GuildSettings.alert_mode)
            .join(GuildSettings, col(GuildSettings.guild_id) == Follow.guild_id, isouter=True)
            .where(col(Follow.show_id).in_(show_ids), col(Follow.broken_reason).is_(None))
        )
        found: dict[int, list[tuple[Follow, str]]] = {}
        for follow, guild_mode in self.session.exec(query).all():
            found.setdefault(follow.show_id, []).append(
                (follow, follow.alert_mode or guild_mode or "all")
            )
        return found

    def mark_broken(self, channel_id: int, reason: str) -> int:
        """Stops delivery to a channel the bot cannot post in; returns how many follows."""
        result = self.session.execute(
            update(Follow).where(col(Follow.channel_id) == channel_id).values(broken_reason=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def forget_channel(self, channel_id: int) -> int:
        """Drops every follow of a channel (it was deleted); returns how many there were."""
        result = self.session.execute(delete(Follow).where(col(Follow.channel_id) == channel_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _get(self, channel_id: int, show_id: int) -> Follow | None:
        query = select(Follow).where(Follow.channel_id == channel_id, Follow.show_id == show_id)
        return self.session.exec(query).first()
