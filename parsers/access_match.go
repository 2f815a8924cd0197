package parsers

import (
	"bytes"
	"fmt"
	"strconv"
)

// Stable LineError reasons of the access parsers; the report groups skipped
// lines by them.
const (
	reasonEmpty          = "empty line"
	reasonNotAccess      = "not an access line"
	reasonTruncated      = "truncated line"
	reasonMalformed      = "malformed line"
	reasonBadTime        = "bad timestamp"
	reasonBadStatus      = "bad status"
	reasonBadBytes       = "bad bytes"
	reasonBadRequest     = "bad request line"
	reasonBadRequestTime = "bad request time"
	reasonBadUpstream    = "bad upstream time"
	reasonBadJSON        = "bad json"
)

// match runs p's program over line, left to right, cutting each field at its
// delimiter with bytes.IndexByte; no allocation unless the line is bad.
func (p *AccessParser) match(line []byte, r *Access) error {
	prog := p.prog
	if len(line) == 0 {
		return &LineError{Reason: reasonEmpty}
	}
	r.TimeIsStart = prog.timeIsStart
	pos := 0
	for i := range prog.steps {
		s := &prog.steps[i]
		if n := len(s.lit); n > 0 {
			if len(line)-pos < n || string(line[pos:pos+n]) != s.lit {
				return p.literalError(i, s.lit, line, pos)
			}
			pos += n
		}
		if s.field == fieldEnd {
			break
		}
		var v []byte
		if s.quote == quoteYes || s.quote == quoteMaybe && pos < len(line) && line[pos] == '"' {
			if pos >= len(line) || line[pos] != '"' {
				return p.literalError(i, `"`, line, pos)
			}
			end := closeQuote(line, pos+1, s.next, s.last)
			if end < 0 {
				return p.truncated(i, line)
			}
			v = line[pos+1 : end]
			pos = end + 1
		} else if s.field == fieldUpstream {
			// A bare list "0.004, 0.002 : 0.010" holds spaces: it ends
			// where its grammar does, not at the next space.
			end := scanUpstream(line, pos)
			v = line[pos:end]
			pos = end
		} else if s.stop == 0 {
			v = line[pos:]
			pos = len(line)
		} else {
			j := bytes.IndexByte(line[pos:], s.stop)
			if j >= 0 && s.stop == ' ' {
				j = stampSpace(line, pos, j, s.field)
			}
			if j < 0 {
				if !s.last {
					return p.truncated(i, line)
				}
				j = len(line) - pos
			}
			v = line[pos : pos+j]
			pos += j
		}
		if err := p.setField(s.field, v, line, r); err != nil {
			return err
		}
	}
	if pos < len(line) && line[pos] != ' ' {
		return &LineError{Reason: reasonMalformed, Detail: "unexpected text after the last field, got " + quoteDetail(line[pos:])}
	}
	return nil
}

// stampSpace extends a bare timestamp field cut at its first space (at
// pos+j) over the space inside the stamp: CLF's " +0200" zone and ISO's
// "2024-10-21 09:00:01" date-time separator. Other fields keep j; a stamp
// whose second part runs to the end of the line returns -1 (no stop found).
func stampSpace(line []byte, pos, j int, f accessField) int {
	var inside bool
	switch f {
	case fieldTimeCLF:
		inside = pos+j+1 < len(line) && (line[pos+j+1] == '+' || line[pos+j+1] == '-')
	case fieldTimeISO:
		inside = j == 10 && pos+j+1 < len(line) && line[pos+j+1] >= '0' && line[pos+j+1] <= '9'
	}
	if !inside {
		return j
	}
	k := bytes.IndexByte(line[pos+j+1:], ' ')
	if k < 0 {
		return -1
	}
	return j + 1 + k
}

// closeQuote returns the index of the '"' closing a quoted field that starts
// at from: the first quote not escaped by a backslash and followed by the
// literal next (for the last field: by the end of the line, or by a space
// and what starts another field: a quote, a digit, a '-'), so an unescaped
// quote inside a User-Agent does not end the field early. It returns -1 when
// there is none.
func closeQuote(line []byte, from int, next string, last bool) int {
	for k := from; k < len(line); {
		j := bytes.IndexByte(line[k:], '"')
		if j < 0 {
			return -1
		}
		q := k + j
		k = q + 1
		if escapedQuote(line, from, q) {
			continue
		}
		rest := line[q+1:]
		switch {
		case next != "":
			if len(rest) >= len(next) && string(rest[:len(next)]) == next {
				return q
			}
		case !last || len(rest) == 0:
			return q
		case rest[0] == ' ' && len(rest) > 1 && (rest[1] == '"' || rest[1] == '-' || rest[1] >= '0' && rest[1] <= '9'):
			return q
		}
	}
	return -1
}

// escapedQuote reports whether the quote at q is preceded by an odd number
// of backslashes (within the field starting at from).
func escapedQuote(line []byte, from, q int) bool {
	n := 0
	for i := q - 1; i >= from && line[i] == '\\'; i-- {
		n++
	}
	return n&1 == 1
}

