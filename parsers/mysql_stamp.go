package parsers

// Timestamp shapes of the MySQL and MariaDB error log (domain.md A.5, A.8).
// One line of the error log starts a record when it begins with one of them;
// every other line continues the record before it.

// mysqlStampShape names the stamp a MySQL error-log line begins with.
type mysqlStampShape uint8

const (
	stampNone mysqlStampShape = iota
	// stampYYMMDD is MySQL ≤5.5 / MariaDB ≤10.0 and every MariaDB crash
	// line: "080721  3:04:00" (space-padded hour) or "080721 03:03:57"
	// (mysqld_safe). Local time.
	stampYYMMDD
	// stampDateSpace is MySQL 5.6 and MariaDB 10.1+: "2015-10-07 06:09:42",
	// "2023-10-22  0:00:35". Local time, unless the docker entrypoint's
	// "+00:00" follows.
	stampDateSpace
	// stampISO is MySQL 5.7+: "2021-04-21T10:48:54.682734Z", "…+08:00", or
	// without a zone (local).
	stampISO
	// stampTimeOnly is the MySQL 5.7 / early 8.0 crash line
	// "06:08:23 UTC - mysqld got signal 11 ;": UTC, no date.
	stampTimeOnly
)

// mysqlStamp is a parsed stamp: civil fields, fraction and zone.
type mysqlStamp struct {
	shape              mysqlStampShape
	y, mo, d, h, mi, s int
	nsec               int64
	hasOff             bool  // an explicit offset ("Z", "+08:00") was given
	off                int64 // seconds east of UTC when hasOff
	padded             bool  // the hour was space-padded ("  9:05:01")
}

// parseMySQLStamp parses the stamp at the start of b and returns it with the
// rest of the line after it (not trimmed). ok is false when b does not begin
// with a MySQL error-log stamp.
func parseMySQLStamp(b []byte) (st mysqlStamp, rest []byte, ok bool) {
	if len(b) < 8 || b[0] < '0' || b[0] > '9' {
		return st, nil, false
	}
	// "YYYY-MM-DD"
	if len(b) >= 19 && b[4] == '-' && b[7] == '-' {
		return parseMySQLDateStamp(b)
	}
	// "YYMMDD H:MM:SS" / "YYMMDD HH:MM:SS"
	if len(b) >= 15 && b[6] == ' ' {
		yy, mo, d := evDigits(b, 0, 2), evDigits(b, 2, 2), evDigits(b, 4, 2)
		h := evDigitsSp(b, 7)
		if yy < 0 || mo < 0 || d < 0 || h < 0 || b[9] != ':' || b[12] != ':' {
			return st, nil, false
		}
		mi, s := evDigits(b, 10, 2), evDigits(b, 13, 2)
		if mi < 0 || s < 0 || !myValidCivil(mo, d, h, mi, s) {
			return st, nil, false
		}
		// Two-digit years: MySQL's own logs begin in the 2000s.
		st = mysqlStamp{shape: stampYYMMDD, y: 2000 + yy, mo: mo, d: d, h: h, mi: mi, s: s, padded: b[7] == ' '}
		return st, b[15:], true
	}
	// "HH:MM:SS UTC - mysqld got signal"
	if b[2] == ':' && b[5] == ':' && len(b) >= 12 && string(b[8:12]) == " UTC" {
		h, mi, s := evDigits(b, 0, 2), evDigits(b, 3, 2), evDigits(b, 6, 2)
		if h < 0 || mi < 0 || s < 0 || !myValidCivil(1, 1, h, mi, s) {
			return st, nil, false
		}
		st = mysqlStamp{shape: stampTimeOnly, h: h, mi: mi, s: s, hasOff: true}
		return st, b[8:], true
	}
	return st, nil, false
}

// parseMySQLDateStamp parses a stamp starting "YYYY-MM-DD" followed by 'T'
// or one space and a possibly space-padded hour.
func parseMySQLDateStamp(b []byte) (st mysqlStamp, rest []byte, ok bool) {
	y, mo, d := evDigits(b, 0, 4), evDigits(b, 5, 2), evDigits(b, 8, 2)
	if y < 0 || mo < 0 || d < 0 {
		return st, nil, false
	}
	var h int
	switch b[10] {
	case 'T':
		st.shape = stampISO
		h = evDigits(b, 11, 2)
	case ' ':
		st.shape = stampDateSpace
		h = evDigitsSp(b, 11)
		st.padded = b[11] == ' '
	default:
		return st, nil, false
	}
	if h < 0 || b[13] != ':' || b[16] != ':' {
		return st, nil, false
	}
	mi, s := evDigits(b, 14, 2), evDigits(b, 17, 2)
	if mi < 0 || s < 0 || !myValidCivil(mo, d, h, mi, s) {
		return st, nil, false
	}
	st.y, st.mo, st.d, st.h, st.mi, st.s = y, mo, d, h, mi, s
	i := 19
	if i < len(b) && b[i] == '.' {
		ns, n := evFrac(b[i+1:])
		st.nsec = ns
		i += 1 + n
	}
	if i < len(b) {
		switch c := b[i]; {
		case c == 'Z':
			st.hasOff = true
			i++
		case (c == '+' || c == '-') && i+6 <= len(b) && b[i+3] == ':':
			if off, ok := parseOffset(b[i : i+6]); ok {
				st.hasOff, st.off = true, off
				i += 6
			}
		case (c == '+' || c == '-') && i+5 <= len(b):
			if off, ok := parseOffset(b[i : i+5]); ok {
				st.hasOff, st.off = true, off
				i += 5
			}
		}
	}
	return st, b[i:], true
}

// mysqlDayAnchor is the last stamped instant seen, for time-only crash lines.
type mysqlDayAnchor struct {
	unix int64 // Unix seconds of the last stamped line; valid when set
	set  bool
}

// timeOnlyUnix returns the instant of a "HH:MM:SS UTC" crash stamp: the UTC
// day of the previous stamped line, moved to the next day when the clock
// went backwards by more than an hour (midnight passed). ok is false when no
// stamped line came before.
func (a mysqlDayAnchor) timeOnlyUnix(st mysqlStamp) (int64, bool) {
	if !a.set {
		return 0, false
	}
	day := floorDiv(a.unix, 86400) * 86400
	t := day + int64(st.h*3600+st.mi*60+st.s)
	if t < a.unix-3600 {
		t += 86400
	}
	return t, true
}

// Digits are read with evDigits / evDigitsSp (events_clock.go), dates with
// clock.go's civilToUnix, atoiFixed, zoneCache and parseOffset.

// myValidCivil reports whether civil fields are in range.
func myValidCivil(mo, d, h, mi, s int) bool {
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 61
}

// myLevel maps a MySQL label (Note, Warning, ERROR, System, Error) to a
// Level: System and Note are informational.
func myLevel(b []byte) (Level, bool) {
	switch string(b) {
	case "Note", "NOTE", "note", "System", "SYSTEM", "Info", "INFO":
		return LevelInfo, true
	case "Warning", "WARNING", "Warn", "warning":
		return LevelWarning, true
	case "ERROR", "Error", "error":
		return LevelError, true
	}
	return LevelUnknown, false
}
