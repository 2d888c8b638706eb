"""Shows repository: the catalogue the classifier matches and /follow offers."""

from collections.abc import Sequence

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from bot.config.schema import ShowConfig
from bot.domain.names import title_key
from bot.store.tables import Follow, Release, Show, ShowAlias

CONFIG, DISCORD, RETIRED = "config", "discord", "retired"


# bot/store/polls.py asks the same in SQL when it marks stories read with no show to find.
_IN_CATALOGUE = or_(col(Show.origin) != RETIRED, col(Show.id).in_(select(Follow.show_id)))


class ShowRepo:
    """Contract: a name (title or alias, in any spelling that folds alike) names one show."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, name: str) -> Show | None:
        """The show that `name` is the title or an alias of."""
        key = title_key(name)
        show = self.session.exec(select(Show).where(Show.title_key == key)).first()
        if show is not None:
            return show
        query = select(Show).join(ShowAlias).where(ShowAlias.alias_key == key)
        return self.session.exec(query).first()

    def add(self, title: str) -> tuple[Show, bool]:
        """The show called `title`, created (origin discord) when no show has that name."""
        show = self.find(title)
        if show is not None:
            if show.origin == RETIRED:
                show.origin = DISCORD
            return show, False
        show = Show(title=title.strip(), title_key=title_key(title), origin=DISCORD)
        self.session.add(show)
        self.session.flush()
        return show, True

    def sync_catalogue(self, shows: Sequence[ShowConfig]) -> None:
        """Makes the feeds.yaml shows and their aliases match `shows`.

        A show dropped from feeds.yaml is kept (follows and releases point at it) but retired
        from the catalogue. A show someone added with /follow under a name that feeds.yaml
        now gives to a show is merged into that show, keeping its follows and releases.
        """
        wanted = {title_key(s.title) for s in shows}
        for show in self.session.exec(select(Show).where(Show.origin == CONFIG)).all():
            if show.title_key not in wanted:
                show.origin = RETIRED
        for entry in shows:
            key = title_key(entry.title)
            aliases = {title_key(a): a for a in entry.aliases if title_key(a) != key}
            # feeds.yaml is the authority on names: whoever held these names before lets go.
            held = col(ShowAlias.alias_key).in_([key, *aliases])
            self.session.execute(delete(ShowAlias).where(held))
            found = self.session.exec(select(Show).where(Show.title_key == key)).first()
            show = found or Show(title=entry.title, title_key=key)
            self.session.add(show)
            show.title, show.year, show.network = entry.title, entry.year, entry.network
            show.origin = CONFIG
            self.session.flush()
            for alias_key in aliases:
                self._merge_named(alias_key, into=show)
            self.session.execute(delete(ShowAlias).where(col(ShowAlias.show_id) == show.id))
            assert show.id is not None
            self.session.add_all(
                ShowAlias(show_id=show.id, alias=alias, alias_key=alias_key)
                for alias_key, alias in aliases.items()
            )
            self.session.flush()

    def catalogue(self) -> list[tuple[Show, list[str]]]:
        """The shows stories are matched against (feeds.yaml and /follow), with their aliases."""
        query = select(Show).where(_IN_CATALOGUE)
        shows = self.session.exec(query.order_by(col(Show.title))).all()
        aliases: dict[int, list[str]] = {}
        for alias in self.session.exec(select(ShowAlias).order_by(col(ShowAlias.id))).all():
            aliases.setdefault(alias.show_id, []).append(alias.alias)
        return [(show, aliases.get(show.id or 0, [])) for show in shows]

    def _merge_named(self, key: str, into: Show) -> None:
        """Merges the non-feeds.yaml show titled `key` into `into`, if there is one."""
        other = self.session.exec(select(Show).where(Show.title_key == key)).first()
        if other is None or other.origin == CONFIG:
            return
        channels = set(
            self.session.exec(select(Follow.channel_id).where(Follow.show_id == into.id))
        )
        for follow in self.session.exec(select(Follow).where(Follow.show_id == other.id)).all():
            if follow.channel_id in channels:
                self.session.delete(follow)
            else:
                follow.show_id = into.id  # type: ignore[assignment]
        slots = set(
            self.session.exec(
                select(Release.season, Release.kind).where(Release.show_id == into.id)
            )
        )
        for release in self.session.exec(select(Release).where(Release.show_id == other.id)).all():
            if (release.season, release.kind) in slots:
                self.session.delete(release)
            else:
                release.show_id = into.id  # type: ignore[assignment]
        self.session.flush()
        self.session.delete(other)
        self.session.flush()