// scanUpstream returns the end of a bare $upstream_response_time list
// starting at pos: numbers or '-' joined by ", " or " : ".
func scanUpstream(line []byte, pos int) int {
	i := pos
	for {
		j := i
		for j < len(line) && (line[j] >= '0' && line[j] <= '9' || line[j] == '.' || line[j] == '-') {
			j++
		}
		if j == i {
			return i
		}
		i = j
		switch {
		case i+1 < len(line) && line[i] == ',' && line[i+1] == ' ':
			i += 2
		case i+2 < len(line) && line[i] == ' ' && line[i+1] == ':' && line[i+2] == ' ':
			i += 3
		default:
			return i
		}
	}
}

// setField converts one field's bytes into r.
func (p *AccessParser) setField(f accessField, v, line []byte, r *Access) error {
	switch f {
	case fieldSkip:
	case fieldRemote:
		r.Remote = v
	case fieldUser:
		r.User = p.text(v, line)
	case fieldTimeCLF:
		t, ok := p.stamps.get(v)
		if !ok {
			if t, ok = parseCLFTime(v); !ok {
				return badField(reasonBadTime, "timestamp", v)
			}
			p.stamps.put(v, t)
		}
		r.Time = t
	case fieldTimeISO:
		t, ok := p.stamps.get(v)
		if !ok {
			if t, ok = parseISOTime(v); !ok {
				return badField(reasonBadTime, "timestamp", v)
			}
			p.stamps.put(v, t)
		}
		r.Time = t
	case fieldTimeEpoch, fieldTimeEpochMs, fieldTimeEpochUs:
		t, ok := parseEpoch(v, f)
		if !ok {
			return badField(reasonBadTime, "timestamp", v)
		}
		r.Time = t
	case fieldRequest:
		p.request(v, line, r)
	case fieldMethod:
		if !isDash(v) {
			r.Method = v
		}
	case fieldURI:
		splitURI(p.text(v, line), r)
	case fieldPath:
		if !isDash(v) {
			r.Path = p.text(v, line)
		}
	case fieldQuery:
		if len(v) > 0 && v[0] == '?' {
			v = v[1:]
		}
		if !isDash(v) {
			r.Query = p.text(v, line)
		}
	case fieldProto:
		if !isDash(v) {
			r.Proto = v
		}
	case fieldStatus:
		st, ok := parseStatus(v)
		if !ok {
			return badField(reasonBadStatus, "status", v)
		}
		r.Status = st
	case fieldBytes:
		if !isDash(v) {
			n, ok := atoiFixed(v)
			if !ok {
				return badField(reasonBadBytes, "bytes", v)
			}
			r.Bytes = int64(n)
		}
	case fieldReferer:
		r.Referer = p.text(v, line)
	case fieldUA:
		r.UA = p.text(v, line)
	case fieldXFF:
		r.XFF = p.text(v, line)
	case fieldHost:
		if !isDash(v) {
			r.Host = p.text(v, line)
		}
	case fieldRequestTime:
		us, ok := parseSecondsMicros(v, true)
		if !ok {
			return badField(reasonBadRequestTime, "request time", v)
		}
		r.RequestTime = us
	case fieldRequestTimeUs, fieldRequestTimeMs, fieldRequestTimeS:
		n, ok := atoiFixed(v)
		if !ok || n > 1<<40 {
			return badField(reasonBadRequestTime, "request time", v)
		}
		switch f {
		case fieldRequestTimeMs:
			n *= 1000
		case fieldRequestTimeS:
			n *= 1000000
		}
		r.RequestTime = int64(n)
	case fieldUpstream:
		us, ok := parseUpstream(v)
		if !ok {
			return badField(reasonBadUpstream, "upstream time", v)
		}
		r.UpstreamTime = us
	}
	return nil
}

// text returns a text field as the log means it: "-" is empty, and backslash
// escapes are resolved (into scratch) only when the field has a backslash.
func (p *AccessParser) text(v, line []byte) []byte {
	if isDash(v) {
		return nil
	}
	if hasBackslash(v) {
		return p.unescape(v, line, false)
	}
	return v
}

func isDash(v []byte) bool { return len(v) == 1 && v[0] == '-' }

// methodByte is the byte class of an HTTP method token (RFC 9110 methods in
// practice: GET, PROPFIND, VERSION-CONTROL, M-SEARCH).
var methodByte = [256]bool{
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true,
	'I': true, 'J': true, 'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true,
	'Q': true, 'R': true, 'S': true, 'T': true, 'U': true, 'V': true, 'W': true, 'X': true,
	'Y': true, 'Z': true, '-': true, '_': true,
}

// request splits a request line "METHOD target PROTO" into r. An empty or
// "-" request (a 400 or 408 before any request line), a bare word ("HELP")
// or binary garbage (a TLS hello sent to a plain-HTTP port, logged as \xHH
// escapes) leaves Method, Path and Proto empty: the line still counts, with
// its status.
func (p *AccessParser) request(v, line []byte, r *Access) {
	sp := bytes.IndexByte(v, ' ')
	if sp <= 0 || sp > 32 {
		return
	}
	m := v[:sp]
	for _, c := range m {
		if !methodByte[c] {
			return
		}
	}
	rest := v[sp+1:]
	if ls := bytes.LastIndexByte(rest, ' '); ls >= 0 && bytes.HasPrefix(rest[ls+1:], []byte("HTTP/")) {
		r.Proto = rest[ls+1:]
		rest = rest[:ls]
	}
	r.Method = m
	if hasBackslash(rest) {
		rest = p.unescape(rest, line, false)
	}
	splitURI(rest, r)
}

