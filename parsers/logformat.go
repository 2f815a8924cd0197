package parsers

import (
	"errors"
	"fmt"
	"strings"
)

// A log format string (nginx log_format or Apache LogFormat) compiles into a
// program: a sequence of steps, each a literal to match followed by one field
// to cut out of the line. Built-in formats are compiled from their specs the
// same way, so one matcher (access_match.go) serves every text format.

// accessField is what a field of a format fills in Access.
type accessField uint8

const (
	fieldEnd           accessField = iota // no field: the step only matches its literal
	fieldSkip                             // a variable we do not use
	fieldRemote                           // $remote_addr, %h, %a
	fieldUser                             // $remote_user, %u
	fieldTimeCLF                          // $time_local, %t: 10/Oct/2000:13:55:36 -0700
	fieldTimeISO                          // $time_iso8601: 2000-10-10T13:55:36-07:00
	fieldTimeEpoch                        // $msec, %{sec}t: 1700000000.123
	fieldTimeEpochMs                      // %{msec}t
	fieldTimeEpochUs                      // %{usec}t
	fieldRequest                          // $request, %r: "GET /path?q HTTP/1.1"
	fieldMethod                           // $request_method, %m
	fieldURI                              // $request_uri: path with query
	fieldPath                             // $uri, %U
	fieldQuery                            // $args, $query_string, %q
	fieldProto                            // $server_protocol, %H
	fieldStatus                           // $status, %>s
	fieldBytes                            // $body_bytes_sent, %b, %B
	fieldReferer                          // $http_referer, %{Referer}i
	fieldUA                               // $http_user_agent, %{User-Agent}i
	fieldXFF                              // $http_x_forwarded_for, %{X-Forwarded-For}i
	fieldHost                             // $host, $server_name, %v
	fieldRequestTime                      // $request_time: seconds with a decimal point
	fieldRequestTimeUs                    // %D, %{us}T
	fieldRequestTimeMs                    // %{ms}T
	fieldRequestTimeS                     // %T, %{s}T: whole seconds
	fieldUpstream                         // $upstream_response_time: "0.004, 0.002 : 0.010" or "-"
)

var accessFieldNames = [...]string{
	fieldEnd: "end", fieldSkip: "field", fieldRemote: "remote address", fieldUser: "remote user",
	fieldTimeCLF: "timestamp", fieldTimeISO: "timestamp", fieldTimeEpoch: "timestamp",
	fieldTimeEpochMs: "timestamp", fieldTimeEpochUs: "timestamp", fieldRequest: "request line",
	fieldMethod: "method", fieldURI: "request uri", fieldPath: "path", fieldQuery: "query",
	fieldProto: "protocol", fieldStatus: "status", fieldBytes: "bytes", fieldReferer: "referer",
	fieldUA: "user agent", fieldXFF: "x-forwarded-for", fieldHost: "host",
	fieldRequestTime: "request time", fieldRequestTimeUs: "request time",
	fieldRequestTimeMs: "request time", fieldRequestTimeS: "request time",
	fieldUpstream: "upstream time",
}

func (f accessField) String() string {
	if int(f) < len(accessFieldNames) {
		return accessFieldNames[f]
	}
	return "field"
}

func (f accessField) isTime() bool { return f >= fieldTimeCLF && f <= fieldTimeEpochUs }

// quoteMode says whether a field is enclosed in double quotes.
type quoteMode uint8

const (
	quoteNo    quoteMode = iota
	quoteYes             // "…": ends at the closing quote followed by the next literal
	quoteMaybe           // quoted when the line has a quote there, bare otherwise
)

// step is one literal followed by one field.
type step struct {
	lit   string // literal before the field, without the field's own opening quote
	field accessField
	quote quoteMode
	stop  byte   // for a bare field: the byte that ends it; 0 = end of line
	next  string // literal right after the field, without its closing quote
	last  bool   // nothing but the final literal follows the field
}

