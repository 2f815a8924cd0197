package parsers

import "bytes"

// Skip reasons of the Apache error log.
const (
	reasonNotApacheError = "not an apache error line"
	reasonApachePrefix   = "bad apache error prefix"
)

// apacheErrorReader reads an Apache httpd error log, 2.2
// ("[Wed Oct 15 14:30:06 2008] [error] [client 1.2.3.4] msg") and 2.4
// ("[Wed Oct 15 14:30:06.678901 2024] [proxy_fcgi:error] [pid 1:tid 2]
// (70007)The timeout specified has expired: [client 1.2.3.4:5] AH01075: …"),
// bare or inside a syslog, journal or docker layer. Apache escapes line
// breaks, so every line is one event; it never allocates on a valid line.
// Event: Level, PID, Client (without the port), Code = the AH number,
// Num[0] = the APR/errno status in "(70007)…", Text = the message after the
// client (from the AH code on), without the trailing ", referer: …".
type apacheErrorReader struct {
	clock eventClock
	wrap  unwrapper
	w     wrapped
	ev    Event
}

func newApacheErrorReader(opts EventOptions) *apacheErrorReader {
	return &apacheErrorReader{clock: newEventClock(opts), wrap: newUnwrapper(opts)}
}

// Feed implements EventReader.
func (r *apacheErrorReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	if journalMeta(line) {
		return nil // journalctl's own "-- Logs begin at …" lines
	}
	e := &r.ev
	*e = Event{Kind: KindApacheError, Lines: 1, Line: num}
	ok := false
	switch {
	case isApacheStamp(line):
		ok = r.parse(line, e)
	case r.wrap.unwrapTo(line, &r.w, isApacheInner):
		e.Unit, e.Time = r.w.prog, r.w.time
		if isApacheStamp(r.w.msg) {
			ok = r.parse(r.w.msg, e)
		} else {
			ok = parseApacheBody(r.w.msg, e)
		}
	default:
		return &LineError{Reason: reasonNotApacheError, Detail: detailf("expected [Www Mmm dd hh:mm:ss yyyy]", line)}
	}
	if !ok {
		return &LineError{Reason: reasonApachePrefix, Detail: detailf("expected [level] or [module:level]", line)}
	}
	emit(e)
	return nil
}

// Flush implements EventReader; the Apache error log is single-line.
func (r *apacheErrorReader) Flush(func(*Event)) {}

// isApacheStamp reports whether b starts with "[Www Mmm dd hh:mm:ss".
func isApacheStamp(b []byte) bool {
	return len(b) >= 26 && b[0] == '[' && b[4] == ' ' && b[8] == ' ' && b[11] == ' ' && b[14] == ':' && b[17] == ':' && evMonth(b, 5) > 0
}

// isApacheInner reports whether the message of a syslog line is an Apache
// error line: with its own stamp, or stamp-less as "ErrorLog syslog:"
// writes it ("[module:level] [pid N] …", 2.2 "[error] …").
func isApacheInner(b []byte) bool {
	if isApacheStamp(b) {
		return true
	}
	end := indexByteN(b, ']', 64)
	if len(b) < 3 || b[0] != '[' || end < 0 {
		return false
	}
	word := b[1:end]
	if c := bytes.IndexByte(word, ':'); c >= 0 {
		word = word[c+1:]
	}
	if len(word) == 0 || word[0] < 'a' || word[0] > 'z' {
		return false // Apache levels are lower case; PHP-FPM's "[WARNING]" is not Apache
	}
	_, ok := levelWord(word)
	return ok
}

// parse parses one line whose stamp shape was checked.
func (r *apacheErrorReader) parse(b []byte, e *Event) bool {
	mo, d := evMonth(b, 5), evDigitsSp(b, 9)
	h, mi, s := evDigits(b, 12, 2), evDigits(b, 15, 2), evDigits(b, 18, 2)
	if !validCivil(mo, d, h, mi, s) {
		return false
	}
	i := 20
	var frac int64
	if b[i] == '.' {
		f, k := evFrac(b[i+1:])
		frac, i = f, i+1+k
	}
	if i+7 > len(b) || b[i] != ' ' {
		return false
	}
	y := evDigits(b, i+1, 4)
	if !validYear(y) || b[i+5] != ']' {
		return false
	}
	e.Time = r.clock.unix(y, mo, d, h, mi, s)*1e9 + frac
	rest := b[i+6:]
	if len(rest) < 4 || rest[0] != ' ' {
		return false
	}
	return parseApacheBody(rest[1:], e)
}

