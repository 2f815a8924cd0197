package parsers

import (
	"strings"
	"testing"
)

var journalJSONLines = []string{
	`{ "__CURSOR" : "s=1", "__REALTIME_TIMESTAMP" : "1732184102123456", "PRIORITY" : "3", "_TRANSPORT" : "kernel", "SYSLOG_IDENTIFIER" : "kernel", "MESSAGE" : "Out of memory: Killed process 4242 (php-fpm8.2) total-vm:512000kB, anon-rss:204800kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:800kB oom_score_adj:0" }`,
	`{"__REALTIME_TIMESTAMP":"1732184103000000","PRIORITY":"6","SYSLOG_IDENTIFIER":"systemd","UNIT":"php8.2-fpm.service","MESSAGE":"php8.2-fpm.service: Failed with result 'oom-kill'."}`,
	`{"__REALTIME_TIMESTAMP":"1732184104000000","PRIORITY":"4","SYSLOG_IDENTIFIER":"php-fpm8.2","_PID":"1201","MESSAGE":"[WARNING] [pool www] child 4243 said into stderr: \"PHP message: PHP Warning:  mysqli::__construct(): (HY000/1040): Too many connections\""}`,
	`{"__REALTIME_TIMESTAMP":"1732184105000000","PRIORITY":"6","_COMM":"cron","MESSAGE":[104,105,255]}`,
	`{"__REALTIME_TIMESTAMP":"1732184106000000","SYSLOG_IDENTIFIER":"nginx","MESSAGE":"nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)"}`,
	`{"__REALTIME_TIMESTAMP":"1732184107000000","PRIORITY":"6","SYSLOG_IDENTIFIER":"systemd","UNIT":"php8.2-fpm.service","MESSAGE":"Started The PHP 8.2 FastCGI Process Manager."}`,
}

func TestJournalJSON(t *testing.T) {
	evs, errs := feedLines(newJournalJSONReader(testOpts), journalJSONLines...)
	for i, err := range errs {
		if err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}
	want := []string{
		`kernel kernel-oom-kill error t=2024-11-21T10:15:02.123456 pid=4242 num=[204800 512000 0 0] unit="kernel"`,
		`kernel systemd-failed info t=2024-11-21T10:15:03 unit="php8.2-fpm.service"`,
		`fpm fpm-said warning t=2024-11-21T10:15:04 pid=4243 php=too-many-connections pool="www" unit="php-fpm8.2"`,
		`kernel other info t=2024-11-21T10:15:05 unit="cron"`,
		`nginx-error other emergency t=2024-11-21T10:15:06 unit="nginx"`,
		`kernel systemd-started info t=2024-11-21T10:15:07 unit="php8.2-fpm.service"`,
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events: %v", len(evs), evs)
	}
	for i, w := range want {
		if got := describe(evs[i]); got != w {
			t.Errorf("event %d:\ngot  %s\nwant %s", i, got, w)
		}
	}
	if string(evs[3].Text) != "hi\xff" {
		t.Errorf("byte-array message = %q", evs[3].Text)
	}
	if !strings.Contains(string(evs[2].Text), `"PHP message`) {
		t.Errorf("escapes not resolved: %q", evs[2].Text)
	}
}

func TestJournalJSONSkipped(t *testing.T) {
	for _, l := range []string{
		`not json`,
		`{"MESSAGE":"no time"}`,
		`{"__REALTIME_TIMESTAMP":"1732184105000000"}`,
		`{"__REALTIME_TIMESTAMP":"1732184105000000","MESSAGE":"unterminated}`,
	} {
		_, errs := feedLines(newJournalJSONReader(testOpts), l)
		if le, ok := errs[0].(*LineError); !ok || le.Reason != reasonNotJournalJSON {
			t.Errorf("%s: %v", l, errs[0])
		}
	}
}

// TestJournalJSONCorpus reads lnav's `journalctl -o json` sample, a
// negative control: two python messages, no OOM.
func TestJournalJSONCorpus(t *testing.T) {
	lines := readCorpus(t, "lnav/logfile_journald.json")
	res := runCorpus(t, newJournalJSONReader(testOpts), lines)
	if len(res.skipped) != 0 || len(res.events) != 2 {
		t.Fatalf("skipped %v, %d events", res.skipped, len(res.events))
	}
	for _, e := range res.events {
		if e.Type != EventOther || string(e.Unit) != "python" || !strings.HasPrefix(string(e.Text), "GPS Reference") {
			t.Errorf("event %s %q", describe(e), e.Text)
		}
	}
	if got := describe(res.events[0]); !strings.Contains(got, "t=2018-08-21T14:04:21.221373") || !strings.Contains(got, " alert ") {
		t.Errorf("event %s", got)
	}
	t.Logf("lnav/logfile_journald.json: %d lines, %d parsed (%.1f%%), no OOM", res.lines, res.lines-len(res.skipped), 100*res.parseRate())
}

func FuzzJournalJSON(f *testing.F) {
	for _, l := range journalJSONLines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := newJournalJSONReader(testOpts)
		err := r.Feed([]byte(in), 1, func(e *Event) {})
		if err != nil {
			if _, ok := err.(*LineError); !ok {
				t.Fatalf("error %T", err)
			}
		}
	})
}