// program is a compiled access-log format. It is immutable once built and
// shared by clones of a parser.
type program struct {
	steps       []step // the last step has field fieldEnd and holds the tail literal
	timeStep    int    // index of the step holding the timestamp; failures up to it mean "not an access line"
	timeIsStart bool   // Apache %t: the stamp is the request's start
	apache      bool
}

// errBadLogFormat is wrapped by every CompileLogFormat error.
var errBadLogFormat = errors.New("bad log format")

// CompileLogFormat compiles an nginx log_format string
// (`$remote_addr - $remote_user [$time_local] "$request" …`) or an Apache
// LogFormat string (`%h %l %u %t \"%r\" %>s %b …`) into a parser. The syntax
// is detected from the string: nginx variables start with '$', Apache
// directives with '%'. A whole config line (`log_format main '…' '…';` or
// `LogFormat "…" combined`) is accepted too. Variables the tool does not use
// are matched and skipped; the format must contain a timestamp and a status.
func CompileLogFormat(spec string) (*AccessParser, error) {
	prog, err := compileSpec(spec)
	if err != nil {
		return nil, err
	}
	return &AccessParser{format: FormatCustom, name: "custom: " + strings.TrimSpace(spec), prog: prog}, nil
}

// token is one piece of a format string before steps are built: a literal
// (field == fieldEnd) or a field.
type token struct {
	lit   string
	field accessField
	name  string // the variable as written, for error messages
}

func compileSpec(spec string) (*program, error) {
	s := unwrapConfigLine(strings.TrimSpace(spec))
	if s == "" {
		return nil, fmt.Errorf("%w: empty format", errBadLogFormat)
	}
	var toks []token
	var err error
	apache := isApacheSpec(s)
	if apache {
		toks, err = tokenizeApache(s)
	} else {
		toks, err = tokenizeNginx(s)
	}
	if err != nil {
		return nil, err
	}
	prog, err := buildProgram(toks)
	if err != nil {
		return nil, err
	}
	prog.apache = apache
	// Apache's %t is the time the request was received; %{end:…}t asks for
	// the time the response was finished, like nginx's.
	prog.timeIsStart = apache && !strings.Contains(s, "%{end:")
	return prog, nil
}

// unwrapConfigLine turns `log_format name 'a' 'b';` into `ab` and
// `LogFormat "x" name` into `x`; anything else is returned as is.
func unwrapConfigLine(s string) string {
	switch {
	case strings.HasPrefix(s, "log_format "):
		rest := strings.TrimSpace(s[len("log_format "):])
		// Skip the name and an optional escape=… parameter.
		for rest != "" && rest[0] != '\'' && rest[0] != '"' {
			sp := strings.IndexAny(rest, " \t")
			if sp < 0 {
				return rest
			}
			rest = strings.TrimSpace(rest[sp:])
		}
		return joinQuoted(strings.TrimSuffix(strings.TrimSpace(rest), ";"))
	case strings.HasPrefix(s, "LogFormat "):
		rest := strings.TrimSpace(s[len("LogFormat "):])
		if rest != "" && rest[0] == '"' {
			if end := closingConfigQuote(rest); end > 0 {
				return rest[1:end]
			}
		}
		return rest
	case len(s) > 1 && s[0] == '\'' && strings.Count(s, "'")%2 == 0:
		return joinQuoted(s)
	}
	return s
}

// joinQuoted concatenates nginx's adjacent quoted strings 'a' 'b'.
func joinQuoted(s string) string {
	var b strings.Builder
	for s != "" {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			break
		}
		q := s[0]
		if q != '\'' && q != '"' {
			b.WriteString(s)
			break
		}
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			b.WriteString(s[1:])
			break
		}
		b.WriteString(s[1 : 1+end])
		s = s[2+end:]
	}
	return b.String()
}

// closingConfigQuote returns the index of the '"' that closes the quoted
// string starting at s[0], skipping \" escapes.
func closingConfigQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// isApacheSpec reports whether s is an Apache LogFormat: its first directive
// is a '%' one rather than an nginx '$' variable.
func isApacheSpec(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		c, n := s[i], s[i+1]
		if c == '$' && (n == '{' || n == '_' || n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z') {
			return false
		}
		if c == '%' && n != '%' && n != ' ' {
			return true
		}
	}
	return false
}

