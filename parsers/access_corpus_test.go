package parsers

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// accessCorpus is the shared corpus of real logs, read in place.
const accessCorpus = "../../shared/corpus"

// readAccessCorpus returns the non-empty lines of a corpus file without the
// fail2ban "#" annotation lines; it skips the test when the corpus is absent.
func readAccessCorpus(t testing.TB, rel string) [][]byte {
	t.Helper()
	if _, err := os.Stat(accessCorpus); err != nil {
		t.Skipf("corpus folder %s absent", accessCorpus)
	}
	data, err := os.ReadFile(filepath.Join(accessCorpus, rel))
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Bytes()
		if len(bytes.TrimSpace(l)) == 0 || l[0] == '#' {
			continue
		}
		lines = append(lines, bytes.Clone(l))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestAccessCorpus sniffs each real access log from its first lines, parses
// all of it, and pins the format chosen and the number of lines parsed. Every
// line that does not parse is explained in the case's comment.
func TestAccessCorpus(t *testing.T) {
	tests := []struct {
		file   string
		spec   string // custom format instead of sniffing
		format string // Name() of the parser expected
		lines  int
		parsed int
	}{
		// A real shop (nginx main, +0330, URL-encoded Persian paths): all parse.
		{file: "lnav/logfile_shop_access_log.0", format: "nginx main", lines: 1000, parsed: 1000},
		{file: "lnav/logfile_access_log.0", format: "nginx combined", lines: 3, parsed: 3},
		// One 400 with a "-" request line and a "0" byte count: Apache's %b
		// never writes 0, so nginx.
		{file: "lnav/logfile_access_log.1", format: "nginx combined", lines: 1, parsed: 1},
		// The second line lacks the ident and user fields ("not an access line").
		{file: "lnav/logfile_bad_access_log.0", format: "nginx combined", lines: 3, parsed: 2},
		// vhost:port first and %D last, through a custom format and by sniffing.
		{file: "lnav/logfile_regexp_access_log.0", spec: `%v:%p %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D`,
			format: `custom: %v:%p %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D`, lines: 2, parsed: 2},
		{file: "lnav/logfile_regexp_access_log.0", format: "apache vhost_combined + %D", lines: 2, parsed: 2},
		// 10,000 lines of Apache combined; "-" byte counts (first at line 77,
		// inside the 100-line sniff window) make it Apache. Line 8899 is cut
		// inside the User-Agent in the original file: "truncated line".
		{file: "elastic-examples/apache_logs", format: "apache combined", lines: 10000, parsed: 9999},
		// Empty and binary requests, "HELP", "batman": all count, with their 400.
		{file: "fail2ban/nginx-bad-request", format: "nginx main", lines: 8, parsed: 8},
		// 8 access lines, then 6 nginx error-log lines (4 plain, 2 syslog-
		// prefixed) in the same file: those are "not an access line".
		{file: "fail2ban/nginx-botsearch", format: "nginx main", lines: 14, parsed: 8},
		{file: "fail2ban/php-url-fopen", format: "nginx combined", lines: 1, parsed: 1},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.format, func(t *testing.T) {
			lines := readAccessCorpus(t, tt.file)
			var p *AccessParser
			var err error
			if tt.spec != "" {
				p, err = CompileLogFormat(tt.spec)
			} else {
				p, err = SniffAccess(lines[:min(len(lines), 100)])
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tt.format {
				t.Errorf("format = %q, want %q", p.Name(), tt.format)
			}
			var r Access
			parsed := 0
			for i, l := range lines {
				err := p.Parse(l, &r)
				if err == nil {
					parsed++
					if r.Time == 0 || r.Status == 0 && len(r.Remote) == 0 {
						t.Errorf("line %d parsed without time or status: %+v", i+1, accessViewOf(&r))
					}
					continue
				}
				var le *LineError
				if !errors.As(err, &le) {
					t.Errorf("line %d: error %T is not a *LineError", i+1, err)
				}
				if testing.Verbose() {
					t.Logf("line %d: %v", i+1, err)
				}
			}
			if len(lines) != tt.lines || parsed != tt.parsed {
				t.Errorf("parsed %d of %d lines, want %d of %d", parsed, len(lines), tt.parsed, tt.lines)
			}
			t.Logf("%s: %s parses %d/%d lines (%.1f%%)", tt.file, p.Name(), parsed, len(lines), 100*float64(parsed)/float64(len(lines)))
		})
	}
}

// TestAccessCorpusFields spot-checks what real lines parse into.
func TestAccessCorpusFields(t *testing.T) {
	shop := readAccessCorpus(t, "lnav/logfile_shop_access_log.0")
	var r Access
	if err := NewAccessParser(FormatNginxMain).Parse(shop[1], &r); err != nil {
		t.Fatal(err)
	}
	want := accessView{Time: "2019-01-22T00:26:16Z", Remote: "31.56.96.51", Method: "GET",
		Path: "/image/60844/productModel/200x200", Proto: "HTTP/1.1", Status: 200, Bytes: 5667,
		Referer:     "https://www.zanbil.ir/m/filter/b113",
		UA:          "Mozilla/5.0 (Linux; Android 6.0; ALE-L21 Build/HuaweiALE-L21) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/66.0.3359.158 Mobile Safari/537.36",
		RequestTime: NoField, UpstreamTime: NoField}
	if got := accessViewOf(&r); got != want {
		t.Errorf("shop line 2:\n got %+v\nwant %+v", got, want)
	}
	bad := readAccessCorpus(t, "fail2ban/nginx-bad-request")
	if err := NewAccessParser(FormatNginxMain).Parse(bad[2], &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 400 || len(r.Method) != 0 || len(r.Path) != 0 || r.Bytes != 47 {
		t.Errorf("binary request line parsed as method %q path %q status %d bytes %d", r.Method, r.Path, r.Status, r.Bytes)
	}
}
