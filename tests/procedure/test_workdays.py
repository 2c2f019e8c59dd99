"""Working days on the State Council's schedule, with the dates taken from the chinese-calendar package
(never typed by hand): the 2026 Spring Festival and National Day holidays and their 调休 weekends."""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from app.procedure.workdays import Calendar, year_known


def _holidays(year: int, name: str) -> list[dt.date]:
    return sorted(d for d, (on_holiday, holiday) in _details(year).items() if on_holiday and holiday == name)


def _details(year: int) -> dict:
    out = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        out[day] = (on_holiday, name)
        day += dt.timedelta(days=1)
    return out


def _adjusted_workdays(year: int, name: str) -> list[dt.date]:
    """调休: weekend days that are working days because of the named holiday."""
    return sorted(d for d, (on_holiday, holiday) in _details(year).items()
                  if d.weekday() >= 5 and not on_holiday and holiday == name)


def _enumerate(event: dt.date, n: int) -> dt.date:
    """An independent count straight from the package's predicate."""
    day, seen = event, 0
    while seen < n:
        day += dt.timedelta(days=1)
        seen += chinese_calendar.is_workday(day)
    return day


@pytest.mark.parametrize("name", [chinese_calendar.Holiday.spring_festival.value,
                                  chinese_calendar.Holiday.national_day.value])
def test_clock_across_the_2026_holidays(name):
    cal = Calendar()
    holidays = _holidays(2026, name)
    adjusted = _adjusted_workdays(2026, name)
    assert holidays and adjusted, "the package knows 2026"
    first, last = holidays[0], holidays[-1]
    event = first - dt.timedelta(days=1)
    due = cal.add_workdays(event, 7)
    assert due == _enumerate(event, 7)
    # no holiday counted; the period runs past the holiday
    assert due > last
    days = [event + dt.timedelta(days=i) for i in range(1, (due - event).days + 1)]
    counted = [d for d in days if cal.is_workday(d)]
    assert len(counted) == 7 and not set(counted) & set(holidays)
    # a 调休 weekend counts as a working day, inside the period when it falls there
    for sat in adjusted:
        assert cal.is_workday(sat)
        if event < sat <= due:
            assert sat in counted
    assert any(event < sat <= due for sat in adjusted) or name == chinese_calendar.Holiday.national_day.value


def test_adjusted_weekend_inside_a_period_shortens_it():
    cal = Calendar()
    sat = _adjusted_workdays(2026, chinese_calendar.Holiday.spring_festival.value)[0]
    # the day before the 调休 Saturday: the Saturday itself is the first working day of the period
    assert cal.add_workdays(sat - dt.timedelta(days=1), 1) == sat
    assert sat.weekday() >= 5


def test_the_event_day_never_counts_and_weekends_skip():
    cal = Calendar()
    monday = dt.date(2026, 3, 9)
    assert cal.is_workday(monday)
    assert cal.add_workdays(monday, 1) == dt.date(2026, 3, 10)
    assert cal.add_workdays(dt.date(2026, 3, 13), 1) == dt.date(2026, 3, 16)  # Friday → Monday
    with pytest.raises(ValueError):
        cal.add_workdays(monday, 0)


def test_extra_holidays_from_configuration():
    day = dt.date(2026, 3, 10)
    assert Calendar().add_workdays(dt.date(2026, 3, 9), 1) == day
    cal = Calendar(extra_holidays=[day])
    assert not cal.is_workday(day)
    assert cal.add_workdays(dt.date(2026, 3, 9), 1) == dt.date(2026, 3, 11)
    sunday = dt.date(2026, 3, 15)
    assert Calendar(extra_workdays=[sunday]).is_workday(sunday)


def test_unknown_year_falls_back_to_monday_to_friday():
    year = 2090
    assert not year_known(year)
    cal = Calendar()
    friday = dt.date(year, 1, 6)
    assert friday.weekday() == 4
    assert cal.add_workdays(friday, 1) == dt.date(year, 1, 9)  # Monday, holidays unknown
    assert year in cal.fallback_used


def test_admin_sees_the_calendar_warning(app, client, staff):
    from app.procedure import clocks
    from tests.support import console_login
    with app.app_context():
        assert clocks.calendar_warnings(dt.date(2026, 3, 1)) == []
        warnings = clocks.calendar_warnings(dt.date(2089, 6, 1))
        assert warnings and "2089" in warnings[0] and "周一至周五" in warnings[0]
        clocks.calendar().fallback_used.add(2091)  # a clock has fallen back: the admin is told
    console_login(client, "admin1")
    page = client.get("/console/").get_data(as_text=True)
    assert "2091" in page and "工作日历" in page
    console_login(client, "duty1")
    assert "工作日历" not in client.get("/console/").get_data(as_text=True)


def test_the_docs_worked_example():
    """docs/procedure.md's worked example, recomputed (if the package's schedule changes, the docs must too)."""
    p = Calendar().periods
    assert p.due("calendar", dt.date(2025, 9, 26), 7) == dt.date(2025, 10, 9)
    assert p.due("workdays", dt.date(2025, 9, 26), 7) == dt.date(2025, 10, 13)
    assert p.used_before("calendar", dt.date(2025, 9, 26), dt.date(2025, 9, 29)) == 2
    assert p.due("calendar", dt.date(2025, 9, 29), 10) == dt.date(2025, 10, 9)
    assert p.resumed_due("calendar", dt.date(2025, 10, 10), 5) == dt.date(2025, 10, 15)
    assert p.due("calendar", dt.date(2025, 10, 13), 3) == dt.date(2025, 10, 16)
    assert p.due("calendar", dt.date(2025, 10, 13), 30) == dt.date(2025, 11, 12)
    assert p.due("calendar", dt.date(2025, 10, 13), 5) == dt.date(2025, 10, 20)
