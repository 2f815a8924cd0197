package parsers

import (
	"bytes"
	"time"
)

// Skip reasons of the PHP-FPM master log.
const reasonNotFPM = "not a php-fpm line"

// fpmReader reads a PHP-FPM master error log, 7.x and 8.x (domain.md A.1):
// "[21-Nov-2024 10:15:02] WARNING: [pool www] …", the debug stamp
// "[21-Nov-2024 10:15:02.123456] DEBUG: pid 12, fpm_x(), line 380: …", the
// syslog form "[WARNING] …" and the same lines inside a syslog, journal or
// docker layer (the layer's time is used when the line has none). PHP's
// own error_log lines ("[21-Nov-2024 10:15:02 Europe/Prague] PHP Fatal
// error: …", in the zone they name), which docker images mix into the same
// stream, parse too. Every line is
// one event; it never allocates on a valid line.
type fpmReader struct {
	clock    eventClock
	wrap     unwrapper
	w        wrapped
	ev       Event
	zoneName string    // the zone PHP's error_log stamps named last
	named    zoneCache // and its cache
}

func newFPMReader(opts EventOptions) *fpmReader {
	return &fpmReader{clock: newEventClock(opts), wrap: newUnwrapper(opts)}
}

// Feed implements EventReader.
func (r *fpmReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	if journalMeta(line) {
		return nil // journalctl's own "-- Logs begin at …" lines
	}
	e := &r.ev
	*e = Event{Kind: KindFPM, Lines: 1, Line: num}
	if !r.parse(line, e) {
		if !r.wrap.unwrapTo(line, &r.w, isFPMLine) {
			return &LineError{Reason: reasonNotFPM, Detail: detailf("expected [dd-Mon-yyyy hh:mm:ss] LEVEL:", line)}
		}
		*e = Event{Kind: KindFPM, Lines: 1, Line: num, Time: r.w.time, Unit: r.w.prog}
		if !r.parse(r.w.msg, e) {
			return &LineError{Reason: reasonNotFPM, Detail: detailf("expected a php-fpm message", r.w.msg)}
		}
	}
	emit(e)
	return nil
}

// Flush implements EventReader; the master log has no multi-line records.
func (r *fpmReader) Flush(func(*Event)) {}

// isFPMLine reports whether b looks like a PHP-FPM master log line, with or
// without its stamp.
func isFPMLine(b []byte) bool {
	if _, _, _, n := fpmStamp(b); n > 0 {
		return true
	}
	_, n := fpmLevel(b)
	return n > 0
}

// parse parses one unwrapped line into e; e.Time is kept when the line has
// no stamp.
func (r *fpmReader) parse(b []byte, e *Event) bool {
	if wall, frac, zone, n := fpmStamp(b); n > 0 {
		t := r.stampTime(wall, frac, zone)
		rest := b[n:]
		if zone != nil {
			// PHP error_log: "PHP Fatal error:  …"
			if !hasPrefixString(rest, "PHP ") {
				return false
			}
			e.Time = t
			e.Level = phpLogLevel(rest)
			e.Text = rest
			e.PHP = classifyPHP(rest)
			return true
		}
		lv, m := fpmLevel(rest)
		if m == 0 {
			return false
		}
		e.Time, e.Level = t, lv
		r.message(rest[m:], e)
		return true
	}
	lv, m := fpmLevel(b)
	if m == 0 {
		return false
	}
	e.Level = lv
	r.message(b[m:], e)
	return true
}

// fpmStamp parses "[21-Nov-2024 10:15:02] ", "[21-Nov-2024 10:15:02.123456] "
// or PHP's "[21-Nov-2024 10:15:02 Europe/Prague] " at the start of b. It
// returns the wall time as civilToUnix seconds, the fraction in
// nanoseconds, the zone name (nil when the stamp has none) and the bytes
// read; n = 0 when b has no stamp.
func fpmStamp(b []byte) (wall, frac int64, zone []byte, n int) {
	if len(b) < 23 || b[0] != '[' || b[3] != '-' || b[7] != '-' || b[12] != ' ' || b[15] != ':' || b[18] != ':' {
		return 0, 0, nil, 0
	}
	d, mo, y := evDigits(b, 1, 2), evMonth(b, 4), evDigits(b, 8, 4)
	h, mi, s := evDigits(b, 13, 2), evDigits(b, 16, 2), evDigits(b, 19, 2)
	if !validYear(y) || !validCivil(mo, d, h, mi, s) {
		return 0, 0, nil, 0
	}
	i := 21
	if b[i] == '.' {
		f, k := evFrac(b[i+1:])
		if k == 0 {
			return 0, 0, nil, 0
		}
		frac, i = f, i+1+k
	}
	if i < len(b) && b[i] == ' ' {
		end := indexByteN(b[i:], ']', 40)
		if end < 2 {
			return 0, 0, nil, 0
		}
		zone = b[i+1 : i+end]
		i += end
	}
	if i+1 >= len(b) || b[i] != ']' || b[i+1] != ' ' {
		return 0, 0, nil, 0
	}
	return civilToUnix(y, mo, d, h, mi, s), frac, zone, i + 2
}

