package parsers

import "time"

// Timestamp helpers shared by every parser in the package. They turn the
// digits of a logged stamp into an instant without the time package on the
// hot path: civilToUnix does the calendar arithmetic, stampCache remembers
// the last stamp (thousands of lines share a second), and zoneCache turns a
// local wall time into an instant with one time.Date call per wall hour.

// civilToUnix returns the Unix seconds of the given UTC civil time in the
// proleptic Gregorian calendar. Fields are not range-checked; month is 1..12.
// It is Howard Hinnant's days_from_civil, with no time package and no
// allocation.
func civilToUnix(year, month, day, hour, min, sec int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	var era int64
	if y >= 0 {
		era = y / 400
	} else {
		era = (y - 399) / 400
	}
	yoe := y - era*400 // [0, 399]
	m := int64(month)
	var mp int64
	if m > 2 {
		mp = m - 3
	} else {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + int64(day) - 1   // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	days := era*146097 + doe - 719468
	return days*86400 + int64(hour)*3600 + int64(min)*60 + int64(sec)
}

// monthIndex returns 1..12 for a three-letter English month abbreviation
// ("Jan", "jan" and "JAN" alike) at the start of b, 0 when there is none.
func monthIndex(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	// Lowercase the three letters into one word; non-letters cannot match.
	k := uint32(b[0]|0x20)<<16 | uint32(b[1]|0x20)<<8 | uint32(b[2]|0x20)
	switch k {
	case 'j'<<16 | 'a'<<8 | 'n':
		return 1
	case 'f'<<16 | 'e'<<8 | 'b':
		return 2
	case 'm'<<16 | 'a'<<8 | 'r':
		return 3
	case 'a'<<16 | 'p'<<8 | 'r':
		return 4
	case 'm'<<16 | 'a'<<8 | 'y':
		return 5
	case 'j'<<16 | 'u'<<8 | 'n':
		return 6
	case 'j'<<16 | 'u'<<8 | 'l':
		return 7
	case 'a'<<16 | 'u'<<8 | 'g':
		return 8
	case 's'<<16 | 'e'<<8 | 'p':
		return 9
	case 'o'<<16 | 'c'<<8 | 't':
		return 10
	case 'n'<<16 | 'o'<<8 | 'v':
		return 11
	case 'd'<<16 | 'e'<<8 | 'c':
		return 12
	}
	return 0
}

// atoiFixed parses b, a non-empty run of ASCII digits of at most 18 digits,
// as a decimal number. ok is false when b is empty, too long or holds any
// other byte (no sign, no spaces).
func atoiFixed(b []byte) (n int, ok bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	for _, c := range b {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int(d)
	}
	return n, true
}

// stampKeyMax is the longest stamp stampCache remembers; longer stamps are
// always parsed.
const stampKeyMax = 48

// stampCache remembers the last stamp bytes and the instant they stand for,
// so a run of lines logged in the same second parses its stamp once. The
// zero value is an empty cache. It is not safe for concurrent use: each
// parser owns one.
type stampCache struct {
	n   int // length of key in use; 0 = empty
	key [stampKeyMax]byte
	val int64
}

// get returns the cached instant for stamp b and true when b equals the last
// stamp put.
func (c *stampCache) get(b []byte) (int64, bool) {
	if c.n == 0 || len(b) != c.n {
		return 0, false
	}
	if string(c.key[:c.n]) != string(b) {
		return 0, false
	}
	return c.val, true
}

// put remembers that stamp b stands for v. Stamps that are empty or longer
// than stampKeyMax are not cached.
func (c *stampCache) put(b []byte, v int64) {
	if len(b) == 0 || len(b) > stampKeyMax {
		c.n = 0
		return
	}
	c.n = copy(c.key[:], b)
	c.val = v
}

// zoneCache turns local wall times of one zone into Unix seconds. It keeps
// the zone offset of the last wall-clock hour it resolved; a hit is one
// comparison and one subtraction. On a miss it calls time.Date for the start
// and the end of that wall hour and caches the offset only when both agree,
// so the hour of a DST change (a skipped or repeated wall hour, or a zone
// that shifts on the half hour) is resolved by time.Date for every stamp in
// it: a wall time that does not exist is normalised as time.Date does, and a
// repeated one resolves as time.Date does.
//
// The zero value treats wall times as UTC. Not safe for concurrent use.
type zoneCache struct {
	loc  *time.Location
	hour int64 // wall seconds / 3600 of the cached hour
	off  int64 // seconds east of UTC during that hour
	ok   bool
}

// newZoneCache returns a cache for loc; nil means UTC.
func newZoneCache(loc *time.Location) zoneCache {
	if loc == time.UTC {
		loc = nil
	}
	return zoneCache{loc: loc}
}

// unix returns the Unix seconds of wall, a local time in the cache's zone
// given as civilToUnix of its fields (seconds since 1970-01-01 00:00:00 on
// the wall clock).
func (z *zoneCache) unix(wall int64) int64 {
	if z.loc == nil {
		return wall
	}
	h := floorDiv(wall, 3600)
	if z.ok && h == z.hour {
		return wall - z.off
	}
	start := wallOffset(h*3600, z.loc)
	end := wallOffset(h*3600+3599, z.loc)
	if start == end {
		z.hour, z.off, z.ok = h, start, true
		return wall - start
	}
	return wall - wallOffset(wall, z.loc)
}

// wallOffset returns the offset east of UTC that time.Date applies to the
// wall time wall in loc, such that the instant is wall - offset.
func wallOffset(wall int64, loc *time.Location) int64 {
	u := time.Unix(wall, 0).UTC()
	t := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, loc)
	return wall - t.Unix()
}

// floorDiv is a / b rounded towards negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// parseOffset parses a numeric zone offset "+hhmm", "-hhmm", "+hh:mm" or
// "Z" and returns it in seconds east of UTC.
func parseOffset(b []byte) (int64, bool) {
	if len(b) == 1 && (b[0] == 'Z' || b[0] == 'z') {
		return 0, true
	}
	if len(b) != 5 && len(b) != 6 {
		return 0, false
	}
	var sign int64
	switch b[0] {
	case '+':
		sign = 1
	case '-':
		sign = -1
	default:
		return 0, false
	}
	hh, ok1 := atoiFixed(b[1:3])
	mmb := b[3:5]
	if len(b) == 6 {
		if b[3] != ':' {
			return 0, false
		}
		mmb = b[4:6]
	}
	mm, ok2 := atoiFixed(mmb)
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	return sign * int64(hh*3600+mm*60), true
}
