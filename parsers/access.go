package parsers

import (
	"bytes"
	"fmt"
)

// AccessFormat names a built-in access-log format.
type AccessFormat uint8

// Built-in access-log formats. The order is the sniffing preference: when
// several formats parse the same lines, the one listed first (the richest)
// wins.
const (
	FormatUnknown AccessFormat = iota
	// FormatNginxMainUpstream is nginx main plus $request_time and
	// $upstream_response_time (quoted or not).
	FormatNginxMainUpstream
	// FormatNginxMainTimed is nginx main plus $request_time.
	FormatNginxMainTimed
	// FormatNginxCombinedUpstream is nginx combined plus $request_time and
	// $upstream_response_time (quoted or not).
	FormatNginxCombinedUpstream
	// FormatNginxCombinedTimed is nginx combined plus $request_time.
	FormatNginxCombinedTimed
	// FormatApacheVhostCombinedD is Apache vhost_combined plus %D.
	FormatApacheVhostCombinedD
	// FormatApacheCombinedD is Apache combined plus %D (microseconds).
	FormatApacheCombinedD
	// FormatApacheCombinedT is Apache combined plus %T (whole seconds).
	FormatApacheCombinedT
	// FormatApacheVhostCombined is Apache vhost_combined (%v:%p first).
	FormatApacheVhostCombined
	// FormatNginxMain is nginx's main: combined plus "$http_x_forwarded_for".
	FormatNginxMain
	// FormatNginxCombined is nginx's predefined combined format.
	FormatNginxCombined
	// FormatApacheCombined is Apache's combined LogFormat (%t is the start).
	FormatApacheCombined
	// FormatApacheCommon is Apache's common LogFormat (CLF).
	FormatApacheCommon
	// FormatJSON is one JSON object a line: nginx escape=json, Caddy or
	// Traefik access logs.
	FormatJSON
	// FormatCustom is a format compiled by CompileLogFormat.
	FormatCustom

	numAccessFormats
)

// builtinFormat is the definition of one built-in format: its name and the
// log_format / LogFormat string it is compiled from.
type builtinFormat struct {
	name string
	spec string
}

