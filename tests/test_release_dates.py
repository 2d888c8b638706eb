"""Release dates: the value written in output, read back; windows that contain their dates."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision

dates = st.one_of(
    st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(
        lambda d: ReleaseDate(Precision.DAY, d.year, d.month, d.day)
    ),
    st.builds(
        lambda y, m: ReleaseDate(Precision.MONTH, y, m), st.integers(2000, 2099), st.integers(1, 12)
    ),
    st.builds(
        lambda y, p: ReleaseDate(Precision.SEASON, y, part=p),
        st.integers(2000, 2099),
        st.sampled_from(["spring", "summer", "fall", "winter", "early", "mid", "late"]),
    ),
    st.builds(lambda y: ReleaseDate(Precision.YEAR, y), st.integers(2000, 2099)),
    st.just(ReleaseDate.tba()),
)


@given(dates)
def test_value_round_trips(when: ReleaseDate) -> None:
    assert ReleaseDate.parse(when.value) == when


@given(dates)
def test_window_is_ordered_and_holds_its_day(when: ReleaseDate) -> None:
    window = when.window()
    if when.precision == Precision.TBA:
        assert window is None
        return
    assert window is not None and window[0] <= window[1]
    if when.precision == Precision.DAY:
        assert window[0] == date(when.year or 0, when.month or 0, when.day or 0)


def test_winter_is_named_by_the_year_it_ends_in() -> None:
    assert ReleaseDate.parse("2027-winter").window() == (date(2026, 12, 1), date(2027, 2, 28))