// stampTime turns a parsed FPM or PHP stamp into Unix nanoseconds: in the
// input's zone, or in the zone the stamp names (PHP's error_log), loaded
// once per name change.
func (r *fpmReader) stampTime(wall, frac int64, zone []byte) int64 {
	switch {
	case zone == nil:
		return r.clock.zone.unix(wall)*1e9 + frac
	case string(zone) == "UTC":
		return wall*1e9 + frac
	case string(zone) != r.zoneName:
		r.zoneName = string(zone)
		r.named = r.clock.zone
		if loc, err := time.LoadLocation(r.zoneName); err == nil {
			r.named = newZoneCache(loc)
		}
	}
	return r.named.unix(wall)*1e9 + frac
}

// fpmLevel parses "WARNING: " or the syslog form "[WARNING] " at the start
// of b (zlog level names: DEBUG NOTICE WARNING ERROR ALERT, plus SYSERROR's
// ERROR); n = 0 when there is none.
func fpmLevel(b []byte) (Level, int) {
	if len(b) > 2 && b[0] == '[' {
		end := indexByteN(b, ']', 10)
		if end > 1 && end+1 < len(b) && b[end+1] == ' ' && isUpperWord(b[1:end]) {
			if lv, ok := levelWord(b[1:end]); ok {
				return lv, end + 2
			}
		}
		return LevelUnknown, 0
	}
	end := indexByteN(b, ':', 10)
	if end > 0 && isUpperWord(b[:end]) && (end+1 == len(b) || b[end+1] == ' ') {
		if lv, ok := levelWord(b[:end]); ok {
			return lv, min(end+2, len(b))
		}
	}
	return LevelUnknown, 0
}

func isUpperWord(b []byte) bool {
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return len(b) > 0
}

// phpLogLevel maps "PHP Fatal error", "PHP Warning", … to a Level.
func phpLogLevel(b []byte) Level {
	switch {
	case hasPrefixString(b, "PHP Fatal"), hasPrefixString(b, "PHP Parse"), hasPrefixString(b, "PHP Recoverable"):
		return LevelError
	case hasPrefixString(b, "PHP Warning"):
		return LevelWarning
	case hasPrefixString(b, "PHP Notice"), hasPrefixString(b, "PHP Deprecated"), hasPrefixString(b, "PHP Strict"):
		return LevelNotice
	}
	return LevelUnknown
}

// message parses the text after the level: the debug "pid N, func(), line
// N: " prefix, the "[pool x] " prefix, and the message itself.
func (r *fpmReader) message(m []byte, e *Event) {
	if hasPrefixString(m, "pid ") {
		if i := indexString(m, "(), line "); i > 0 {
			if j := bytes.IndexByte(m[i:], ':'); j > 0 && i+j+2 <= len(m) {
				m = m[i+j+2:]
			}
		}
	}
	if hasPrefixString(m, "[pool ") {
		if end := bytes.IndexByte(m, ']'); end > 0 {
			e.Pool = m[len("[pool "):end]
			m = m[end+1:]
			if len(m) > 0 && m[0] == ' ' {
				m = m[1:]
			}
		}
	}
	e.Text = m
	classifyFPM(m, e)
}