// parseApacheBody parses what follows the stamp: "[module:level] [pid N:tid
// N] (errno)text: [client ip:port] AHnnnnn: msg, referer: …".
func parseApacheBody(rest []byte, e *Event) bool {
	// [level] or [module:level]
	if len(rest) < 3 || rest[0] != '[' {
		return false
	}
	end := indexByteN(rest, ']', 64)
	if end < 0 {
		return false
	}
	word := rest[1:end]
	if c := bytes.IndexByte(word, ':'); c >= 0 {
		word = word[c+1:]
	}
	lv, ok := levelWord(word)
	if !ok {
		return false
	}
	e.Level = lv
	rest = rest[end+1:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	// [pid N:tid N]
	if hasPrefixString(rest, "[pid ") {
		pid, n := evUint(rest[len("[pid "):])
		e.PID = pid
		if end := indexByteN(rest, ']', 64); n > 0 && end > 0 {
			rest = rest[end+1:]
			if len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
		}
	}
	// (70007)The timeout specified has expired:
	if len(rest) > 1 && rest[0] == '(' {
		if v, n := evUint(rest[1:]); n > 0 && 1+n < len(rest) && rest[1+n] == ')' {
			e.Num[0] = v
			if c := indexString(rest, ": [client "); c >= 0 {
				rest = rest[c+2:]
			} else if c := bytes.IndexByte(rest, ':'); c >= 0 && c+2 <= len(rest) {
				rest = rest[c+2:]
			}
		}
	}
	// [client ip:port] / [remote ip:port]
	for _, tag := range [...]string{"[client ", "[remote "} {
		if !hasPrefixString(rest, tag) {
			continue
		}
		v := rest[len(tag):]
		end := bytes.IndexByte(v, ']')
		if len(v) > 0 && v[0] == '[' { // [client [2001:db8::1]:51548]
			if j := bytes.IndexByte(v, ']'); j > 0 && j+1 < len(v) {
				end = j + 1 + bytes.IndexByte(v[j+1:], ']')
			}
		}
		if end < 0 {
			break
		}
		if tag == "[client " {
			e.Client = apacheClientIP(v[:end])
		}
		rest = v[end+1:]
		if len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
	}
	if j := bytes.LastIndex(rest, []byte(", referer: ")); j >= 0 {
		rest = rest[:j]
	}
	e.Text = rest
	if len(rest) > 8 && rest[0] == 'A' && rest[1] == 'H' && rest[7] == ':' {
		if c := evDigits(rest, 2, 5); c >= 0 {
			e.Code = int64(c)
		}
	}
	classifyApache(rest, e)
	return true
}

// apacheClientIP drops the port of "1.2.3.4:5678" and the brackets and port
// of "[2001:db8::1]:5678"; a bare IPv6 address (2.2) is kept.
func apacheClientIP(v []byte) []byte {
	if len(v) > 0 && v[0] == '[' {
		if j := bytes.IndexByte(v, ']'); j > 0 {
			return v[1:j]
		}
	}
	if c := bytes.IndexByte(v, ':'); c >= 0 && bytes.IndexByte(v[c+1:], ':') < 0 {
		return v[:c]
	}
	return v
}

// classifyApache sets e.Type from the AH code or, for 2.2, the text.
func classifyApache(m []byte, e *Event) {
	switch {
	case e.Code == 161 || e.Code == 286 || e.Code == 484 || containsString(m, "server reached MaxRequestWorkers") || containsString(m, "server reached MaxClients"):
		e.Type = ApacheMaxWorkers
	case e.Code == 288 || e.Code == 485 || e.Code == 3490 || containsString(m, "scoreboard is full"):
		e.Type = ApacheScoreboardFull
	case e.Code == 52 || containsString(m, "child pid ") && containsString(m, " exit signal "):
		e.Type = ApacheChildSignal
		if i := indexString(m, "child pid "); i >= 0 {
			e.PID, _ = evUint(m[i+len("child pid "):])
		}
		if i := bytes.LastIndexByte(m, '('); i >= 0 {
			e.Num[1], _ = evUint(m[i+1:])
		}
	case e.Code == 163 || containsString(m, "resuming normal operations"):
		e.Type = ApacheStarted
	case e.Code == 169 || e.Code == 492 || containsString(m, "caught SIGTERM, shutting down") || containsString(m, "caught SIGWINCH, shutting down"):
		e.Type = ApacheShutdown
	case e.Code == 171 || e.Code == 493 || e.Code == 170 || containsString(m, "Graceful restart requested") || containsString(m, "Doing graceful restart") || containsString(m, "SIGHUP received.  Attempting to restart"):
		e.Type = ApacheGraceful
	case e.Code == 1079 || e.Code == 957 || containsString(m, "failed to make connection to backend"):
		e.Type = ApacheProxyConnect
	case e.Code == 1075 || e.Num[0] == 70007 || e.Code == 1102 && containsString(m, "timeout"):
		e.Type = ApacheProxyTimeout
	case e.Code == 1067 || containsString(m, "Failed to read FastCGI header"):
		e.Type = ApacheProxyHeader
	case e.Code == 1071 || hasPrefixString(m, "Got error '"):
		e.Type = ApachePHPMessage
		e.PHP = classifyPHP(m[indexString(m, "Got error")+1:])
	case hasPrefixString(m, "PHP "):
		// mod_php writes PHP errors straight into the error log.
		e.Type = ApachePHPMessage
		e.PHP = classifyPHP(m)
	}
}