const (
	nginxCombinedSpec  = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`
	nginxMainSpec      = nginxCombinedSpec + ` "$http_x_forwarded_for"`
	apacheCommonSpec   = `%h %l %u %t "%r" %>s %b`
	apacheCombinedSpec = apacheCommonSpec + ` "%{Referer}i" "%{User-Agent}i"`
	apacheVhostSpec    = `%v:%p ` + apacheCombinedSpec
)

var builtinFormats = [numAccessFormats]builtinFormat{
	FormatUnknown:               {name: "unknown"},
	FormatNginxMainUpstream:     {"nginx main + request_time + upstream_time", nginxMainSpec + ` $request_time $upstream_response_time`},
	FormatNginxMainTimed:        {"nginx main + request_time", nginxMainSpec + ` $request_time`},
	FormatNginxCombinedUpstream: {"nginx combined + request_time + upstream_time", nginxCombinedSpec + ` $request_time $upstream_response_time`},
	FormatNginxCombinedTimed:    {"nginx combined + request_time", nginxCombinedSpec + ` $request_time`},
	FormatApacheVhostCombinedD:  {"apache vhost_combined + %D", apacheVhostSpec + ` %D`},
	FormatApacheCombinedD:       {"apache combined + %D", apacheCombinedSpec + ` %D`},
	FormatApacheCombinedT:       {"apache combined + %T", apacheCombinedSpec + ` %T`},
	FormatApacheVhostCombined:   {"apache vhost_combined", apacheVhostSpec},
	FormatNginxMain:             {"nginx main", nginxMainSpec},
	FormatNginxCombined:         {"nginx combined", nginxCombinedSpec},
	FormatApacheCombined:        {"apache combined", apacheCombinedSpec},
	FormatApacheCommon:          {"apache common", apacheCommonSpec},
	FormatJSON:                  {name: "json lines"},
	FormatCustom:                {name: "custom"},
}

// String returns the format's name as the report shows it.
func (f AccessFormat) String() string {
	if f < numAccessFormats {
		return builtinFormats[f].name
	}
	return fmt.Sprintf("access-format(%d)", uint8(f))
}

// AccessParser parses the lines of one access log in one format: a compiled
// program of literal and field steps, plus per-instance scratch space for
// unescaped fields and a cache of the last timestamp. It is not safe for
// concurrent use; Clone gives another goroutine its own.
type AccessParser struct {
	format AccessFormat
	name   string
	prog   *program // nil for FormatJSON; immutable, shared by clones

	stamps  stampCache
	scratch []byte // unescaped fields of the current line; cap >= line length when used
}

// NewAccessParser returns a parser for the built-in format f. It panics on
// FormatUnknown, FormatCustom or an out-of-range value, which are programmer
// errors (use CompileLogFormat for custom formats).
func NewAccessParser(f AccessFormat) *AccessParser {
	if f == FormatUnknown || f >= FormatCustom {
		panic(fmt.Sprintf("BUG: NewAccessParser(%v): not a built-in format", f))
	}
	p := &AccessParser{format: f, name: builtinFormats[f].name}
	if f == FormatJSON {
		return p
	}
	prog, err := compileSpec(builtinFormats[f].spec)
	if err != nil {
		panic(fmt.Sprintf("BUG: built-in format %v: %v", f, err))
	}
	switch f {
	case FormatNginxMainUpstream, FormatNginxCombinedUpstream:
		// nginx's upstream_response_time is logged quoted or bare depending
		// on the site's log_format; the built-ins take both.
		prog.steps[len(prog.steps)-2].quote = quoteMaybe
	}
	p.prog = prog
	return p
}

// Format returns the built-in format of p, FormatCustom for a compiled one.
func (p *AccessParser) Format() AccessFormat { return p.format }

// Name returns the format's name for the report: "nginx combined",
// "apache vhost_combined", "custom: <spec>".
func (p *AccessParser) Name() string { return p.name }

// Clone returns a parser for the same format with its own scratch space and
// cache, for use by another goroutine.
func (p *AccessParser) Clone() *AccessParser {
	return &AccessParser{format: p.format, name: p.name, prog: p.prog}
}

// Parse parses one line into r, which it resets first. A trailing "\r" or
// "\n" is ignored. Byte-slice fields of r alias line or the parser's scratch
// space and are valid until the next Parse on p. It returns a *LineError
// when the line is not a valid line of p's format, and allocates nothing on
// a valid line.
func (p *AccessParser) Parse(line []byte, r *Access) error {
	r.Reset()
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	p.scratch = p.scratch[:0]
	if p.prog == nil {
		return p.parseJSON(line, r)
	}
	return p.match(line, r)
}

// unescape returns v with its backslash escapes resolved (\" \\ \/ \xHH \n
// \t \r \b \f and, for JSON, \uXXXX with surrogate pairs), written into the parser's scratch
// space. line is the whole input line: scratch is grown to its length once,
// so the unescaped fields of one line never move (no escape makes a field
// longer).
func (p *AccessParser) unescape(v, line []byte, json bool) []byte {
	if cap(p.scratch) < len(line) {
		p.scratch = make([]byte, 0, max(len(line), 4096))
	}
	start := len(p.scratch)
	out := p.scratch
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 == len(v) {
			out = append(out, c)
			continue
		}
		i++
		switch e := v[i]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'x':
			if i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
				out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
				i += 2
			} else {
				out = append(out, '\\', e)
			}
		case 'u':
			if json && i+4 < len(v) {
				if r, ok := hex4(v[i+1 : i+5]); ok {
					i += 4
					// A UTF-16 surrogate pair "\ud83d\ude00" is one rune.
					if r >= 0xD800 && r < 0xDC00 && i+6 < len(v) && v[i+1] == '\\' && v[i+2] == 'u' {
						if lo, ok := hex4(v[i+3 : i+7]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
							r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
							i += 6
						}
					}
					out = appendRune(out, r)
					continue
				}
			}
			out = append(out, '\\', e)
		default:
			out = append(out, '\\', e)
		}
	}
	p.scratch = out
	return out[start:len(out):len(out)]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

// appendRune appends the UTF-8 encoding of r (a lone surrogate becomes
// U+FFFD). The encoding is never longer than the escape it came from.
func appendRune(b []byte, r rune) []byte {
	switch {
	case r >= 0x10000:
		return append(b, 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xC0|byte(r>>6), 0x80|byte(r)&0x3F)
	case r >= 0xD800 && r <= 0xDFFF:
		return append(b, 0xEF, 0xBF, 0xBD)
	}
	return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

// hasBackslash reports whether v needs unescaping.
func hasBackslash(v []byte) bool { return bytes.IndexByte(v, '\\') >= 0 }
