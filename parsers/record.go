// Package parsers turns log lines into typed records: one file a format,
// format sniffing over the first lines of an input, and per-input time zones.
// It does not aggregate, and it does not allocate per line on valid
// single-line input: byte-slice fields of a record alias the input line and
// are valid only until the next call that fills the same record.
package parsers

import "fmt"

// Kind is the kind of log an input holds.
type Kind uint8

// The kinds of input postmortem reads (DESIGN.md section 3).
const (
	KindUnknown Kind = iota
	KindAccess
	KindNginxError
	KindApacheError
	KindFPM
	KindFPMSlow
	KindMySQLError
	KindMySQLSlow
	KindKernel
)

var kindNames = [...]string{
	KindUnknown:     "unknown",
	KindAccess:      "access",
	KindNginxError:  "nginx-error",
	KindApacheError: "apache-error",
	KindFPM:         "fpm",
	KindFPMSlow:     "fpm-slow",
	KindMySQLError:  "mysql-error",
	KindMySQLSlow:   "mysql-slow",
	KindKernel:      "kernel",
}

// String returns the kind's name as used in the JSON contract.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind returns the Kind named s ("access", "nginx-error", …).
func ParseKind(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n == s {
			return Kind(k), true
		}
	}
	return KindUnknown, false
}

// Upstream time sentinels for Access.UpstreamTime.
const (
	// NoField means the log format has no upstream time field.
	NoField = -1
	// UpstreamNone means the field is present and says "-": the request was
	// never passed to an upstream (static file, rejected, or connect failed).
	UpstreamNone = -2
)

// Access is one HTTP access-log line. Byte-slice fields alias the input line
// (or a scratch buffer owned by the parser) and are valid only until the next
// parse into the same Access. Anything kept must be copied.
type Access struct {
	Time        int64 // Unix nanoseconds, UTC, of the logged timestamp
	TimeIsStart bool  // true when the timestamp is the request's start (Apache %t), not its end (nginx)
	Remote      []byte
	User        []byte
	Method      []byte
	Path        []byte // without the query string
	Query       []byte // without the leading '?'; empty when none
	Proto       []byte
	Status      uint16
	Bytes       int64 // 0 when the log says "-"
	Referer     []byte
	UA          []byte
	XFF         []byte // X-Forwarded-For as logged, may be a list
	Host        []byte // virtual host when the format has one
	// RequestTime is the request duration in microseconds, NoField when the
	// format has none.
	RequestTime int64
	// UpstreamTime is the upstream response time in microseconds summed over
	// attempts, NoField when the format has none, UpstreamNone for "-".
	UpstreamTime int64
}

// Reset clears r for reuse without releasing anything.
func (r *Access) Reset() { *r = Access{RequestTime: NoField, UpstreamTime: NoField} }

// ParseError is a bad line: where it is and what is wrong with it.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// LineError says why one line did not parse. Reason is a short, stable class
// used to group skipped lines in the report ("bad status", "not an access
// line"); Detail is the specific finding, in the shape
// `bad status field, got "2x0"`.
type LineError struct {
	Reason string
	Detail string
}

func (e *LineError) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}
