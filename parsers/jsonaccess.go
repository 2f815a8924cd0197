package parsers

import (
	"bytes"
	"math"
)

// JSON access logs, one object a line, scanned by hand without allocating:
// keys are compared as bytes, values are sub-slices of the line, and strings
// are unescaped into the parser's scratch only when they hold a backslash.
// Three dialects share one key table:
//
//	nginx escape=json  {"time_local":"…","remote_addr":"…","request":"GET / HTTP/1.1","status":"200",…}
//	Caddy              {"ts":1700000000.1,"request":{"client_ip":"…","method":"GET","uri":"/","headers":{"User-Agent":["…"]}},"duration":0.01,"size":5,"status":200}
//	Traefik            {"ClientHost":"…","RequestMethod":"GET","RequestPath":"/","DownstreamStatus":200,"Duration":1000000,"time":"…Z",…}

// jsonCtx is the object a key belongs to.
type jsonCtx uint8

const (
	jsonTop     jsonCtx = iota
	jsonRequest         // Caddy's "request" object
	jsonHeaders         // Caddy's "request"."headers" object
)

// jsonState tracks which fields a line set, and with what priority, so the
// order of keys does not change the result.
type jsonState struct {
	timePrio   uint8 // 0 none, 1 request start (Traefik StartUTC), 2 log time
	remotePrio uint8 // 1 socket peer, 2 resolved client
	status     bool
}

func (p *AccessParser) parseJSON(line []byte, r *Access) error {
	i := skipJSONSpace(line, 0)
	if i == len(line) {
		return &LineError{Reason: reasonEmpty}
	}
	if line[i] != '{' {
		return &LineError{Reason: reasonNotAccess, Detail: "expected a JSON object, got " + quoteDetail(line[i:])}
	}
	var st jsonState
	end, err := p.jsonObject(line, i, jsonTop, r, &st)
	if err != nil {
		return err
	}
	if end = skipJSONSpace(line, end); end != len(line) {
		return &LineError{Reason: reasonBadJSON, Detail: "unexpected text after the object, got " + quoteDetail(line[end:])}
	}
	if st.timePrio == 0 {
		return &LineError{Reason: reasonBadTime, Detail: "no time field (time_local, time_iso8601, msec, ts, time)"}
	}
	if !st.status {
		return &LineError{Reason: reasonBadStatus, Detail: "no status field (status, DownstreamStatus)"}
	}
	return nil
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func jsonSyntax(b []byte, i int, what string) error {
	if i >= len(b) {
		return &LineError{Reason: reasonTruncated, Detail: "JSON ends " + what}
	}
	return &LineError{Reason: reasonBadJSON, Detail: "expected " + what + ", got " + quoteDetail(b[i:])}
}

// jsonString returns the end (index of the closing quote) of the string
// whose opening quote is at i.
func jsonString(b []byte, i int) int {
	from := i + 1
	for k := from; k < len(b); {
		j := bytes.IndexByte(b[k:], '"')
		if j < 0 {
			return -1
		}
		q := k + j
		if !escapedQuote(b, from, q) {
			return q
		}
		k = q + 1
	}
	return -1
}

// jsonObject scans the object whose '{' is at i and returns the index after
// its '}'.
func (p *AccessParser) jsonObject(b []byte, i int, ctx jsonCtx, r *Access, st *jsonState) (int, error) {
	i = skipJSONSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, jsonSyntax(b, i, "a key")
		}
		ke := jsonString(b, i)
		if ke < 0 {
			return 0, jsonSyntax(b, len(b), "inside a key")
		}
		key := b[i+1 : ke]
		i = skipJSONSpace(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return 0, jsonSyntax(b, i, `":"`)
		}
		i = skipJSONSpace(b, i+1)
		if i >= len(b) {
			return 0, jsonSyntax(b, i, "a value")
		}
		var err error
		switch c := b[i]; {
		case c == '"':
			e := jsonString(b, i)
			if e < 0 {
				return 0, jsonSyntax(b, len(b), "inside a string")
			}
			if err = p.jsonField(ctx, key, b[i+1:e], true, b, r, st); err != nil {
				return 0, err
			}
			i = e + 1
		case c == '{':
			switch {
			case ctx == jsonTop && string(key) == "request":
				i, err = p.jsonObject(b, i, jsonRequest, r, st)
			case ctx == jsonRequest && string(key) == "headers":
				i, err = p.jsonObject(b, i, jsonHeaders, r, st)
			default:
				i, err = skipJSONValue(b, i)
			}
			if err != nil {
				return 0, err
			}
		case c == '[' && ctx == jsonHeaders:
			// Caddy logs each header as an array of values: take the first.
			j := skipJSONSpace(b, i+1)
			if j < len(b) && b[j] == '"' {
				if e := jsonString(b, j); e > 0 {
					if err = p.jsonField(ctx, key, b[j+1:e], true, b, r, st); err != nil {
						return 0, err
					}
				}
			}
			if i, err = skipJSONValue(b, i); err != nil {
				return 0, err
			}
		case c == '[':
			if i, err = skipJSONValue(b, i); err != nil {
				return 0, err
			}
		default:
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' {
				j++
			}
			if j == i {
				return 0, jsonSyntax(b, i, "a value")
			}
			if err = p.jsonField(ctx, key, b[i:j], false, b, r, st); err != nil {
				return 0, err
			}
			i = j
		}
		i = skipJSONSpace(b, i)
		if i >= len(b) {
			return 0, jsonSyntax(b, i, `"," or "}"`)
		}
		switch b[i] {
		case ',':
			i = skipJSONSpace(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, jsonSyntax(b, i, `"," or "}"`)
		}
	}
}

