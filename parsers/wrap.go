package parsers

// wrapForm is the outer layer a line was written through before it reached
// the file: syslog, the journal, or a container runtime.
type wrapForm uint8

// The outer layers unwrap recognises.
const (
	wrapNone    wrapForm = iota
	wrapSyslog           // "Nov 21 10:15:02 host prog[pid]: msg" (BSD syslog, journalctl short)
	wrapISO              // "2024-11-21T10:15:02+01:00 host prog[pid]: msg" (rsyslog, journalctl -o short-iso)
	wrapTag              // "host prog[pid]: msg", no time (a journal message as fail2ban prints it)
	wrapDocker           // "2024-11-21T10:15:02.123456789Z msg" (docker logs -t) or CRI "… stdout F msg"
	wrapCompose          // "php-1  | msg" (docker compose)
)

var wrapFormNames = [...]string{"none", "syslog", "syslog iso", "tag", "docker", "compose"}

// String names the form as format strings do ("syslog", "docker").
func (f wrapForm) String() string {
	if int(f) < len(wrapFormNames) {
		return wrapFormNames[f]
	}
	return "wrap(?)"
}

// wrapped is one unwrapped line. Slices alias the line.
type wrapped struct {
	form wrapForm
	time int64 // Unix nanoseconds; 0 when the layer carries no time
	host []byte
	prog []byte // syslog tag without the pid ("php-fpm8.2", "kernel"); empty for containers
	pid  int64
	msg  []byte
}

// unwrapper peels syslog, journal and container prefixes off lines of one
// input. It owns the clock for their stamps (syslog stamps carry no year
// and no zone).
type unwrapper struct {
	clock eventClock
	buf   []byte // the unescaped "log" of a docker json-file line
}

func newUnwrapper(opts EventOptions) unwrapper { return unwrapper{clock: newEventClock(opts)} }

// unwrap recognises the outer layer of line and fills w. It reports false
// when the line has no layer it knows. A compose prefix followed by a
// docker stamp is peeled as one layer (form wrapCompose, the docker time).
func (u *unwrapper) unwrap(line []byte, w *wrapped) bool {
	*w = wrapped{}
	if len(line) < 4 {
		return false
	}
	if t, n := u.syslogStamp(line); n > 0 {
		w.form, w.time = wrapSyslog, t
		return hostTag(line[n:], w, false)
	}
	if hasPrefixString(line, `{"log":"`) {
		return u.dockerJSON(line, w)
	}
	if t, n := u.fullStamp(line); n > 0 {
		// journalctl -o short-full: "Thu 2024-11-21 10:15:02 CET host …"
		w.form, w.time = wrapSyslog, t
		return hostTag(line[n:], w, true)
	}
	if t, n := unixStamp(line); n > 0 {
		// journalctl -o short-unix: "1732184102.123456 host …"
		w.form, w.time = wrapSyslog, t
		return hostTag(line[n:], w, true)
	}
	if t, n := u.isoStamp(line); n > 0 {
		w.time = t
		rest := line[n:]
		if len(rest) == 0 || rest[0] != ' ' {
			return false
		}
		rest = rest[1:]
		if m := criStream(rest); m > 0 {
			w.form, w.msg = wrapDocker, rest[m:]
			return true
		}
		if hostTag(rest, w, true) {
			w.form = wrapISO
			return true
		}
		w.form, w.msg, w.host, w.prog = wrapDocker, rest, nil, nil
		return true
	}
	if n := composePrefix(line); n > 0 {
		w.form, w.msg = wrapCompose, line[n:]
		if t, m := u.isoStamp(w.msg); m > 0 && m < len(w.msg) && w.msg[m] == ' ' {
			w.time, w.msg = t, w.msg[m+1:]
		}
		return true
	}
	if hostTag(line, w, true) && w.pid > 0 {
		w.form = wrapTag
		return true
	}
	*w = wrapped{}
	return false
}

