package parsers

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniffAccess(t *testing.T) {
	combined := `203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"plain combined is nginx", []string{combined, combined}, "nginx combined"},
		{"a - byte count means apache", []string{combined, `1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 304 - "-" "x"`}, "apache combined"},
		{"apache's backslash-quote escape", []string{combined, `1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200 5 "-" "a \"b\""`}, "apache combined"},
		{"a 0 byte count means nginx", []string{`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 304 0 "-" "x"`, `1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 304 - "-" "x"`}, "nginx combined"},
		{"request time", []string{combined + ` 0.004`, combined + ` 1.000`}, "nginx combined + request_time"},
		{"request and upstream time", []string{combined + ` 0.004 0.004`, combined + ` 0.010 "0.004, 0.006"`}, "nginx combined + request_time + upstream_time"},
		{"upstream on some lines only", []string{combined + ` 0.004 0.004`, combined + ` 0.010`, combined + ` 0.010`}, "nginx combined + request_time"},
		{"xff", []string{combined + ` "-"`, combined + ` "10.0.0.1"`}, "nginx main"},
		{"main with timings", []string{combined + ` "-" 0.004 "0.003"`}, "nginx main + request_time + upstream_time"},
		{"microseconds", []string{combined + ` 1234`, combined + ` 87`}, "apache combined + %D"},
		{"whole seconds", []string{combined + ` 0`, combined + ` 0`, combined + ` 2`}, "apache combined + %T"},
		{"common", []string{`1.2.3.4 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512`}, "apache common"},
		{"vhost", []string{`example.com:80 ` + combined}, "apache vhost_combined"},
		{"json", []string{`{"time_local":"21/Oct/2024:11:00:01 +0200","status":200}`}, "json lines"},
		{"blank lines and a stray line are outvoted", []string{"", combined, "garbage", combined + "\r\n", "  "}, "nginx combined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines [][]byte
			for _, l := range tt.lines {
				lines = append(lines, []byte(l))
			}
			p, err := SniffAccess(lines)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tt.want {
				t.Errorf("SniffAccess = %q, want %q", p.Name(), tt.want)
			}
		})
	}
}

func TestSniffAccessUnrecognized(t *testing.T) {
	for name, lines := range map[string][]string{
		"nginx error log": {
			`2024/10/21 09:00:01 [error] 12#12: *5 connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable)`,
			`2024/10/21 09:00:02 [error] 12#12: *6 upstream timed out (110: Connection timed out)`,
		},
		"half access, half error": {
			`203.0.113.7 - - ` + accStamp + ` "GET / HTTP/1.1" 200 512 "-" "-"`,
			`2024/10/21 09:00:02 [error] 12#12: *6 upstream timed out (110: Connection timed out)`,
		},
		"nothing": {"", "\r"},
	} {
		var b [][]byte
		for _, l := range lines {
			b = append(b, []byte(l))
		}
		p, err := SniffAccess(b)
		if !errors.Is(err, errUnrecognized) {
			t.Errorf("%s: SniffAccess = %v, %v; want errUnrecognized", name, p, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "sniff access format: ") {
			t.Errorf("%s: error %q lacks context", name, err)
		}
	}
}

// TestAccessTestdata sniffs each sample of testdata/access (see its README)
// and requires every line to parse.
func TestAccessTestdata(t *testing.T) {
	tests := map[string]string{
		"nginx_combined.log":          "nginx combined",
		"nginx_upstream.log":          "nginx combined + request_time + upstream_time",
		"nginx_main.log":              "nginx main",
		"apache_combined.log":         "apache combined",
		"apache_vhost_combined_D.log": "apache vhost_combined + %D",
		"apache_common.log":           "apache common",
		"nginx_json.log":              "json lines",
		"caddy.log":                   "json lines",
		"traefik.log":                 "json lines",
	}
	for file, want := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", "access", file))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
		p, err := SniffAccess(lines)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if p.Name() != want {
			t.Errorf("%s: sniffed %q, want %q", file, p.Name(), want)
		}
		var r Access
		for i, l := range lines {
			if err := p.Parse(l, &r); err != nil {
				t.Errorf("%s:%d: %v", file, i+1, err)
			}
		}
	}
}