// skipJSONValue skips the object or array starting at i, strings included,
// and returns the index after it.
func skipJSONValue(b []byte, i int) (int, error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			e := jsonString(b, i)
			if e < 0 {
				return 0, jsonSyntax(b, len(b), "inside a string")
			}
			i = e
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, jsonSyntax(b, i, "a closing bracket")
}

// jsonText resolves a string value's escapes; "-" and null are empty.
func (p *AccessParser) jsonText(v []byte, str bool, line []byte) []byte {
	if !str || isDash(v) {
		return nil
	}
	if hasBackslash(v) {
		return p.unescape(v, line, true)
	}
	return v
}

// jsonField stores one key's value. v is a string's content (str) or a bare
// token (number, true, false, null).
func (p *AccessParser) jsonField(ctx jsonCtx, key, v []byte, str bool, line []byte, r *Access, st *jsonState) error {
	if !str && string(v) == "null" {
		return nil
	}
	switch ctx {
	case jsonRequest:
		switch string(key) {
		case "client_ip":
			p.jsonRemote(v, 2, r, st)
		case "remote_ip", "remote_addr":
			p.jsonRemote(v, 1, r, st)
		case "proto":
			r.Proto = p.jsonText(v, str, line)
		case "method":
			r.Method = p.jsonText(v, str, line)
		case "host":
			r.Host = p.jsonText(v, str, line)
		case "uri":
			splitURI(p.jsonText(v, str, line), r)
		}
		return nil
	case jsonHeaders:
		switch string(key) {
		case "User-Agent":
			r.UA = p.jsonText(v, str, line)
		case "Referer":
			r.Referer = p.jsonText(v, str, line)
		case "X-Forwarded-For":
			r.XFF = p.jsonText(v, str, line)
		}
		return nil
	}
	if str && len(v) == 0 {
		// nginx escape=json writes an unset variable as "": an upstream
		// never used, or a field with nothing to say.
		if string(key) == "upstream_response_time" {
			r.UpstreamTime = UpstreamNone
		}
		return nil
	}
	switch string(key) {
	case "time_local":
		return p.jsonTime(v, fieldTimeCLF, 2, r, st)
	case "time_iso8601", "time", "@timestamp", "timestamp":
		return p.jsonTime(v, fieldTimeISO, 2, r, st)
	case "msec", "ts":
		return p.jsonTime(v, fieldTimeEpoch, 2, r, st)
	case "StartUTC":
		return p.jsonTime(v, fieldTimeISO, 1, r, st)
	case "client_ip", "ClientHost":
		p.jsonRemote(v, 2, r, st)
	case "remote_addr", "remote_ip":
		p.jsonRemote(v, 1, r, st)
	case "remote_user", "ClientUsername", "user_id":
		r.User = p.jsonText(v, str, line)
	case "request":
		if str {
			p.request(v, line, r)
		}
	case "request_method", "method", "RequestMethod":
		r.Method = p.jsonText(v, str, line)
	case "request_uri", "uri", "RequestPath":
		splitURI(p.jsonText(v, str, line), r)
	case "args", "query_string":
		r.Query = p.jsonText(v, str, line)
	case "server_protocol", "protocol", "proto", "RequestProtocol":
		r.Proto = p.jsonText(v, str, line)
	case "status", "DownstreamStatus":
		s, ok := parseStatus(v)
		if !ok {
			return badField(reasonBadStatus, "status", v)
		}
		r.Status, st.status = s, true
	case "body_bytes_sent", "bytes_sent", "size", "DownstreamContentSize":
		if !isDash(v) {
			n, ok := atoiFixed(v)
			if !ok {
				return badField(reasonBadBytes, "bytes", v)
			}
			r.Bytes = int64(n)
		}
	case "http_referer", "referer", "request_Referer":
		r.Referer = p.jsonText(v, str, line)
	case "http_user_agent", "user_agent", "request_User-Agent":
		r.UA = p.jsonText(v, str, line)
	case "http_x_forwarded_for", "request_X-Forwarded-For":
		r.XFF = p.jsonText(v, str, line)
	case "host", "http_host", "server_name", "RequestHost":
		r.Host = p.jsonText(v, str, line)
	case "request_time", "duration":
		us, ok := parseSecondsMicros(v, false)
		if !ok {
			if us, ok = parseFloatMicros(v); !ok {
				return badField(reasonBadRequestTime, "request time", v)
			}
		}
		r.RequestTime = us
	case "Duration":
		n, ok := atoiFixed(v)
		if !ok {
			return badField(reasonBadRequestTime, "request time", v)
		}
		r.RequestTime = int64(n) / 1000
	case "upstream_response_time":
		us, ok := parseUpstream(v)
		if !ok {
			return badField(reasonBadUpstream, "upstream time", v)
		}
		r.UpstreamTime = us
	case "OriginDuration":
		n, ok := atoiFixed(v)
		if !ok {
			return badField(reasonBadUpstream, "upstream time", v)
		}
		r.UpstreamTime = int64(n) / 1000
	}
	return nil
}