// syslogStamp parses "Nov 21 10:15:02" or "Nov  1 10:15:02.123456" and the
// space after it: Unix nanoseconds and the bytes read, 0 when it is not one.
func (u *unwrapper) syslogStamp(b []byte) (int64, int) {
	if len(b) < 16 || b[3] != ' ' || b[6] != ' ' || b[9] != ':' || b[12] != ':' {
		return 0, 0
	}
	mo := evMonth(b, 0)
	d := evDigitsSp(b, 4)
	h, mi, s := evDigits(b, 7, 2), evDigits(b, 10, 2), evDigits(b, 13, 2)
	if mo == 0 || !validCivil(mo, d, h, mi, s) {
		return 0, 0
	}
	n := 15
	var frac int64
	if b[n] == '.' {
		f, k := evFrac(b[n+1:])
		if k == 0 {
			return 0, 0
		}
		frac, n = f, n+1+k
	}
	if n >= len(b) || b[n] != ' ' {
		return 0, 0
	}
	y := u.clock.yearOf(mo)
	return u.clock.unix(y, mo, d, h, mi, s)*1e9 + frac, n + 1
}

// dockerJSON unwraps a line of docker's json-file log driver,
// {"log":"…\n","stream":"stderr","time":"2024-11-21T10:15:02.123456789Z"}:
// the message is unescaped into the unwrapper's buffer (valid until the
// next unwrap), without its trailing newline.
func (u *unwrapper) dockerJSON(line []byte, w *wrapped) bool {
	i := len(`{"log":`)
	end, ok := skipString(line, i)
	if !ok {
		return false
	}
	u.buf = jsonValue(u.buf[:0], line[i:end])
	msg := u.buf
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
		msg = msg[:len(msg)-1]
	}
	w.form, w.msg = wrapDocker, msg
	if j := indexString(line[end:], `"time":"`); j >= 0 {
		if t, n := u.isoStamp(line[end+j+len(`"time":"`):]); n > 0 {
			w.time = t
		}
	}
	return true
}

// fullStamp parses the journalctl short-full stamp "Thu 2024-11-21
// 10:15:02 CET " (the zone abbreviation is not resolved: "UTC" is UTC,
// anything else the input's zone) and the space after it.
func (u *unwrapper) fullStamp(b []byte) (int64, int) {
	if len(b) < 29 || b[3] != ' ' || b[14] != ' ' || b[23] != ' ' || b[4] < '0' || b[4] > '9' {
		return 0, 0
	}
	t, n := isoStamp(b[4:23], &u.clock)
	if n != 19 {
		return 0, 0
	}
	end := indexByteN(b[24:], ' ', 8)
	if end <= 0 {
		return 0, 0
	}
	if string(b[24:24+end]) == "UTC" {
		t = civilToUnix(evDigits(b, 4, 4), evDigits(b, 9, 2), evDigits(b, 12, 2), evDigits(b, 15, 2), evDigits(b, 18, 2), evDigits(b, 21, 2)) * 1e9
	}
	return t, 24 + end + 1
}

// unixStamp parses the journalctl short-unix stamp "1732184102.123456 ":
// ten digits of seconds, a fraction, and a space.
func unixStamp(b []byte) (int64, int) {
	s, n := evUint(b)
	if n != 10 || n >= len(b) || b[n] != '.' {
		return 0, 0
	}
	f, k := evFrac(b[n+1:])
	if k == 0 || n+1+k >= len(b) || b[n+1+k] != ' ' {
		return 0, 0
	}
	return s*1e9 + f, n + 1 + k + 1
}

// isoStamp parses "2024-11-21T10:15:02[.fff][Z|+01:00|+0100]" at the start
// of b: Unix nanoseconds and its length, 0 when it is not one. A stamp
// without an offset is local time.
func (u *unwrapper) isoStamp(b []byte) (int64, int) {
	if len(b) < 11 || b[10] != 'T' {
		return 0, 0 // layers always write the 'T'; "2024-11-21 10:15:02" is a log's own stamp
	}
	return isoStamp(b, &u.clock)
}

