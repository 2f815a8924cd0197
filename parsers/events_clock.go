package parsers

// eventClock turns the zone-less civil stamps of one input (nginx error,
// Apache error, PHP-FPM, syslog, dmesg -T) into Unix seconds in the input's
// zone, with the shared clock.go helpers, and tracks the year of yearless
// syslog stamps.
type eventClock struct {
	zone    zoneCache
	year    int // year of yearless stamps; moves on when the month wraps
	lastMon int
}

func newEventClock(opts EventOptions) eventClock {
	y := opts.Year
	if !validYear(y) {
		y = 1970 // the caller did not say; keep instants in range
	}
	return eventClock{zone: newZoneCache(opts.Loc), year: y}
}

// unix returns the Unix seconds of a civil second in the clock's zone. The
// caller has checked the field ranges.
func (c *eventClock) unix(y, mo, d, h, mi, s int) int64 {
	return c.zone.unix(civilToUnix(y, mo, d, h, mi, s))
}

// yearOf returns the year of a yearless stamp in month mo: the configured
// year, moved on by one each time the month wraps from December to January
// (a drop of more than six months between consecutive stamps).
func (c *eventClock) yearOf(mo int) int {
	if c.lastMon != 0 && mo+6 < c.lastMon {
		c.year++
	}
	c.lastMon = mo
	return c.year
}

// validCivil reports whether the fields of a civil time are in range.
func validCivil(mo, d, h, mi, s int) bool {
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 61
}

// evDigits returns the value of the n decimal digits at b[i:], or -1 when
// b is too short or holds a non-digit there.
func evDigits(b []byte, i, n int) int {
	if i < 0 || i+n > len(b) {
		return -1
	}
	v, ok := atoiFixed(b[i : i+n])
	if !ok {
		return -1
	}
	return v
}

// evDigitsSp is evDigits for a two-digit field that may be space-padded
// (" 9"), as syslog days and MariaDB hours are.
func evDigitsSp(b []byte, i int) int {
	if i >= 0 && i+2 <= len(b) && b[i] == ' ' {
		return evDigits(b, i+1, 1)
	}
	return evDigits(b, i, 2)
}

// evMonth returns 1–12 for the English month abbreviation at b[i:i+3], 0
// when there is none.
func evMonth(b []byte, i int) int {
	if i < 0 || i+3 > len(b) {
		return 0
	}
	return monthIndex(b[i : i+3])
}

// evUint parses the run of decimal digits at the start of b: its value and
// length (0 when b does not start with a digit). It stops before overflow.
func evUint(b []byte) (int64, int) {
	var v int64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && i < 18 {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	return v, i
}

// evFrac parses the digits after a decimal point as nanoseconds: ".5" is
// 500ms; digits past the ninth are ignored. It returns the value and the
// number of bytes read.
func evFrac(b []byte) (int64, int) {
	var v int64
	i := 0
	scale := int64(100_000_000)
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v += int64(b[i]-'0') * scale
		scale /= 10
		i++
	}
	return v, i
}

// validYear reports whether a logged year is plausible and its instant fits
// in int64 nanoseconds.
func validYear(y int) bool { return y >= 1970 && y <= 2200 }
