package parsers

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// accessView is Access with strings, for readable diffs.
type accessView struct {
	Time                                     string // RFC 3339 UTC
	TimeIsStart                              bool
	Remote, User, Method, Path, Query, Proto string
	Status                                   uint16
	Bytes                                    int64
	Referer, UA, XFF, Host                   string
	RequestTime, UpstreamTime                int64
}

func accessViewOf(r *Access) accessView {
	return accessView{
		Time:        time.Unix(0, r.Time).UTC().Format(time.RFC3339Nano),
		TimeIsStart: r.TimeIsStart,
		Remote:      string(r.Remote), User: string(r.User), Method: string(r.Method),
		Path: string(r.Path), Query: string(r.Query), Proto: string(r.Proto),
		Status: r.Status, Bytes: r.Bytes,
		Referer: string(r.Referer), UA: string(r.UA), XFF: string(r.XFF), Host: string(r.Host),
		RequestTime: r.RequestTime, UpstreamTime: r.UpstreamTime,
	}
}

// accessCase is one line of a known format and what it must parse into. The
// same table drives the tests, the allocation guard, the benchmarks' choice
// of formats and the fuzz seeds.
type accessCase struct {
	name   string
	format AccessFormat // FormatCustom: compile spec
	spec   string
	line   string
	want   accessView
}

// base is the view most cases start from; each case changes what its story
// is about.
func accessBase(mod func(*accessView)) accessView {
	v := accessView{
		Time:   "2024-10-21T09:00:01Z",
		Remote: "203.0.113.7", Method: "GET", Path: "/", Proto: "HTTP/1.1",
		Status: 200, Bytes: 512, Referer: "https://www.facebook.com/",
		UA:          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) [FBAN/FBIOS;FBAV/440.0]",
		RequestTime: NoField, UpstreamTime: NoField,
	}
	if mod != nil {
		mod(&v)
	}
	return v
}

const (
	accStamp = `[21/Oct/2024:11:00:01 +0200]`
	accFbUA  = `"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) [FBAN/FBIOS;FBAV/440.0]"`
	accFbRef = `"https://www.facebook.com/"`
)

var accLongPath = "/search?q=" + strings.Repeat("a", 16<<10)