func (p *AccessParser) jsonRemote(v []byte, prio uint8, r *Access, st *jsonState) {
	if prio >= st.remotePrio && len(v) > 0 {
		r.Remote, st.remotePrio = v, prio
	}
}

// jsonTime sets the line's time unless a field of higher priority did.
func (p *AccessParser) jsonTime(v []byte, f accessField, prio uint8, r *Access, st *jsonState) error {
	if prio < st.timePrio {
		return nil
	}
	t, ok := p.stamps.get(v)
	if !ok {
		switch f {
		case fieldTimeCLF:
			t, ok = parseCLFTime(v)
		case fieldTimeISO:
			t, ok = parseISOTime(v)
		default:
			t, ok = parseEpoch(v, f)
		}
		if !ok {
			return badField(reasonBadTime, "timestamp", v)
		}
		if f != fieldTimeEpoch {
			p.stamps.put(v, t)
		}
	}
	r.Time, st.timePrio = t, prio
	r.TimeIsStart = prio == 1
	return nil
}

// parseFloatMicros parses a JSON number of seconds in any form, exponent
// included ("1.2e-05"), into microseconds without allocating: the rare case
// parseSecondsMicros refuses.
func parseFloatMicros(v []byte) (int64, bool) {
	var mant int64
	exp, digits, i := 0, 0, 0
	dot := false
	for ; i < len(v); i++ {
		c := v[i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
		switch {
		case mant < 1e17:
			mant = mant*10 + int64(c-'0')
			if dot {
				exp--
			}
		case !dot:
			exp++ // digits beyond int64 precision still scale the value
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(v) {
		if v[i] != 'e' && v[i] != 'E' {
			return 0, false
		}
		i++
		neg := false
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			neg = v[i] == '-'
			i++
		}
		e, ok := atoiFixed(v[i:])
		if !ok || e > 400 {
			return 0, false
		}
		if neg {
			e = -e
		}
		exp += e
	}
	f := float64(mant) * math.Pow10(exp+6)
	if f > 1e15 {
		return 0, false
	}
	return int64(f + 0.5), true
}