// isoStamp is unwrapper.isoStamp for any clock; the separator may be 'T'
// or a space.
func isoStamp(b []byte, c *eventClock) (int64, int) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, 0
	}
	y, mo, d := evDigits(b, 0, 4), evDigits(b, 5, 2), evDigits(b, 8, 2)
	h, mi, s := evDigits(b, 11, 2), evDigits(b, 14, 2), evDigits(b, 17, 2)
	if !validYear(y) || !validCivil(mo, d, h, mi, s) {
		return 0, 0
	}
	n := 19
	var frac int64
	if n < len(b) && (b[n] == '.' || b[n] == ',') {
		f, k := evFrac(b[n+1:])
		if k == 0 {
			return 0, 0
		}
		frac, n = f, n+1+k
	}
	wall := civilToUnix(y, mo, d, h, mi, s)
	if n < len(b) {
		switch b[n] {
		case 'Z', 'z':
			return wall*1e9 + frac, n + 1
		case '+', '-':
			for _, l := range [2]int{6, 5} {
				if n+l <= len(b) {
					if off, ok := parseOffset(b[n : n+l]); ok {
						return (wall-off)*1e9 + frac, n + l
					}
				}
			}
			return 0, 0
		}
	}
	return c.zone.unix(wall)*1e9 + frac, n
}

// hostTag parses "host prog[pid]: msg" into w. With strict, the tag must
// end in ':' (so a plain sentence is not taken for a host and a tag);
// without, a line with a host but no tag is kept whole as the message, as
// syslog daemons store untagged messages.
func hostTag(b []byte, w *wrapped, strict bool) bool {
	sp := indexByteN(b, ' ', 256)
	if sp <= 0 || b[0] == '[' {
		return false
	}
	rest := b[sp+1:]
	if b[sp-1] == ':' {
		if strict || !isTagStart(b[0]) {
			return false
		}
		// No host: "Nov 21 10:15:02 kernel: msg", as some syslog daemons
		// write local messages.
		rest = b
	} else {
		w.host = b[:sp]
	}
	// The tag: up to '[', ':' or ' '.
	i := 0
	for i < len(rest) && i < 128 && rest[i] != '[' && rest[i] != ':' && rest[i] != ' ' {
		i++
	}
	if i > 0 && i < len(rest) && isTagStart(rest[0]) {
		prog := rest[:i]
		j := i
		var pid int64
		if rest[j] == '[' {
			v, k := evUint(rest[j+1:])
			if k > 0 && j+1+k < len(rest) && rest[j+1+k] == ']' {
				pid, j = v, j+2+k
			} else {
				j = -1
			}
		}
		if j > 0 && j < len(rest) && rest[j] == ':' {
			w.prog, w.pid = prog, pid
			j++
			if j < len(rest) && rest[j] == ' ' {
				j++
			}
			w.msg = rest[j:]
			return true
		}
	}
	if strict {
		return false
	}
	w.msg = rest
	return true
}

// isTagStart reports whether c may begin a syslog tag: programs start with
// a letter (or "_", "(" as in "(sd-pam)").
func isTagStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '('
}

// criStream returns the length of a CRI log prefix "stdout F " / "stderr P "
// at the start of b, 0 when there is none.
func criStream(b []byte) int {
	if len(b) < 9 || (string(b[:7]) != "stdout " && string(b[:7]) != "stderr ") || (b[7] != 'F' && b[7] != 'P') || b[8] != ' ' {
		return 0
	}
	return 9
}

// composePrefix returns the length of a docker compose prefix "name  | " at
// the start of b, 0 when there is none.
func composePrefix(b []byte) int {
	i := 0
	for i < len(b) && i < 64 && isNameByte(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' {
		return 0
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i+1 < len(b) && b[i] == '|' && b[i+1] == ' ' {
		return i + 2
	}
	if i+1 == len(b) && b[i] == '|' {
		return i + 1
	}
	return 0
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// unwrapTo unwraps line until its message satisfies match, peeling at most
// one more "host prog: " layer (a journal message that itself carries a
// syslog tag). The outer time and program are kept.
func (u *unwrapper) unwrapTo(line []byte, w *wrapped, match func([]byte) bool) bool {
	if !u.unwrap(line, w) {
		return false
	}
	if match(w.msg) {
		return true
	}
	var in wrapped
	if hostTag(w.msg, &in, true) && match(in.msg) {
		w.msg = in.msg
		return true
	}
	return false
}