// nginxVars maps nginx variables to fields; any other variable is skipped.
var nginxVars = map[string]accessField{
	"remote_addr":               fieldRemote,
	"remote_user":               fieldUser,
	"time_local":                fieldTimeCLF,
	"time_iso8601":              fieldTimeISO,
	"msec":                      fieldTimeEpoch,
	"request":                   fieldRequest,
	"request_method":            fieldMethod,
	"request_uri":               fieldURI,
	"uri":                       fieldPath,
	"document_uri":              fieldPath,
	"args":                      fieldQuery,
	"query_string":              fieldQuery,
	"server_protocol":           fieldProto,
	"status":                    fieldStatus,
	"body_bytes_sent":           fieldBytes,
	"bytes_sent":                fieldBytes,
	"http_referer":              fieldReferer,
	"http_user_agent":           fieldUA,
	"http_x_forwarded_for":      fieldXFF,
	"proxy_add_x_forwarded_for": fieldXFF,
	"host":                      fieldHost,
	"http_host":                 fieldHost,
	"server_name":               fieldHost,
	"request_time":              fieldRequestTime,
	"upstream_response_time":    fieldUpstream,
}

func tokenizeNginx(s string) ([]token, error) {
	var toks []token
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			lit.WriteByte(c)
			continue
		}
		var name string
		if i+1 < len(s) && s[i+1] == '{' {
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%w: unclosed ${ at offset %d", errBadLogFormat, i)
			}
			name = s[i+2 : i+2+end]
			i += 2 + end
		} else {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if j == i+1 {
				lit.WriteByte(c) // a lone '$'
				continue
			}
			name = s[i+1 : j]
			i = j - 1
		}
		f, ok := nginxVars[strings.ToLower(name)]
		if !ok {
			f = fieldSkip
		}
		toks = append(toks, token{lit: lit.String()}, token{field: f, name: "$" + name})
		lit.Reset()
	}
	return append(toks, token{lit: lit.String()}), nil
}

func tokenizeApache(s string) ([]token, error) {
	var toks []token
	var lit strings.Builder
	flush := func(f accessField, name string) {
		toks = append(toks, token{lit: lit.String()}, token{field: f, name: name})
		lit.Reset()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			// Escapes of the config file's quoted string.
			i++
			switch s[i] {
			case 'n':
				lit.WriteByte('\n')
			case 't':
				lit.WriteByte('\t')
			default:
				lit.WriteByte(s[i])
			}
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		start := i
		i++
		// Modifiers: status conditions (!200,304), '<' / '>'.
		for i < len(s) && (s[i] == '<' || s[i] == '>' || s[i] == '!' || s[i] == ',' || s[i] >= '0' && s[i] <= '9') {
			i++
		}
		var arg string
		if i < len(s) && s[i] == '{' {
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%w: unclosed %%{ at offset %d", errBadLogFormat, start)
			}
			arg = s[i+1 : i+1+end]
			i += 2 + end
		}
		if i >= len(s) {
			return nil, fmt.Errorf("%w: %q ends with a lone %%", errBadLogFormat, s)
		}
		d := s[i]
		name := s[start : i+1]
		switch d {
		case '%':
			lit.WriteByte('%')
		case 'h', 'a':
			flush(fieldRemote, name)
		case 'u':
			flush(fieldUser, name)
		case 't':
			switch strings.TrimPrefix(strings.TrimPrefix(arg, "begin:"), "end:") {
			case "":
				lit.WriteByte('[')
				flush(fieldTimeCLF, name)
				lit.WriteByte(']')
			case "%d/%b/%Y:%H:%M:%S %z":
				flush(fieldTimeCLF, name)
			case "sec":
				flush(fieldTimeEpoch, name)
			case "msec":
				flush(fieldTimeEpochMs, name)
			case "usec":
				flush(fieldTimeEpochUs, name)
			case "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S %z", "%FT%T%z":
				flush(fieldTimeISO, name)
			default:
				return nil, fmt.Errorf("%w: unsupported time format %s", errBadLogFormat, name)
			}
		case 'r':
			flush(fieldRequest, name)
		case 's':
			flush(fieldStatus, name)
		case 'b', 'B':
			flush(fieldBytes, name)
		case 'm':
			flush(fieldMethod, name)
		case 'U':
			flush(fieldPath, name)
		case 'q':
			flush(fieldQuery, name)
		case 'H':
			flush(fieldProto, name)
		case 'v', 'V':
			flush(fieldHost, name)
		case 'D':
			flush(fieldRequestTimeUs, name)
		case 'T':
			switch arg {
			case "", "s":
				flush(fieldRequestTimeS, name)
			case "ms":
				flush(fieldRequestTimeMs, name)
			case "us":
				flush(fieldRequestTimeUs, name)
			default:
				return nil, fmt.Errorf("%w: unsupported unit in %s", errBadLogFormat, name)
			}
		case 'i':
			switch strings.ToLower(arg) {
			case "referer":
				flush(fieldReferer, name)
			case "user-agent":
				flush(fieldUA, name)
			case "x-forwarded-for":
				flush(fieldXFF, name)
			case "host":
				flush(fieldHost, name)
			default:
				flush(fieldSkip, name)
			}
		case 'l', 'A', 'e', 'f', 'k', 'L', 'n', 'o', 'O', 'I', 'S', 'p', 'P', 'R', 'X', 'C', 'c', '^':
			flush(fieldSkip, name)
		default:
			return nil, fmt.Errorf("%w: unknown directive %s", errBadLogFormat, name)
		}
	}
	return append(toks, token{lit: lit.String()}), nil
}