// splitURI sets r.Path and r.Query from a request target.
func splitURI(u []byte, r *Access) {
	if q := bytes.IndexByte(u, '?'); q >= 0 {
		r.Path, r.Query = u[:q], u[q+1:]
		return
	}
	r.Path = u
}

// parseStatus accepts 1 to 3 digits whose value is 0 (nginx's "000" for a
// connection closed before a response) or 100..599.
func parseStatus(v []byte) (uint16, bool) {
	if len(v) == 3 {
		a, b, c := v[0]-'0', v[1]-'0', v[2]-'0'
		if a > 9 || b > 9 || c > 9 {
			return 0, false
		}
		n := uint16(a)*100 + uint16(b)*10 + uint16(c)
		if n != 0 && (n < 100 || n > 599) {
			return 0, false
		}
		return n, true
	}
	if len(v) == 1 && v[0] == '0' {
		return 0, true
	}
	return 0, false
}

// parseSecondsMicros parses "0.004" (seconds, with up to 6 decimals kept)
// into microseconds. With needDot, a number without a decimal point is
// refused, which tells nginx's $request_time from Apache's %D.
func parseSecondsMicros(v []byte, needDot bool) (int64, bool) {
	i := 0
	var sec int64
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		sec = sec*10 + int64(v[i]-'0')
		i++
		if i > 12 {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	us := sec * 1000000
	if i == len(v) {
		return us, !needDot
	}
	if v[i] != '.' {
		return 0, false
	}
	i++
	scale := int64(100000)
	start := i
	for ; i < len(v); i++ {
		d := v[i] - '0'
		if d > 9 {
			return 0, false
		}
		us += int64(d) * scale
		scale /= 10
	}
	if i == start {
		return 0, false
	}
	return us, true
}

// parseUpstream parses $upstream_response_time: one number, "-", or a list
// joined by ", " (next upstream) and " : " (internal redirect), summed in
// microseconds. All "-" gives UpstreamNone.
func parseUpstream(v []byte) (int64, bool) {
	var sum int64
	nums, dashes := 0, 0
	i := 0
	for {
		for i < len(v) && v[i] == ' ' {
			i++
		}
		if i == len(v) {
			return 0, false
		}
		if v[i] == '-' {
			dashes++
			i++
		} else {
			j := i
			for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
				j++
			}
			us, ok := parseSecondsMicros(v[i:j], false)
			if !ok {
				return 0, false
			}
			sum += us
			nums++
			i = j
		}
		for i < len(v) && v[i] == ' ' {
			i++
		}
		if i == len(v) {
			break
		}
		if v[i] != ',' && v[i] != ':' {
			return 0, false
		}
		i++
	}
	if nums == 0 {
		return UpstreamNone, dashes > 0
	}
	return sum, true
}

// literalError explains a literal that did not match at pos.
func (p *AccessParser) literalError(i int, lit string, line []byte, pos int) error {
	if pos >= len(line) {
		return p.truncated(i, line)
	}
	if i <= p.prog.timeStep {
		return &LineError{Reason: reasonNotAccess, Detail: "expected " + strconv.Quote(lit) + " " + p.where(i) + ", got " + quoteDetail(line[pos:])}
	}
	reason := reasonMalformed
	if p.prog.steps[i].field == fieldRequest {
		reason = reasonBadRequest
	}
	return &LineError{Reason: reason, Detail: "expected " + strconv.Quote(lit) + " " + p.where(i) + ", got " + quoteDetail(line[pos:])}
}

func (p *AccessParser) truncated(i int, line []byte) error {
	if i <= p.prog.timeStep {
		return &LineError{Reason: reasonNotAccess, Detail: "line ends " + p.where(i)}
	}
	if p.prog.steps[i].field == fieldRequest {
		return &LineError{Reason: reasonBadRequest, Detail: "no closing quote after the request line"}
	}
	return &LineError{Reason: reasonTruncated, Detail: "line ends " + p.where(i)}
}

func (p *AccessParser) where(i int) string {
	if f := p.prog.steps[i].field; f != fieldEnd {
		return "before the " + f.String()
	}
	return "at the end of the line"
}

// badField is the LineError of a field that does not parse, in the shape
// `bad status field, got "2x0"`.
func badField(reason, field string, v []byte) error {
	return &LineError{Reason: reason, Detail: fmt.Sprintf("bad %s field, got %s", field, quoteDetail(v))}
}

// quoteDetail quotes at most 64 bytes of v for an error detail.
func quoteDetail(v []byte) string {
	if len(v) > 64 {
		return strconv.Quote(string(v[:64])) + "…"
	}
	return strconv.Quote(string(v))
}