// classifyFPM sets e.Type and its numbers from a master-log message
// (without the pool prefix).
func classifyFPM(m []byte, e *Event) {
	switch {
	case hasPrefixString(m, "server reached pm.max_children setting ("):
		e.Type = FPMMaxChildren
		e.Num[0], _ = evUint(m[len("server reached pm.max_children setting ("):])
	case hasPrefixString(m, "server reached max_children setting ("):
		e.Type = FPMMaxChildren
		e.Num[0], _ = evUint(m[len("server reached max_children setting ("):])
	case hasPrefixString(m, "seems busy "):
		e.Type = FPMSeemsBusy
		e.Num[0] = numAfter(m, "spawning ")
		e.Num[1] = numAfter(m, "there are ")
		e.Num[2] = numAfter(m, ", and ")
	case hasPrefixString(m, "The maximum number of processes has been reached"):
		e.Type = FPMMaxProcesses
	case hasPrefixString(m, "child "):
		fpmChild(m, e)
	case hasPrefixString(m, "oops, unknown child ("):
		pid, n := evUint(m[len("oops, unknown child ("):])
		if n > 0 {
			e.Type, e.PID = FPMChildExited, pid
			fpmExit(m, e)
		}
	case hasPrefixString(m, "failed processes threshold ("):
		e.Type = FPMFailedThreshold
		e.Num[0], _ = evUint(m[len("failed processes threshold ("):])
		e.Num[1] = numAfter(m, " in ")
	case hasPrefixString(m, "fpm is running, pid "):
		e.Type = FPMRunning
		e.PID, _ = evUint(m[len("fpm is running, pid "):])
	case hasPrefixString(m, "ready to handle connections"):
		e.Type = FPMReady
	case hasPrefixString(m, "Terminating"):
		e.Type = FPMTerminating
	case hasPrefixString(m, "Finishing"):
		e.Type = FPMFinishing
	case hasPrefixString(m, "Reloading in progress"):
		e.Type = FPMReloading
	case hasPrefixString(m, "error log file re-opened"), hasPrefixString(m, "access log file re-opened"):
		e.Type = FPMLogReopened
	case hasPrefixString(m, "exiting, bye-bye"):
		e.Type = FPMExiting
	case hasPrefixString(m, "unable to bind listening socket"), hasPrefixString(m, "FPM initialization failed"):
		e.Type = FPMInitFailed
	}
}

// fpmChild classifies the "child N …" messages: exited, started, timed out,
// too slow, said into stderr.
func fpmChild(m []byte, e *Event) {
	pid, n := evUint(m[len("child "):])
	if n == 0 {
		return
	}
	rest := m[len("child ")+n:]
	switch {
	case hasPrefixString(rest, " exited "):
		e.Type, e.PID = FPMChildExited, pid
		fpmExit(rest, e)
	case hasPrefixString(rest, " started"):
		e.Type, e.PID = FPMChildStarted, pid
	case hasPrefixString(rest, " said into "):
		e.Type, e.PID = FPMSaid, pid
		said := rest[len(" said into "):]
		if q := bytes.IndexByte(said, '"'); q >= 0 {
			said = said[q+1:]
		}
		e.PHP = classifyPHP(said)
	case hasPrefixString(rest, ", script '"):
		// "child N, script 'S' (request: "GET /x") execution timed out (S.us sec), terminating"
		var typ EventType
		switch {
		case containsString(rest, ") execution timed out ("):
			typ = FPMTimedOut
		case containsString(rest, ") executing too slow ("):
			typ = FPMTooSlow
		default:
			return
		}
		e.Type, e.PID = typ, pid
		if i := indexString(rest, "(request: \""); i >= 0 {
			req := rest[i+len("(request: \""):]
			if j := bytes.LastIndex(req, []byte("\") ")); j >= 0 {
				e.Request = req[:j]
			}
		}
		if i := bytes.LastIndex(rest, []byte(" (")); i >= 0 {
			e.Num[0] = secondsMicros(rest[i+2:])
		}
	}
}

// fpmExit reads "exited with code C after S seconds from start" or
// "exited on signal N (SIGX) after …": Num[0] = code or -1, Num[1] =
// signal or 0, Num[2] = lifetime in µs.
func fpmExit(m []byte, e *Event) {
	if i := indexString(m, "exited with code "); i >= 0 {
		e.Num[0], _ = evUint(m[i+len("exited with code "):])
	} else if i := indexString(m, "exited on signal "); i >= 0 {
		e.Num[0] = -1
		e.Num[1], _ = evUint(m[i+len("exited on signal "):])
	}
	if i := indexString(m, " after "); i >= 0 {
		e.Num[2] = secondsMicros(m[i+len(" after "):])
	}
}

// secondsMicros parses "12.345678" (seconds) as microseconds.
func secondsMicros(b []byte) int64 {
	s, n := evUint(b)
	us := s * 1e6
	if n < len(b) && b[n] == '.' {
		f, _ := evFrac(b[n+1:])
		us += f / 1000
	}
	return us
}

// numAfter returns the number that follows the first key in m, 0 when none.
func numAfter(m []byte, key string) int64 {
	i := indexString(m, key)
	if i < 0 {
		return 0
	}
	v, _ := evUint(m[i+len(key):])
	return v
}
