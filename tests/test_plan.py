"""Which posts a story makes, for whom, and under which dedupe key."""

from datetime import UTC, datetime, time, timedelta

from bot.discord_app.render import when
from bot.domain.airtime import AirTime
from bot.domain.dates import ReleaseDate
from bot.domain.release import AlertMode
from bot.notify.plan import FactNews, Follower, StoryNews, alert_posts, change_posts, date_fields

SEEN = datetime(2026, 11, 24, 12, tzinfo=UTC)
PICARD = FactNews("Star Trek: Picard", "Picard S2 returns Mar 3 on Paramount+", "return", 2,
                  ReleaseDate.parse("2027-03-03"), "Paramount+")  # fmt: skip


def news(facts: list[FactNews], *, fingerprint: str = "f" * 64, backlog: bool = False,
         title: str = "Picard returns") -> StoryNews:  # fmt: skip
    return StoryNews(1, title, "https://x/1", "Summary " * 80, "TVLine", SEEN - timedelta(hours=1),
                     SEEN, backlog, fingerprint, {7: facts})  # fmt: skip


def follower(channel: int, *, since: datetime = SEEN - timedelta(days=1),
             mode: AlertMode = AlertMode.ALL) -> Follower:  # fmt: skip
    return Follower(1, channel, since, mode)


def test_each_following_channel_gets_one_alert() -> None:
    posts = alert_posts(news([PICARD]), {7: [follower(10), follower(11)]})
    assert [p.channel_id for p in posts] == [10, 11]
    payload = posts[0].payload
    assert payload["headline"] == "Picard S2 returns Mar 3 on Paramount+"
    assert (payload["title"], payload["url"], payload["source"]) == (
        "Picard returns",
        "https://x/1",
        "TVLine",
    )
    assert payload["date"]["timestamp"] == int(datetime(2027, 3, 3, 12, tzinfo=UTC).timestamp())
    assert len(payload["excerpt"]) <= 280 and payload["excerpt"].endswith("…")


def test_the_same_fact_from_another_site_has_the_same_key() -> None:
    first = alert_posts(news([PICARD], fingerprint="a" * 64), {7: [follower(10)]})
    second = alert_posts(news([PICARD], fingerprint="b" * 64), {7: [follower(10)]})
    assert first[0].dedupe_key == second[0].dedupe_key == "alert:10:fact:7:return:2:2027-03-03"


def test_factless_stories_cluster_by_fingerprint() -> None:
    [post] = alert_posts(news([], fingerprint="c" * 64), {7: [follower(10)]})
    assert post.dedupe_key == f"alert:10:story:{'c' * 32}" and "date" not in post.payload


def test_who_is_not_told() -> None:
    assert alert_posts(news([PICARD], backlog=True), {7: [follower(10)]}) == []
    assert alert_posts(news([PICARD]), {7: [follower(10, since=SEEN + timedelta(minutes=1))]}) == []
    assert alert_posts(news([]), {7: [follower(10, mode=AlertMode.DATES)]}) == []
    assert len(alert_posts(news([PICARD]), {7: [follower(10, mode=AlertMode.DATES)]})) == 1


def test_date_change_post() -> None:
    [post] = change_posts("Star Trek: Picard", "Picard S2 moves to Mar 10 on Paramount+", 3, 9,
                          ReleaseDate.parse("2027-03-03"), ReleaseDate.parse("2027-03-10"),
                          [follower(10)])  # fmt: skip
    assert post.dedupe_key == "change:10:3:9"
    assert post.payload["headline"] == "Picard S2 moves to Mar 10 on Paramount+ (was Mar 3)"


def test_dates_are_timestamps_when_exact_and_words_otherwise() -> None:
    assert set(date_fields(ReleaseDate.parse("2026-12-25"))) == {"value", "precision", "timestamp"}
    assert date_fields(ReleaseDate.parse("2026-fall"))["text"] == "Fall 2026"
    assert date_fields(ReleaseDate.parse("2027-03"))["text"] == "March"
    assert date_fields(ReleaseDate.tba())["text"] == "TBA"


def test_an_air_time_in_a_zone_is_the_moment_it_airs() -> None:
    day = ReleaseDate.parse("2027-03-03")
    zoned = date_fields(day, AirTime(time(21), "America/New_York"))
    # 9 p.m. in New York on 3 March is 02:00 UTC on the 4th.
    assert zoned["timestamp"] == int(datetime(2027, 3, 4, 2, tzinfo=UTC).timestamp())
    assert (zoned["timed"], zoned["time"], zoned["value"]) == (True, "9 p.m. ET", "2027-03-03")
    assert when(zoned) == f"<t:{zoned['timestamp']}:F> (<t:{zoned['timestamp']}:R>)"
    # Without a zone the day stays a day and the time goes along as words.
    plain = date_fields(day, AirTime(time(20, 30), None))
    assert plain["timestamp"] == date_fields(day)["timestamp"] and "timed" not in plain
    assert when(plain) == f"<t:{plain['timestamp']}:D> at 8:30 p.m. (<t:{plain['timestamp']}:R>)"
