package parsers

import (
	"fmt"
	"testing"
)

func TestUnwrap(t *testing.T) {
	for _, c := range []struct {
		name, line string
		want       string // form time host prog pid msg
	}{
		{"bsd syslog", `Nov  3 09:23:38 veridian automount[7998]: lookup(file): failed`, `syslog 2024-11-03T09:23:38Z "veridian" "automount" 7998 "lookup(file): failed"`},
		{"syslog precise", `Nov 21 10:15:02.250000 web kernel: x`, `syslog 2024-11-21T10:15:02.25Z "web" "kernel" 0 "x"`},
		{"syslog without host", `Nov 21 10:15:02 kernel: Out of memory`, `syslog 2024-11-21T10:15:02Z "" "kernel" 0 "Out of memory"`},
		{"syslog without host, pid", `Nov 21 10:15:02 php-fpm[12]: [NOTICE] x`, `syslog 2024-11-21T10:15:02Z "" "php-fpm" 12 "[NOTICE] x"`},
		{"syslog untagged", `Nov  3 09:23:38 veridian lookup for opt failed`, `syslog 2024-11-03T09:23:38Z "veridian" "" 0 "lookup for opt failed"`},
		{"iso offset", `2024-11-21T10:15:02+0100 web php-fpm[1]: [NOTICE] x`, `syslog iso 2024-11-21T09:15:02Z "web" "php-fpm" 1 "[NOTICE] x"`},
		{"iso colon offset", `2024-11-21T10:15:02.5+01:00 web systemd[1]: x`, `syslog iso 2024-11-21T09:15:02.5Z "web" "systemd" 1 "x"`},
		{"short-full", `Thu 2024-11-21 10:15:02 UTC web kernel: x`, `syslog 2024-11-21T10:15:02Z "web" "kernel" 0 "x"`},
		{"short-full local", `Thu 2024-11-21 10:15:02 CET web kernel: x`, `syslog 2024-11-21T10:15:02Z "web" "kernel" 0 "x"`},
		{"short-unix", `1732184102.123456 web kernel: x`, `syslog 2024-11-21T10:15:02.123456Z "web" "kernel" 0 "x"`},
		{"tag only", `host nginx[983479]: 2023/12/09 21:35:20 [notice] x`, `tag 1970-01-01T00:00:00Z "host" "nginx" 983479 "2023/12/09 21:35:20 [notice] x"`},
		{"docker -t", `2024-11-21T10:15:02.123456789Z [21-Nov-2024 10:15:02] NOTICE: x`, `docker 2024-11-21T10:15:02.123456789Z "" "" 0 "[21-Nov-2024 10:15:02] NOTICE: x"`},
		{"cri", `2024-11-21T10:15:02.1Z stderr F hello world`, `docker 2024-11-21T10:15:02.1Z "" "" 0 "hello world"`},
		{"compose", `php-1  | [21-Nov-2024 10:15:02] NOTICE: x`, `compose 1970-01-01T00:00:00Z "" "" 0 "[21-Nov-2024 10:15:02] NOTICE: x"`},
		{"compose -t", `php-1  | 2024-11-21T10:15:02.5Z NOTICE: x`, `compose 2024-11-21T10:15:02.5Z "" "" 0 "NOTICE: x"`},
		{"docker json-file", `{"log":"[21-Nov-2024 10:15:02] WARNING: [pool www] child 7 said into stderr: \"x\"\n","stream":"stderr","time":"2024-11-21T10:15:02.000000001Z"}`, `docker 2024-11-21T10:15:02.000000001Z "" "" 0 "[21-Nov-2024 10:15:02] WARNING: [pool www] child 7 said into stderr: \"x\""`},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := newUnwrapper(testOpts)
			var w wrapped
			if !u.unwrap([]byte(c.line), &w) {
				t.Fatal("not unwrapped")
			}
			got := fmt.Sprintf("%s %s %q %q %d %q", w.form, fmtNanos(w.time), w.host, w.prog, w.pid, w.msg)
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	for _, l := range []string{``, `hello`, `It was a dark night: yes`, `[21-Nov-2024 10:15:02] NOTICE: x`, `2024/11/21 10:15:02 [error] 1#1: x`, `{"log":"unterminated`} {
		u := newUnwrapper(testOpts)
		var w wrapped
		if u.unwrap([]byte(l), &w) {
			t.Errorf("%q unwrapped as %s %q", l, w.form, w.msg)
		}
	}
}

func fmtNanos(ns int64) string {
	return timeUTC(ns).Format("2006-01-02T15:04:05.999999999Z")
}
