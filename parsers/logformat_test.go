package parsers

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileLogFormatErrors(t *testing.T) {
	tests := []struct {
		spec string
		want string
	}{
		{"", "bad log format: empty format"},
		{`$remote_addr "$request" $status`, "bad log format: no timestamp ($time_local, $time_iso8601, $msec, %t)"},
		{`$remote_addr [$time_local] "$request"`, "bad log format: no status ($status, %s)"},
		{`$remote_addr$remote_user [$time_local] $status`, "bad log format: $remote_addr and $remote_user are not separated"},
		{`%h %{%Y}t %>s`, "bad log format: unsupported time format %{%Y}t"},
		{`%h %t %>s %Z`, "bad log format: unknown directive %Z"},
		{`%h %t %>s %{ns}T`, "bad log format: unsupported unit in %{ns}T"},
		{`${remote_addr [$time_local] $status`, "bad log format: unclosed ${ at offset 0"},
	}
	for _, tt := range tests {
		_, err := CompileLogFormat(tt.spec)
		if err == nil || err.Error() != tt.want || !errors.Is(err, errBadLogFormat) {
			t.Errorf("CompileLogFormat(%q) error = %v, want %s", tt.spec, err, tt.want)
		}
	}
}

// TestCompileLogFormatEquivalence: a user's spelling of a built-in format
// parses like the built-in, whatever the syntax it comes in.
func TestCompileLogFormatEquivalence(t *testing.T) {
	line := []byte(`203.0.113.7 - bob ` + accStamp + ` "GET /a?b=1 HTTP/1.1" 200 512 ` + accFbRef + ` ` + accFbUA)
	var want Access
	if err := NewAccessParser(FormatNginxCombined).Parse(line, &want); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{
		nginxCombinedSpec,
		`log_format combined '$remote_addr - $remote_user [$time_local] '
                    '"$request" $status $body_bytes_sent '
                    '"$http_referer" "$http_user_agent"';`,
		`'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'`,
		`log_format main escape=json '${remote_addr} - ${remote_user} [${time_local}] "${request}" ${status} ${body_bytes_sent} "${http_referer}" "${http_user_agent}"';`,
	} {
		p, err := CompileLogFormat(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if !strings.HasPrefix(p.Name(), "custom: ") || p.Format() != FormatCustom {
			t.Errorf("Name() = %q, Format() = %v", p.Name(), p.Format())
		}
		var got Access
		if err := p.Parse(line, &got); err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if accessViewOf(&got) != accessViewOf(&want) {
			t.Errorf("%q:\n got %+v\nwant %+v", spec, accessViewOf(&got), accessViewOf(&want))
		}
	}
	// Apache's spelling, escaped quotes and all, sets TimeIsStart.
	p, err := CompileLogFormat(`%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"`)
	if err != nil {
		t.Fatal(err)
	}
	var got Access
	if err := p.Parse(line, &got); err != nil {
		t.Fatal(err)
	}
	wantApache := accessViewOf(&want)
	wantApache.TimeIsStart = true
	if accessViewOf(&got) != wantApache {
		t.Errorf("apache spelling:\n got %+v\nwant %+v", accessViewOf(&got), wantApache)
	}
}

func TestIsApacheSpec(t *testing.T) {
	for spec, want := range map[string]bool{
		`$remote_addr [$time_local] $status`: false,
		`%h %t %>s`:                          true,
		`100%% $status [$time_local]`:        false,
		`%h "$notnginx" %t %s`:               true,
		`${status} %t`:                       false,
	} {
		if got := isApacheSpec(spec); got != want {
			t.Errorf("isApacheSpec(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestCompileLogFormatTimeIsStart(t *testing.T) {
	line := []byte(`203.0.113.7 [21/Oct/2024:11:00:01 +0200] 200`)
	for spec, want := range map[string]bool{
		`%h %t %>s`: true,
		`%h [%{begin:%d/%b/%Y:%H:%M:%S %z}t] %>s`: true,
		`%h [%{end:%d/%b/%Y:%H:%M:%S %z}t] %>s`:   false,
		`$remote_addr [$time_local] $status`:      false,
	} {
		p, err := CompileLogFormat(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		var r Access
		if err := p.Parse(line, &r); err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if r.TimeIsStart != want || r.Status != 200 || r.Time != 1729501201e9 {
			t.Errorf("%q: TimeIsStart %v, status %d, time %d; want %v, 200, 1729501201e9", spec, r.TimeIsStart, r.Status, r.Time, want)
		}
	}
}
