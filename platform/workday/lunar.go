package workday

import (
	"math"
	"time"
)

// The Vietnamese lunar calendar (âm lịch), reckoned as the package doc
// describes: months begin on the local day (UTC+7) of a new moon, month 11
// holds the December solstice, and a year of 13 months repeats the number of
// its first month without a major solar term.
//
// Positions come from the series in Jean Meeus, "Astronomical Algorithms"
// (2nd ed., 1998): chapter 49 for the instants of new moon (within 40
// seconds of an independent ephemeris from 1900 to 2150) and chapter 25's
// low-accuracy solution for the Sun's apparent longitude (about 0.01°, a
// quarter of an hour in the time of a solar term). Both are in Terrestrial
// Time, turned into Universal Time with deltaT. Only a new moon or a major
// term within that margin of local midnight can be placed on the wrong
// day; TestLunarMonthsGolden lists the one such month from 1900 to 2150.

// lunarOffset is UTC+7, in days: the meridian 105°E of the calendar.
const lunarOffset = 7.0 / 24

// meanSynodicMonth is the mean time from one new moon to the next, in days.
const meanSynodicMonth = 29.530588861

// lunarDate is a date of the Vietnamese lunar calendar. Year is the
// Gregorian year in which that lunar year's first day falls.
type lunarDate struct {
	Year, Month, Day int
	Leap             bool // the repeated (nhuận) month of that number
}

// lunarMonth is one month of a run of lunar months.
type lunarMonth struct {
	start  int // Julian Day Number of its first day
	number int // 1 to 12
	leap   bool
}

// lunarYearSupported is the range of Gregorian years for which lunar dates
// are computed at all. The series hold their accuracy over a few centuries
// around 2000; the range only keeps the arithmetic far from absurd values.
func lunarYearSupported(y int) bool { return y >= 1 && y <= 9999 }

func rad(deg float64) float64 { return deg * math.Pi / 180 }

// newMoonTT is the instant, as a Julian Ephemeris Day (TT), of new moon
// number k, counted from the new moon of 6 January 2000 (k = 0).
func newMoonTT(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85 // Julian centuries from J2000.0
	t2 := t * t
	t3 := t2 * t
	t4 := t3 * t

	jde := 2451550.09766 + meanSynodicMonth*kf + 0.00015437*t2 - 0.000000150*t3 + 0.00000000073*t4

	// Eccentricity of the Earth's orbit: scales the terms in the Sun's anomaly.
	e := 1 - 0.002516*t - 0.0000074*t2
	m := rad(2.5534 + 29.10535670*kf - 0.0000014*t2 - 0.00000011*t3)                      // Sun's mean anomaly
	mp := rad(201.5643 + 385.81693528*kf + 0.0107582*t2 + 0.00001238*t3 - 0.000000058*t4) // Moon's mean anomaly
	f := rad(160.7108 + 390.67050284*kf - 0.0016118*t2 - 0.00000227*t3 + 0.000000011*t4)  // Moon's argument of latitude
	om := rad(124.7746 - 1.56375588*kf + 0.0020672*t2 + 0.00000215*t3)                    // longitude of the ascending node

	s := math.Sin
	jde += -0.40720*s(mp) +
		0.17241*e*s(m) +
		0.01608*s(2*mp) +
		0.01039*s(2*f) +
		0.00739*e*s(mp-m) -
		0.00514*e*s(mp+m) +
		0.00208*e*e*s(2*m) -
		0.00111*s(mp-2*f) -
		0.00057*s(mp+2*f) +
		0.00056*e*s(2*mp+m) -
		0.00042*s(3*mp) +
		0.00042*e*s(m+2*f) +
		0.00038*e*s(m-2*f) -
		0.00024*e*s(2*mp-m) -
		0.00017*s(om) -
		0.00007*s(mp+2*m) +
		0.00004*s(2*mp-2*f) +
		0.00004*s(3*m) +
		0.00003*s(mp+m-2*f) +
		0.00003*s(2*mp+2*f) -
		0.00003*s(mp+m+2*f) +
		0.00003*s(mp-m+2*f) -
		0.00002*s(mp-m-2*f) -
		0.00002*s(3*mp+m) +
		0.00002*s(4*mp)

	// Perturbations by the planets, in days.
	planetary := [...]struct{ amp, a0, rate float64 }{
		{0.000325, 299.77, 0.107408}, // also -0.009173 T², below
		{0.000165, 251.88, 0.016321},
		{0.000164, 251.83, 26.651886},
		{0.000126, 349.42, 36.412478},
		{0.000110, 84.66, 18.206239},
		{0.000062, 141.74, 53.303771},
		{0.000060, 207.14, 2.453732},
		{0.000056, 154.84, 7.306860},
		{0.000047, 34.52, 27.261239},
		{0.000042, 207.19, 0.121824},
		{0.000040, 291.34, 1.844379},
		{0.000037, 161.72, 24.198154},
		{0.000035, 239.56, 25.513099},
		{0.000023, 331.55, 3.592518},
	}
	for i, p := range planetary {
		a := p.a0 + p.rate*kf
		if i == 0 {
			a -= 0.009173 * t2
		}
		jde += p.amp * s(rad(a))
	}
	return jde
}