// buildProgram turns alternating literal/field tokens (literal first and
// last) into steps: a field between a literal ending in '"' and one starting
// with '"' is a quoted field; a bare field ends at the first byte of the
// literal after it.
func buildProgram(toks []token) (*program, error) {
	// Apache's "%U%q" is a path glued to "?query" (or nothing): one URI.
	for i := 1; i+2 < len(toks); i += 2 {
		if toks[i].field == fieldPath && toks[i+1].lit == "" && toks[i+2].field == fieldQuery {
			toks[i].field = fieldURI
			toks[i].name += toks[i+2].name
			toks = append(toks[:i+1], toks[i+3:]...)
		}
	}
	prog := &program{timeStep: -1}
	hasStatus := false
	lit := toks[0].lit
	for i := 1; i+1 < len(toks); i += 2 {
		f, name := toks[i].field, toks[i].name
		next := toks[i+1].lit
		st := step{lit: lit, field: f}
		if strings.HasSuffix(lit, `"`) && strings.HasPrefix(next, `"`) {
			st.quote = quoteYes
			st.lit = lit[:len(lit)-1]
			next = next[1:]
		}
		st.next = next
		st.last = i+2 == len(toks)
		if st.quote == quoteNo {
			switch {
			case next != "":
				st.stop = next[0]
			case i+2 < len(toks)-1:
				return nil, fmt.Errorf("%w: %s and %s are not separated", errBadLogFormat, name, toks[i+2].name)
			case f == fieldUpstream:
				// A bare upstream list has its own grammar (access_match.go).
			case f != fieldSkip && f != fieldRequest && f != fieldReferer && f != fieldUA && f != fieldXFF:
				st.stop = ' ' // a word ends at a space: extra fields may follow
			}
		}
		if f.isTime() && prog.timeStep < 0 {
			prog.timeStep = len(prog.steps)
		}
		if f == fieldStatus {
			hasStatus = true
		}
		prog.steps = append(prog.steps, st)
		lit = next
	}
	prog.steps = append(prog.steps, step{lit: lit, field: fieldEnd, last: true})
	if prog.timeStep < 0 {
		return nil, fmt.Errorf("%w: no timestamp ($time_local, $time_iso8601, $msec, %%t)", errBadLogFormat)
	}
	if !hasStatus {
		return nil, fmt.Errorf("%w: no status ($status, %%s)", errBadLogFormat)
	}
	return prog, nil
}