var accessCases = []accessCase{
	// nginx combined.
	{"viral post landing", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET /blog/viral-post?utm_source=fb HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.Path, v.Query = "/blog/viral-post", "utm_source=fb" })},
	{"ipv6 remote", FormatNginxCombined, "",
		`2001:db8::80da:af6b:8b2c - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.Remote = "2001:db8::80da:af6b:8b2c" })},
	{"basic auth user", FormatNginxCombined, "",
		`203.0.113.7 - alice ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.User = "alice" })},
	{"400 with empty request", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "" 400 0 "-" "-"`,
		accessBase(func(v *accessView) {
			v.Method, v.Path, v.Proto, v.Status, v.Bytes, v.Referer, v.UA = "", "", "", 400, 0, "", ""
		})},
	{"tls hello sent to the plain http port", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-"`,
		accessBase(func(v *accessView) {
			v.Method, v.Path, v.Proto, v.Status, v.Bytes, v.Referer, v.UA = "", "", "", 400, 157, "", ""
		})},
	{"rdp probe with spaces in garbage", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "\x03\x00\x00/*\xE0\x00\x00\x00\x00\x00Cookie: mstshash=Administr" 400 47 "-" "-"`,
		accessBase(func(v *accessView) {
			v.Method, v.Path, v.Proto, v.Status, v.Bytes, v.Referer, v.UA = "", "", "", 400, 47, "", ""
		})},
	{"quote in user agent escaped by nginx as \\x22", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` "curl \x22quoted\x22/8.0"`,
		accessBase(func(v *accessView) { v.UA = `curl "quoted"/8.0` })},
	{"utf-8 path escaped by nginx", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET /caf\xC3\xA9 HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.Path = "/café" })},
	{"crlf line ending", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + "\r\n",
		accessBase(nil)},
	{"invalid utf-8 kept as bytes", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + " \"bot\xff\xfe\"",
		accessBase(func(v *accessView) { v.UA = "bot\xff\xfe" })},
	{"client gave up: 499", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "POST /register HTTP/1.1" 499 0 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.Method, v.Path, v.Status, v.Bytes = "POST", "/register", 499, 0 })},
	{"16 KB url", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET ` + accLongPath + ` HTTP/1.1" 414 0 "-" "-"`,
		accessBase(func(v *accessView) {
			v.Path, v.Query, v.Status, v.Bytes, v.Referer, v.UA = "/search", accLongPath[len("/search?"):], 414, 0, "", ""
		})},
	{"unencoded space in target", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET /a b HTTP/1.1" 400 0 "-" "-"`,
		accessBase(func(v *accessView) { v.Path, v.Status, v.Bytes, v.Referer, v.UA = "/a b", 400, 0, "", "" })},
	{"request without protocol (HTTP/0.9)", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET /" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.Proto = "" })},
	{"bare word request", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "HELP" 400 47 "-" "-"`,
		accessBase(func(v *accessView) {
			v.Method, v.Path, v.Proto, v.Status, v.Bytes, v.Referer, v.UA = "", "", "", 400, 47, "", ""
		})},
	{"extra trailing fields ignored", FormatNginxCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` "-" rt=0.1`,
		accessBase(nil)},
	{"negative offset, leap day", FormatNginxCombined, "",
		`203.0.113.7 - - [29/Feb/2024:23:30:00 -0700] "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.Time = "2024-03-01T06:30:00Z" })},

	// nginx combined + timings.
	{"php page with request time", FormatNginxCombinedTimed, "",
		`203.0.113.7 - - ` + accStamp + ` "GET /index.php HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` 1.234`,
		accessBase(func(v *accessView) { v.Path, v.RequestTime = "/index.php", 1234000 })},
	{"upstream retried and redirected, quoted", FormatNginxCombinedUpstream, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 504 512 ` + accFbRef + ` ` + accFbUA + ` 60.001 "0.004, 0.002 : 0.010"`,
		accessBase(func(v *accessView) { v.Status, v.RequestTime, v.UpstreamTime = 504, 60001000, 16000 })},
	{"upstream list bare", FormatNginxCombinedUpstream, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 502 512 ` + accFbRef + ` ` + accFbUA + ` 0.020 0.004, 0.002 : 0.010`,
		accessBase(func(v *accessView) { v.Status, v.RequestTime, v.UpstreamTime = 502, 20000, 16000 })},
	{"static file never reached upstream", FormatNginxCombinedUpstream, "",
		`203.0.113.7 - - ` + accStamp + ` "GET /logo.png HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` 0.000 -`,
		accessBase(func(v *accessView) { v.Path, v.RequestTime, v.UpstreamTime = "/logo.png", 0, UpstreamNone })},
	{"upstream dash quoted", FormatNginxCombinedUpstream, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 503 512 ` + accFbRef + ` ` + accFbUA + ` 0.000 "-"`,
		accessBase(func(v *accessView) { v.Status, v.RequestTime, v.UpstreamTime = 503, 0, UpstreamNone })},
	{"first upstream refused, second answered", FormatNginxCombinedUpstream, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` 0.003 "-, 0.002"`,
		accessBase(func(v *accessView) { v.RequestTime, v.UpstreamTime = 3000, 2000 })},

	// nginx main.
	{"behind a load balancer: xff list", FormatNginxMain, "",
		`10.0.0.2 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` "203.0.113.7, 10.0.0.1"`,
		accessBase(func(v *accessView) { v.Remote, v.XFF = "10.0.0.2", "203.0.113.7, 10.0.0.1" })},
	{"main with timings", FormatNginxMainUpstream, "",
		`10.0.0.2 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` "-" 0.050 0.049`,
		accessBase(func(v *accessView) { v.Remote, v.RequestTime, v.UpstreamTime = "10.0.0.2", 50000, 49000 })},

	// Apache.
	{"apache 408 with - request and - bytes", FormatApacheCommon, "",
		`203.0.113.7 - - ` + accStamp + ` "-" 408 -`,
		accessBase(func(v *accessView) {
			v.TimeIsStart, v.Method, v.Path, v.Proto, v.Status, v.Bytes, v.Referer, v.UA = true, "", "", "", 408, 0, "", ""
		})},
	{"apache escapes quotes in the user agent", FormatApacheCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` "Mozilla/5.0 \"evil\" \\o/"`,
		accessBase(func(v *accessView) { v.TimeIsStart, v.UA = true, `Mozilla/5.0 "evil" \o/` })},
	{"unescaped quote inside the user agent", FormatApacheCombined, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` "Mozilla "evil" bot"`,
		accessBase(func(v *accessView) { v.TimeIsStart, v.UA = true, `Mozilla "evil" bot` })},
	{"vhost first", FormatApacheVhostCombined, "",
		`shop.example.com:443 203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA,
		accessBase(func(v *accessView) { v.TimeIsStart, v.Host = true, "shop.example.com" })},
	{"apache %D microseconds", FormatApacheCombinedD, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` 1234`,
		accessBase(func(v *accessView) { v.TimeIsStart, v.RequestTime = true, 1234 })},
	{"apache %T seconds", FormatApacheCombinedT, "",
		`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA + ` 2`,
		accessBase(func(v *accessView) { v.TimeIsStart, v.RequestTime = true, 2000000 })},
	{"vhost with %D", FormatApacheVhostCombinedD, "",
		`localhost:443 178.20.184.42 1j0vhgd jsmith [26/Jul/2023:00:01:26 -0700] "GET /secure/RapidBoard.jspa?rapidView=1295 HTTP/2.0" 200 17163 "-" "Mozilla/5.0" 116075`,
		accessView{Time: "2023-07-26T07:01:26Z", TimeIsStart: true, Remote: "178.20.184.42", User: "jsmith",
			Method: "GET", Path: "/secure/RapidBoard.jspa", Query: "rapidView=1295", Proto: "HTTP/2.0",
			Status: 200, Bytes: 17163, UA: "Mozilla/5.0", Host: "localhost", RequestTime: 116075, UpstreamTime: NoField}},

	// JSON lines.
	{"nginx escape=json", FormatJSON, "",
		`{"time_local":"21/Oct/2024:11:00:01 +0200","remote_addr":"203.0.113.7","remote_user":"","request":"GET /blog?id=1 HTTP/1.1","status":"200","body_bytes_sent":"512","http_referer":"https://www.facebook.com/","http_user_agent":"say \"hi\" \u00e9 \ud83d\ude00 \ud800","request_time":"0.004","upstream_response_time":"0.003, 0.001"}`,
		accessBase(func(v *accessView) {
			v.Path, v.Query, v.UA, v.RequestTime, v.UpstreamTime = "/blog", "id=1", `say "hi" é 😀 `+"\uFFFD", 4000, 4000
		})},
	{"nginx json with iso time and split request fields", FormatJSON, "",
		`{"time_iso8601":"2024-10-21T11:00:01+02:00","remote_addr":"203.0.113.7","request_method":"POST","request_uri":"/register","server_protocol":"HTTP/2.0","status":201,"body_bytes_sent":0,"http_user_agent":"-","http_x_forwarded_for":"-","request_time":"0.120","upstream_response_time":"-"}`,
		accessBase(func(v *accessView) {
			v.Method, v.Path, v.Proto, v.Status, v.Bytes, v.Referer, v.UA, v.RequestTime, v.UpstreamTime = "POST", "/register", "HTTP/2.0", 201, 0, "", "", 120000, UpstreamNone
		})},
	{"caddy", FormatJSON, "",
		`{"level":"info","ts":1729501201.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"10.0.0.2","remote_port":"5555","client_ip":"203.0.113.7","proto":"HTTP/2.0","method":"GET","host":"shop.example.com","uri":"/?a=1","headers":{"User-Agent":["curl/8.0"],"Referer":["https://t.co/x"],"Accept":["*/*"]},"tls":{"resumed":false}},"bytes_read":0,"user_id":"","duration":0.0012345,"size":512,"status":200,"resp_headers":{"Server":["Caddy"]}}`,
		accessView{Time: "2024-10-21T09:00:01.5Z", Remote: "203.0.113.7", Method: "GET", Path: "/", Query: "a=1",
			Proto: "HTTP/2.0", Status: 200, Bytes: 512, Referer: "https://t.co/x", UA: "curl/8.0", Host: "shop.example.com",
			RequestTime: 1234, UpstreamTime: NoField}},
	{"caddy duration in exponent form", FormatJSON, "",
		`{"ts":1729501201,"request":{"remote_ip":"203.0.113.7","method":"GET","uri":"/"},"duration":1.2e-05,"size":0,"status":204}`,
		accessView{Time: "2024-10-21T09:00:01Z", Remote: "203.0.113.7", Method: "GET", Path: "/", Status: 204,
			RequestTime: 12, UpstreamTime: NoField}},
	{"apache epoch milliseconds", FormatCustom, `%h %{msec}t "%r" %>s %b`,
		`203.0.113.7 1729501201250 "GET / HTTP/1.1" 200 512`,
		accessBase(func(v *accessView) {
			v.Time, v.TimeIsStart, v.Referer, v.UA = "2024-10-21T09:00:01.25Z", true, "", ""
		})},
	{"traefik", FormatJSON, "",
		`{"ClientAddr":"203.0.113.7:50000","ClientHost":"203.0.113.7","ClientPort":"50000","ClientUsername":"-","DownstreamContentSize":512,"DownstreamStatus":502,"Duration":1500000,"OriginDuration":1400000,"OriginStatus":502,"RequestAddr":"shop.example.com","RequestHost":"shop.example.com","RequestMethod":"GET","RequestPath":"/cart?x=1","RequestProtocol":"HTTP/1.1","StartUTC":"2024-10-21T09:00:00.9985Z","level":"info","msg":"","request_User-Agent":"Mozilla/5.0","time":"2024-10-21T09:00:01Z"}`,
		accessView{Time: "2024-10-21T09:00:01Z", Remote: "203.0.113.7", Method: "GET", Path: "/cart", Query: "x=1",
			Proto: "HTTP/1.1", Status: 502, Bytes: 512, UA: "Mozilla/5.0", Host: "shop.example.com",
			RequestTime: 1500, UpstreamTime: 1400}},

	// Custom formats.
	{"custom nginx format with iso time and host", FormatCustom,
		`$host $remote_addr [$time_iso8601] "$request" $status $bytes_sent rt=$request_time urt="$upstream_response_time" "$http_user_agent"`,
		`shop.example.com 203.0.113.7 [2024-10-21T11:00:01+02:00] "GET / HTTP/1.1" 200 512 rt=0.250 urt="0.249" ` + accFbUA,
		accessBase(func(v *accessView) {
			v.Host, v.Referer, v.RequestTime, v.UpstreamTime = "shop.example.com", "", 250000, 249000
		})},
	{"custom nginx msec and unknown variables skipped", FormatCustom,
		`log_format timed '$msec $remote_addr $connection "$request" $status $body_bytes_sent ' '$upstream_connect_time';`,
		`1729501201.250 203.0.113.7 42 "GET / HTTP/1.1" 200 512 0.001`,
		accessBase(func(v *accessView) { v.Time, v.Referer, v.UA = "2024-10-21T09:00:01.25Z", "", "" })},
	{"custom nginx format with bare stamps and a bare upstream list mid-line", FormatCustom,
		`$time_local $remote_addr $upstream_response_time $request_time "$request" $status`,
		`21/Oct/2024:11:00:01 +0200 203.0.113.7 0.004, 0.002 : 0.010 0.020 "GET / HTTP/1.1" 200`,
		accessBase(func(v *accessView) {
			v.Bytes, v.Referer, v.UA, v.RequestTime, v.UpstreamTime = 0, "", "", 20000, 16000
		})},
	{"custom format with an iso stamp holding a space", FormatCustom,
		`$time_iso8601 $remote_addr "$request" $status`,
		`2024-10-21 09:00:01 203.0.113.7 "GET / HTTP/1.1" 200`,
		accessBase(func(v *accessView) { v.Bytes, v.Referer, v.UA = 0, "", "" })},
	{"custom nginx escape=json log_format compiled as text", FormatCustom,
		`log_format j escape=json '{"time":"$time_iso8601","ip":"$remote_addr","req":"$request","status":$status,"ua":"$http_user_agent"}';`,
		`{"time":"2024-10-21T09:00:01+00:00","ip":"203.0.113.7","req":"GET /x HTTP/1.1","status":200,"ua":"a \"b\""}`,
		accessBase(func(v *accessView) { v.Path, v.Bytes, v.Referer, v.UA = "/x", 0, "", `a "b"` })},
	{"custom apache LogFormat from a config line", FormatCustom,
		`LogFormat "%a %l %u %t \"%m %U%q %H\" %>s %B %{ms}T \"%{X-Forwarded-For}i\"" proxied`,
		`203.0.113.7 - - ` + accStamp + ` "GET /cart?x=1 HTTP/1.1" 200 512 37 "198.51.100.1"`,
		accessBase(func(v *accessView) {
			v.TimeIsStart, v.Path, v.Query, v.Referer, v.UA, v.RequestTime, v.XFF = true, "/cart", "x=1", "", "", 37000, "198.51.100.1"
		})},
}

func (c accessCase) parser(t testing.TB) *AccessParser {
	t.Helper()
	if c.format != FormatCustom {
		return NewAccessParser(c.format)
	}
	p, err := CompileLogFormat(c.spec)
	if err != nil {
		t.Fatalf("CompileLogFormat(%q): %v", c.spec, err)
	}
	return p
}

func TestAccessParse(t *testing.T) {
	for _, c := range accessCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.parser(t)
			var r Access
			if err := p.Parse([]byte(c.line), &r); err != nil {
				t.Fatalf("%s: Parse: %v", p.Name(), err)
			}
			if diff := cmp.Diff(c.want, accessViewOf(&r)); diff != "" {
				t.Errorf("%s: (-want +got)\n%s", p.Name(), diff)
			}
			// The record is reset: a second parse of the same line into the
			// same record gives the same result.
			if err := p.Parse([]byte(c.line), &r); err != nil || accessViewOf(&r) != c.want {
				t.Errorf("second Parse differs: %v", err)
			}
		})
	}
}

// TestAccessAllocs is the allocation guard: a valid line of every format
// parses without allocating (the first, warm-up run may size the scratch).
func TestAccessAllocs(t *testing.T) {
	for _, c := range accessCases {
		p := c.parser(t)
		line := []byte(c.line)
		var r Access
		allocs := testing.AllocsPerRun(100, func() {
			if err := p.Parse(line, &r); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s (%s): %v allocs per line, want 0", c.name, p.Name(), allocs)
		}
	}
}

// TestAccessClone checks that a clone parses alike and has its own scratch:
// an unescaped field of one parser survives a parse by its clone.
func TestAccessClone(t *testing.T) {
	p := NewAccessParser(FormatApacheCombined)
	q := p.Clone()
	if q.Name() != p.Name() || q.Format() != p.Format() {
		t.Fatalf("clone is %q/%v, want %q/%v", q.Name(), q.Format(), p.Name(), p.Format())
	}
	var a, b Access
	if err := p.Parse([]byte(`1.2.3.4 - - `+accStamp+` "GET / HTTP/1.1" 200 1 "-" "a \"one\""`), &a); err != nil {
		t.Fatal(err)
	}
	if err := q.Parse([]byte(`1.2.3.4 - - `+accStamp+` "GET / HTTP/1.1" 200 1 "-" "b \"two\""`), &b); err != nil {
		t.Fatal(err)
	}
	if string(a.UA) != `a "one"` || string(b.UA) != `b "two"` {
		t.Errorf("UAs after parses by a parser and its clone: %q, %q", a.UA, b.UA)
	}
}

func TestAccessErrors(t *testing.T) {
	tests := []struct {
		name   string
		format AccessFormat
		line   string
		want   string
	}{
		{"status with a letter", FormatNginxCombined,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 2x0 512 "-" "-"`,
			`bad status: bad status field, got "2x0"`},
		{"status out of range", FormatNginxCombined,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 999 512 "-" "-"`,
			`bad status: bad status field, got "999"`},
		{"month that does not exist", FormatNginxCombined,
			`1.2.3.4 - - [21/Foo/2024:11:00:01 +0200] "GET / HTTP/1.1" 200 512 "-" "-"`,
			`bad timestamp: bad timestamp field, got "21/Foo/2024:11:00:01 +0200"`},
		{"bytes not a number", FormatNginxCombined,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200 12k "-" "-"`,
			`bad bytes: bad bytes field, got "12k"`},
		{"nginx error log line", FormatNginxCombined,
			`2015/01/21 10:56:10 [error] 2833#0: *16336 open() "/var/www/site/cgi-bin/php4" failed`,
			`not an access line: expected " - " before the remote user, got " 10:56:10 [error] 2833#0: *16336 open() \"/var/www/site/cgi-bin/p"…`},
		{"ident and user fields missing", FormatNginxCombined,
			`192.168.202.254 [20/Jul/2009:22:59:29 +0000] "GET / HTTP/1.0" 404 46210 "-" "gPXE/0.9.7"`,
			`not an access line: expected " - " before the remote user, got " [20/Jul/2009:22:59:29 +0000] \"GET / HTTP/1.0\" 404 46210 \"-\" \"gP"…`},
		{"cut after the status", FormatNginxCombined,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200`,
			`truncated line: line ends before the status`},
		{"request line without closing quote", FormatNginxCombined,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1 200 512`,
			`bad request line: no closing quote after the request line`},
		{"request time without decimal point", FormatNginxCombinedTimed,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 "-" "-" 1234`,
			`bad request time: bad request time field, got "1234"`},
		{"upstream time garbage", FormatNginxCombinedUpstream,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 "-" "-" 0.001 "0.001 ; x"`,
			`bad upstream time: bad upstream time field, got "0.001 ; x"`},
		{"text glued after the last field", FormatNginxCombinedTimed,
			`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 "-" "-" 0.001"x"`,
			`bad request time: bad request time field, got "0.001\"x\""`},
		{"empty line", FormatNginxCombined, "\r\n", `empty line`},
		{"json: not an object", FormatJSON, `[1,2]`, `not an access line: expected a JSON object, got "[1,2]"`},
		{"json: no status", FormatJSON, `{"time_local":"21/Oct/2024:11:00:01 +0200"}`,
			`bad status: no status field (status, DownstreamStatus)`},
		{"json: no time", FormatJSON, `{"status":200}`,
			`bad timestamp: no time field (time_local, time_iso8601, msec, ts, time)`},
		{"json: cut in a string", FormatJSON, `{"status":200,"request":"GET /`,
			`truncated line: JSON ends inside a string`},
		{"json: missing colon", FormatJSON, `{"status" 200}`, `bad json: expected ":", got "200}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Access
			err := NewAccessParser(tt.format).Parse([]byte(tt.line), &r)
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("Parse error = %v (%T), want a *LineError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestAccessFormatString(t *testing.T) {
	for f := FormatUnknown; f <= FormatCustom; f++ {
		if s := f.String(); s == "" || strings.HasPrefix(s, "access-format(") {
			t.Errorf("format %d has no name", f)
		}
	}
	if got := AccessFormat(200).String(); got != "access-format(200)" {
		t.Errorf("out-of-range String() = %q", got)
	}
	if got := NewAccessParser(FormatApacheVhostCombined).Name(); got != "apache vhost_combined" {
		t.Errorf("Name() = %q", got)
	}
	if got := NewAccessParser(FormatNginxCombinedUpstream).Name(); got != "nginx combined + request_time + upstream_time" {
		t.Errorf("Name() = %q", got)
	}
}

func TestParseUpstream(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0.004", 4000, true},
		{"0.004, 0.002 : 0.010", 16000, true},
		{"-", UpstreamNone, true},
		{"-, -", UpstreamNone, true},
		{"-, 0.002", 2000, true},
		{"12", 12000000, true},
		{"", 0, false},
		{"0.004,", 0, false},
		{"x", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseUpstream([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseUpstream(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTimes(t *testing.T) {
	f := func(fn func([]byte) (int64, bool), in, want string) {
		t.Helper()
		got, ok := fn([]byte(in))
		if want == "" {
			if ok {
				t.Errorf("%q parsed as %s, want failure", in, time.Unix(0, got).UTC())
			}
			return
		}
		w, _ := time.Parse(time.RFC3339Nano, want)
		if !ok || got != w.UnixNano() {
			t.Errorf("%q = %s, %v; want %s", in, time.Unix(0, got).UTC().Format(time.RFC3339Nano), ok, want)
		}
	}
	f(parseCLFTime, "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z")
	f(parseCLFTime, "22/Jan/2019:03:56:14 +0330", "2019-01-22T00:26:14Z")
	f(parseCLFTime, "10/Oct/2000:13:55:36.250 +0000", "2000-10-10T13:55:36.25Z")
	f(parseCLFTime, "10/Oct/2000:13:55:36", "")
	f(parseCLFTime, "32/Oct/2000:13:55:36 +0000", "")
	f(parseCLFTime, "10/Oct/2000:24:55:36 +0000", "")
	f(parseCLFTime, "10/Oct/2000:13:55:36 +00000", "")
	f(parseISOTime, "2024-10-21T11:00:01+02:00", "2024-10-21T09:00:01Z")
	f(parseISOTime, "2024-10-21T09:00:01.123456789Z", "2024-10-21T09:00:01.123456789Z")
	f(parseISOTime, "2024-10-21 09:00:01", "2024-10-21T09:00:01Z")
	f(parseISOTime, "2024-10-21T09:00:01+0530", "2024-10-21T03:30:01Z")
	f(parseISOTime, "2024-13-21T09:00:01Z", "")
	f(parseISOTime, "9999-10-21T09:00:01Z", "") // would overflow int64 nanoseconds
	f(parseCLFTime, "10/Oct/0001:13:55:36 +0000", "")
	f(parseISOTime, "2024-10-21T09:00:01 junk", "")
	epoch := func(b []byte) (int64, bool) { return parseEpoch(b, fieldTimeEpoch) }
	f(epoch, "1729501201.250", "2024-10-21T09:00:01.25Z")
	f(epoch, "1729501201", "2024-10-21T09:00:01Z")
	f(epoch, "17295x", "")
	f(epoch, "99999999999", "")
}