// sunLongitude is the Sun's apparent geocentric ecliptic longitude, in
// degrees from 0 to 360, at the Julian Ephemeris Day jde (TT).
func sunLongitude(jde float64) float64 {
	t := (jde - 2451545) / 36525
	l0 := 280.46646 + 36000.76983*t + 0.0003032*t*t // mean longitude
	m := rad(357.52911 + 35999.05029*t - 0.0001537*t*t)
	c := (1.914602-0.004817*t-0.000014*t*t)*math.Sin(m) +
		(0.019993-0.000101*t)*math.Sin(2*m) +
		0.000289*math.Sin(3*m) // equation of the centre
	om := rad(125.04 - 1934.136*t)
	// Aberration and nutation in longitude.
	lambda := l0 + c - 0.00569 - 0.00478*math.Sin(om)
	lambda = math.Mod(lambda, 360)
	if lambda < 0 {
		lambda += 360
	}
	return lambda
}

// deltaT is TT − UT in seconds around the Julian Day jd: the polynomial
// fits of Espenak and Meeus from 1900 to 2150, and their long-term parabola
// outside. A minute of error here moves a new moon by a minute.
func deltaT(jd float64) float64 {
	y := 2000 + (jd-2451545)/365.25
	switch {
	case y >= 1900 && y < 1920:
		t := y - 1900
		return -2.79 + 1.494119*t - 0.0598939*t*t + 0.0061966*t*t*t - 0.000197*t*t*t*t
	case y >= 1920 && y < 1941:
		t := y - 1920
		return 21.20 + 0.84493*t - 0.076100*t*t + 0.0020936*t*t*t
	case y >= 1941 && y < 1961:
		t := y - 1950
		return 29.07 + 0.407*t - t*t/233 + t*t*t/2547
	case y >= 1961 && y < 1986:
		t := y - 1975
		return 45.45 + 1.067*t - t*t/260 - t*t*t/718
	case y >= 1986 && y < 2005:
		t := y - 2000
		return 63.86 + 0.3345*t - 0.060374*t*t + 0.0017275*t*t*t + 0.000651814*t*t*t*t + 0.00002373599*t*t*t*t*t
	case y >= 2005 && y < 2050:
		t := y - 2000
		return 62.92 + 0.32217*t + 0.005589*t*t
	case y >= 2050 && y < 2150:
		u := (y - 1820) / 100
		return -20 + 32*u*u - 0.5628*(2150-y)
	default:
		u := (y - 1820) / 100
		return -20 + 32*u*u
	}
}

// newMoonDay is the Julian Day Number of the local (UTC+7) day on which new
// moon number k falls: the first day of a lunar month.
func newMoonDay(k int) int {
	jde := newMoonTT(k)
	ut := jde - deltaT(jde)/86400
	return int(math.Floor(ut + 0.5 + lunarOffset))
}

