package parsers

// Timestamp fields of access logs, parsed by position into Unix nanoseconds.
// Callers cache the result per stamp (stampCache), so these run once per
// second of log, not once per line.

// digits2 parses two ASCII digits.
func digits2(b []byte) (int, bool) {
	a, c := b[0]-'0', b[1]-'0'
	if a > 9 || c > 9 {
		return 0, false
	}
	return int(a)*10 + int(c), true
}

// fracNanos parses the digits of a fraction of a second at b[i:] and
// returns nanoseconds and the index after the digits.
func fracNanos(b []byte, i int) (int64, int) {
	var ns int64
	scale := int64(100000000)
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		ns += int64(b[i]-'0') * scale
		scale /= 10
	}
	return ns, i
}

// validClock reports whether the civil fields are in range (second 60 is a
// leap second). Years are limited to 1970..2200 so that nanoseconds fit an
// int64 and a garbled stamp is refused rather than placed in year 9999.
func validClock(year, mon, day, hh, mm, ss int) bool {
	return year >= 1970 && year <= 2200 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hh <= 23 && mm <= 59 && ss <= 60
}

// maxEpochSeconds is 2200-01-01T00:00:00Z, the last Unix second accepted.
const maxEpochSeconds = 7258118400

// parseCLFTime parses the common log format stamp "10/Oct/2000:13:55:36 -0700"
// (optionally with a fraction after the seconds) into Unix nanoseconds.
func parseCLFTime(b []byte) (int64, bool) {
	if len(b) < 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' {
		return 0, false
	}
	day, ok1 := digits2(b[0:2])
	mon := monthIndex(b[3:6])
	y1, ok2 := digits2(b[7:9])
	y2, ok3 := digits2(b[9:11])
	hh, ok4 := digits2(b[12:14])
	mm, ok5 := digits2(b[15:17])
	ss, ok6 := digits2(b[18:20])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !validClock(y1*100+y2, mon, day, hh, mm, ss) {
		return 0, false
	}
	i := 20
	var ns int64
	if b[i] == '.' {
		ns, i = fracNanos(b, i+1)
	}
	if i >= len(b) || b[i] != ' ' {
		return 0, false
	}
	off, ok := parseOffset(b[i+1:])
	if !ok {
		return 0, false
	}
	sec := civilToUnix(y1*100+y2, mon, day, hh, mm, ss) - off
	return sec*1e9 + ns, true
}

// parseISOTime parses "2000-10-10T13:55:36-07:00" with an optional fraction
// and a zone of Z, ±hh:mm or ±hhmm (a space instead of T is accepted; a
// stamp without a zone is taken as UTC).
func parseISOTime(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y1, ok1 := digits2(b[0:2])
	y2, ok2 := digits2(b[2:4])
	mon, ok3 := digits2(b[5:7])
	day, ok4 := digits2(b[8:10])
	hh, ok5 := digits2(b[11:13])
	mm, ok6 := digits2(b[14:16])
	ss, ok7 := digits2(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || !validClock(y1*100+y2, mon, day, hh, mm, ss) {
		return 0, false
	}
	i := 19
	var ns int64
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		ns, i = fracNanos(b, i+1)
	}
	var off int64
	if i < len(b) {
		var ok bool
		if off, ok = parseOffset(b[i:]); !ok {
			return 0, false
		}
	}
	sec := civilToUnix(y1*100+y2, mon, day, hh, mm, ss) - off
	return sec*1e9 + ns, true
}

// parseEpoch parses a Unix time: seconds with an optional fraction
// (nginx $msec "1700000000.123", Caddy "ts"), or whole milliseconds or
// microseconds (Apache %{msec}t, %{usec}t).
func parseEpoch(b []byte, f accessField) (int64, bool) {
	switch f {
	case fieldTimeEpochMs, fieldTimeEpochUs:
		n, ok := atoiFixed(b)
		if !ok || n > maxEpochSeconds*1e6 {
			return 0, false
		}
		if f == fieldTimeEpochMs {
			return int64(n) * 1e6, true
		}
		return int64(n) * 1e3, true
	}
	i := 0
	var sec int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		sec = sec*10 + int64(b[i]-'0')
		if i >= 11 {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	var ns int64
	if i < len(b) && b[i] == '.' {
		ns, i = fracNanos(b, i+1)
	}
	if i != len(b) || sec > maxEpochSeconds {
		return 0, false
	}
	return sec*1e9 + ns, true
}
