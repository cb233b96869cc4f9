#!/usr/bin/env python3
"""Writes lunar_months.txt: the first day of every Vietnamese lunar month
from month 11 of 1899 to month 10 of 2150, computed from PyEphem's
ephemeris (Debian package python3-ephem) under the rules of doc.go. The
package computes the same months from its own series; TestLunarMonthsGolden
compares the two.

    python3 testdata/ephemeris_months.py > testdata/lunar_months.txt
"""
import datetime
import math

import ephem

UTC7 = 7 / 24            # the calendar's meridian, in days
DJD = 2415020            # Julian Day of ephem's day 0 (1899-12-31 12:00 UT)


def jdn(date):
    return date.toordinal() + 1721425


def date_of(j):
    return datetime.date.fromordinal(j - 1721425)


def new_moon_days(first, last):
    """Local (UTC+7) Julian Day Numbers of the new moons between two dates."""
    days, d = [], ephem.Date(first)
    while d < ephem.Date(last):
        d = ephem.next_new_moon(d)
        days.append(math.floor(float(d) + DJD + 0.5 + UTC7))
        d = ephem.Date(d + 1)
    return days


def term_at(j):
    """Index of the last major solar term reached by local midnight of day j."""
    t = j - 0.5 - UTC7 - DJD
    sun = ephem.Sun(t)
    ecl = ephem.Ecliptic(ephem.Equatorial(sun.g_ra, sun.g_dec, epoch=t), epoch=t)
    return int(math.degrees(float(ecl.lon)) % 360 // 30)


NEW_MOONS = new_moon_days('1898/10/1', '2151/3/1')


def month11(year):
    first = jdn(datetime.date(year, 12, 15))
    solstice = next(j for j in range(first, first + 15) if term_at(j + 1) == 9)
    return max(i for i, day in enumerate(NEW_MOONS) if day <= solstice)


def sui(year):
    """The months from month 11 before lunar year `year` to the next month 11."""
    a, b = month11(year - 1), month11(year)
    starts = NEW_MOONS[a:b + 1]
    leap = -1
    if b - a == 13:
        leap = next(i for i in range(1, 13) if term_at(starts[i]) == term_at(starts[i + 1]))
    number, months = 11, []
    for i in range(b - a):
        if i > 0 and i != leap:
            number = number % 12 + 1
        months.append((starts[i], number, i == leap))
    return months


for year in range(1900, 2151):
    for start, number, leap in sui(year):
        print(date_of(start), number, 'leap' if leap else '')