// termAt is the index (0 to 11) of the last major solar term (trung khí:
// Sun's longitude a multiple of 30°) reached by local midnight at the start
// of day j. A lunar month holds a major term when termAt differs between
// its first day and the first day of the next month.
func termAt(j int) int {
	ut := float64(j) - 0.5 - lunarOffset
	jde := ut + deltaT(ut)/86400
	return int(sunLongitude(jde) / 30)
}

// decemberSolstice is the Julian Day Number of the local day in which the
// Sun's longitude reaches 270° in Gregorian year y.
func decemberSolstice(y int) int {
	first := Date{y, time.December, 15}.jdn()
	for j := first; j < first+15; j++ {
		if termAt(j+1) == 9 {
			return j
		}
	}
	return Date{y, time.December, 21}.jdn() // unreachable for supported years
}

// month11 is the number (as for newMoonTT) of the new moon that starts the
// lunar month holding the December solstice of Gregorian year y: month 11.
func month11(y int) int {
	s := decemberSolstice(y)
	k := int(math.Floor((float64(s) - 2451550.1) / meanSynodicMonth))
	for i := 0; i < 3 && newMoonDay(k+1) <= s; i++ {
		k++
	}
	for i := 0; i < 3 && newMoonDay(k) > s; i++ {
		k--
	}
	return k
}

// sui lists the lunar months from month 11 before lunar year y began to the
// month before the next month 11, numbered, with the leap month marked; end
// is the first day of that next month 11. The months numbered 11 and 12
// (leap or not) at its start belong to lunar year y-1, the rest to year y.
func sui(y int) (months []lunarMonth, end int) {
	from, to := month11(y-1), month11(y)
	n := to - from // 12 or 13
	starts := make([]int, n+1)
	for i := range starts {
		starts[i] = newMoonDay(from + i)
	}
	leap := -1
	if n == 13 {
		// Twelve major terms fall in thirteen months: the first month with
		// none repeats the number of the month before it.
		for i := 1; i < n; i++ {
			if termAt(starts[i]) == termAt(starts[i+1]) {
				leap = i
				break
			}
		}
	}
	months = make([]lunarMonth, n)
	number := 11
	for i := range months {
		isLeap := i == leap
		if i > 0 && !isLeap {
			number = number%12 + 1
		}
		months[i] = lunarMonth{start: starts[i], number: number, leap: isLeap}
	}
	return months, starts[n]
}

// toLunar is the lunar date of d.
func toLunar(d Date) lunarDate {
	j := d.jdn()
	sy := d.Year
	if j >= newMoonDay(month11(sy)) {
		sy++
	}
	months, _ := sui(sy)
	i := len(months) - 1
	for i > 0 && months[i].start > j {
		i--
	}
	m := months[i]
	ly := sy
	if m.number >= 11 {
		ly--
	}
	return lunarDate{Year: ly, Month: m.number, Day: j - m.start + 1, Leap: m.leap}
}

// fromLunar is the Gregorian date of l; ok is false when that date does not
// exist (day 30 of a 29-day month, a leap month the year does not have).
func fromLunar(l lunarDate) (d Date, ok bool) {
	if l.Month < 1 || l.Month > 12 || l.Day < 1 || l.Day > 30 {
		return Date{}, false
	}
	sy := l.Year
	if l.Month >= 11 {
		sy++
	}
	months, end := sui(sy)
	for i, m := range months {
		if m.number != l.Month || m.leap != l.Leap {
			continue
		}
		next := end
		if i+1 < len(months) {
			next = months[i+1].start
		}
		if m.start+l.Day-1 >= next {
			return Date{}, false
		}
		return dateOfJDN(m.start + l.Day - 1), true
	}
	return Date{}, false
}

// leapMonth is the number of the leap month of lunar year y, 0 if none.
func leapMonth(y int) int {
	for _, s := range []int{y, y + 1} {
		months, _ := sui(s)
		for _, m := range months {
			if m.leap && (s == y) == (m.number <= 10) {
				return m.number
			}
		}
	}
	return 0
}
