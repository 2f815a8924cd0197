package parsers

import (
	"bytes"
	"unicode/utf8"
)

// Skip reasons of `journalctl -o json` input.
const reasonNotJournalJSON = "not a journal json entry"

// journalJSONReader reads `journalctl -o json` output: one JSON object a
// line. It takes __REALTIME_TIMESTAMP (µs since the epoch), MESSAGE (a
// string, or an array of bytes for binary messages), SYSLOG_IDENTIFIER (or
// _COMM), _TRANSPORT ("kernel") and PRIORITY, and routes the message as the
// syslog router does. String values are unescaped into a reader-owned
// buffer only when they hold a backslash.
type journalJSONReader struct {
	router *syslogRouter
	msg    []byte // unescaped MESSAGE
	ident  []byte
	kernel []byte // "kernel", the program of kernel-transport entries
}

func newJournalJSONReader(opts EventOptions) *journalJSONReader {
	return &journalJSONReader{router: newSyslogRouter(opts), kernel: []byte("kernel")}
}

// journalEntry holds the fields of one entry we use; slices alias the line
// or the reader's buffers.
type journalEntry struct {
	realtime  int64
	message   []byte
	hasMsg    bool
	ident     []byte
	comm      []byte
	transport []byte
	unit      []byte
	priority  int
}

// Feed implements EventReader.
func (r *journalJSONReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	var je journalEntry
	je.priority = -1
	if !r.scan(line, &je) {
		return &LineError{Reason: reasonNotJournalJSON, Detail: detailf("expected a journal JSON object", line)}
	}
	if je.realtime == 0 || !je.hasMsg {
		return &LineError{Reason: reasonNotJournalJSON, Detail: detailf("missing __REALTIME_TIMESTAMP or MESSAGE", line)}
	}
	prog := je.ident
	if len(prog) == 0 {
		prog = je.comm
	}
	if string(je.transport) == "kernel" {
		prog = r.kernel
	}
	lv := LevelUnknown
	if je.priority >= 0 {
		lv = syslogPriority(je.priority)
	}
	r.router.feedMessage(je.realtime*1000, prog, je.unit, lv, je.message, num, emit)
	return nil
}

// Flush implements EventReader.
func (r *journalJSONReader) Flush(emit func(*Event)) { r.router.Flush(emit) }

// scan walks the top-level members of the object in line and fills je.
func (r *journalJSONReader) scan(b []byte, je *journalEntry) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for {
		i = skipWS(b, i)
		if i < len(b) && b[i] == '}' {
			return true
		}
		if i >= len(b) || b[i] != '"' {
			return false
		}
		kEnd := bytes.IndexByte(b[i+1:], '"')
		if kEnd < 0 {
			return false
		}
		key := b[i+1 : i+1+kEnd]
		i = skipWS(b, i+2+kEnd)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return false
		}
		vStart := i
		var ok bool
		switch b[i] {
		case '"':
			i, ok = skipString(b, i)
		case '[':
			i, ok = skipArray(b, i)
		default:
			for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ' ' {
				i++
			}
			ok = i > vStart
		}
		if !ok {
			return false
		}
		r.member(key, b[vStart:i], je)
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i++
		}
	}
}

// member stores one member's raw value if we use it.
func (r *journalJSONReader) member(key, v []byte, je *journalEntry) {
	switch string(key) {
	case "__REALTIME_TIMESTAMP":
		if s := unquote(v); len(s) > 0 {
			if t, ok := atoiFixed(s); ok {
				je.realtime = int64(t)
			}
		}
	case "MESSAGE":
		je.hasMsg = true
		r.msg = jsonValue(r.msg[:0], v)
		je.message = r.msg
	case "SYSLOG_IDENTIFIER":
		r.ident = jsonValue(r.ident[:0], v)
		je.ident = r.ident
	case "_COMM":
		if len(je.comm) == 0 {
			je.comm = unquote(v)
		}
	case "_TRANSPORT":
		je.transport = unquote(v)
	case "UNIT":
		je.unit = unquote(v)
	case "PRIORITY":
		if s := unquote(v); len(s) == 1 && s[0] >= '0' && s[0] <= '7' {
			je.priority = int(s[0] - '0')
		}
	}
}

// jsonValue appends the content of a JSON string (unescaped), or of an
// array of byte values (journald's form for non-UTF-8 messages), to dst.
// null gives nothing.
func jsonValue(dst, v []byte) []byte {
	if len(v) == 0 {
		return dst
	}
	switch v[0] {
	case '"':
		s := v[1 : len(v)-1]
		if bytes.IndexByte(s, '\\') < 0 {
			return append(dst, s...)
		}
		return unescapeJSON(dst, s)
	case '[':
		for _, f := range bytes.Split(v[1:len(v)-1], []byte(",")) {
			if n, ok := atoiFixed(bytes.TrimSpace(f)); ok && n < 256 {
				dst = append(dst, byte(n))
			}
		}
	}
	return dst
}

// unescapeJSON appends s with its JSON escapes resolved; \uXXXX becomes
// UTF-8 (surrogate pairs are not joined: each half becomes U+FFFD).
func unescapeJSON(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'u':
			if i+4 < len(s) {
				var r rune
				ok := true
				for _, h := range s[i+1 : i+5] {
					r <<= 4
					switch {
					case h >= '0' && h <= '9':
						r |= rune(h - '0')
					case h >= 'a' && h <= 'f':
						r |= rune(h-'a') + 10
					case h >= 'A' && h <= 'F':
						r |= rune(h-'A') + 10
					default:
						ok = false
					}
				}
				if ok {
					if r >= 0xD800 && r < 0xE000 {
						r = 0xFFFD
					}
					dst = utf8.AppendRune(dst, r)
					i += 4
					continue
				}
			}
			dst = append(dst, '\\', 'u')
		default:
			dst = append(dst, s[i])
		}
	}
	return dst
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string starting at b[i].
func skipString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// skipArray returns the index after the (flat) JSON array at b[i].
func skipArray(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			k, ok := skipString(b, j)
			if !ok {
				return 0, false
			}
			j = k - 1
		case ']':
			return j + 1, true
		}
	}
	return 0, false
}
