package parsers

import (
	"testing"
	"unsafe"
)

// Fuzz targets of the access parsers, seeded from the accessCases table.
// Each asserts: no panic; on success, every byte-slice field lies inside the
// input line or the parser's scratch buffer, and the status is 0 or 100–599;
// on failure, the error is a *LineError with a reason.
//
//	go test ./parsers -run XXX -fuzz FuzzAccessNginx -fuzztime 30s

// accessWithin reports whether s is empty or lies inside buf.
func accessWithin(s, buf []byte) bool {
	if len(s) == 0 {
		return true
	}
	if len(buf) == 0 {
		return false
	}
	sp, bp := uintptr(unsafe.Pointer(unsafe.SliceData(s))), uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return sp >= bp && sp+uintptr(len(s)) <= bp+uintptr(len(buf))
}

func checkAccess(t *testing.T, p *AccessParser, line []byte) {
	t.Helper()
	var r Access
	err := p.Parse(line, &r)
	if err != nil {
		le, ok := err.(*LineError)
		if !ok || le.Reason == "" {
			t.Fatalf("%s: error %v (%T) is not a *LineError with a reason", p.Name(), err, err)
		}
		return
	}
	if r.Status != 0 && (r.Status < 100 || r.Status > 599) {
		t.Fatalf("%s: status %d", p.Name(), r.Status)
	}
	scratch := p.scratch[:cap(p.scratch)]
	for name, s := range map[string][]byte{
		"Remote": r.Remote, "User": r.User, "Method": r.Method, "Path": r.Path, "Query": r.Query,
		"Proto": r.Proto, "Referer": r.Referer, "UA": r.UA, "XFF": r.XFF, "Host": r.Host,
	} {
		if !accessWithin(s, line) && !accessWithin(s, scratch) {
			t.Fatalf("%s: %s %q lies outside the line and the scratch buffer", p.Name(), name, s)
		}
	}
	if r.RequestTime < 0 && r.RequestTime != NoField {
		t.Fatalf("%s: request time %d", p.Name(), r.RequestTime)
	}
	if r.UpstreamTime < 0 && r.UpstreamTime != NoField && r.UpstreamTime != UpstreamNone {
		t.Fatalf("%s: upstream time %d", p.Name(), r.UpstreamTime)
	}
}

// fuzzAccessFormats seeds f with every table line and fuzzes (line, format) over
// the given formats.
func fuzzAccessFormats(f *testing.F, formats ...AccessFormat) {
	for _, c := range accessCases {
		if c.format != FormatCustom {
			f.Add([]byte(c.line), uint8(0))
		}
	}
	f.Add([]byte(`1.2.3.4 - - [21/Oct/2024:11:00:01 +0200] "GET / HTTP/1.1" 200`), uint8(1))
	f.Add([]byte(`"\"\\x"`), uint8(2))
	parsers := make([]*AccessParser, len(formats))
	for i, ft := range formats {
		parsers[i] = NewAccessParser(ft)
	}
	f.Fuzz(func(t *testing.T, line []byte, which uint8) {
		checkAccess(t, parsers[int(which)%len(parsers)], line)
	})
}

func FuzzAccessNginx(f *testing.F) {
	fuzzAccessFormats(f, FormatNginxCombined, FormatNginxCombinedTimed, FormatNginxCombinedUpstream,
		FormatNginxMain, FormatNginxMainTimed, FormatNginxMainUpstream)
}

func FuzzAccessApache(f *testing.F) {
	fuzzAccessFormats(f, FormatApacheCommon, FormatApacheCombined, FormatApacheCombinedD,
		FormatApacheCombinedT, FormatApacheVhostCombined, FormatApacheVhostCombinedD)
}

func FuzzAccessJSON(f *testing.F) {
	fuzzAccessFormats(f, FormatJSON)
}

// FuzzAccessLogFormat fuzzes the compiler and the compiled program together:
// any spec either fails to compile with an error or parses any line safely.
func FuzzAccessLogFormat(f *testing.F) {
	for _, c := range accessCases {
		if c.format == FormatCustom {
			f.Add(c.spec, []byte(c.line))
		}
	}
	f.Add(nginxCombinedSpec, []byte(`1.2.3.4 - - [21/Oct/2024:11:00:01 +0200] "GET / HTTP/1.1" 200 1 "-" "-"`))
	f.Add(apacheVhostSpec+" %D", []byte(`h:80 1.2.3.4 - - [21/Oct/2024:11:00:01 +0200] "GET / HTTP/1.1" 200 1 "-" "-" 12`))
	f.Fuzz(func(t *testing.T, spec string, line []byte) {
		p, err := CompileLogFormat(spec)
		if err != nil {
			return
		}
		checkAccess(t, p, line)
	})
}

// FuzzAccessSniff checks that sniffing never panics and returns a parser
// that parses a majority of what it was given.
func FuzzAccessSniff(f *testing.F) {
	for _, c := range accessCases {
		f.Add([]byte(c.line), []byte(c.line))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		p, err := SniffAccess([][]byte{a, b})
		if err != nil {
			return
		}
		checkAccess(t, p, a)
		checkAccess(t, p, b)
	})
}
