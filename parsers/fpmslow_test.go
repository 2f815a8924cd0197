package parsers

import (
	"strings"
	"testing"
)

const fpmSlowSample = `
[21-Nov-2024 10:15:02]  [pool www] pid 12345
script_filename = /var/www/site/index.php
[0x00007f0a1c0151d0] curl_exec() /var/www/site/lib/Http.php:88
[0x00007f0a1c015120] fetch() /var/www/site/lib/Api.php:41
[0x00007f0a1c014f80] [INCLUDE_OR_EVAL]() /var/www/site/index.php:12

[21-Nov-2024 10:15:07]  [pool api] pid 12346
script_filename = /var/www/api/v1.php
[0x00007f0a1c0151d0] sleep() /var/www/api/v1.php:3
[21-Nov-2024 10:15:09]  [pool api] pid 12347
script_filename = /var/www/api/v2.php
+++ dump failed
`

func TestFPMSlowRecords(t *testing.T) {
	lines := strings.Split(fpmSlowSample, "\n")
	evs, errs := feedLines(newFPMSlowReader(testOpts), lines...)
	for i, err := range errs {
		if err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}
	want := []string{
		`fpm-slow fpm-slow-trace notice t=2024-11-21T10:15:02 pid=12345 num=[3 0 0 0] pool="www" lines=5`,
		`fpm-slow fpm-slow-trace notice t=2024-11-21T10:15:07 pid=12346 num=[1 0 0 0] pool="api" lines=3`,
		`fpm-slow fpm-slow-trace notice t=2024-11-21T10:15:09 pid=12347 pool="api" lines=3`,
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d events, want %d", len(evs), len(want))
	}
	for i, w := range want {
		if got := describe(evs[i]); got != w {
			t.Errorf("event %d:\ngot  %s\nwant %s", i, got, w)
		}
	}
	if got := string(evs[0].Text); !strings.HasPrefix(got, "/var/www/site/index.php\n[0x00007f0a1c0151d0] curl_exec() ") || strings.Count(got, "\n") != 3 {
		t.Errorf("text %q", got)
	}
}

func TestFPMSlowSkipped(t *testing.T) {
	_, errs := feedLines(newFPMSlowReader(testOpts),
		`script_filename = /orphan.php`,
		`[21-Nov-2024 10:15:02]  [pool www] pid 1`,
		`GET /index.php`)
	for _, i := range []int{0, 2} {
		if le, ok := errs[i].(*LineError); !ok || le.Reason != reasonNotFPMSlow {
			t.Errorf("line %d: %v", i+1, errs[i])
		}
	}
	if errs[1] != nil {
		t.Errorf("header: %v", errs[1])
	}
}

func FuzzFPMSlow(f *testing.F) {
	f.Add(fpmSlowSample)
	f.Fuzz(func(t *testing.T, in string) {
		r := newFPMSlowReader(testOpts)
		input := []byte(in)
		emit := func(e *Event) {
			text := e.Text
			e.Text = nil
			if e.Type != FPMSlowTrace || !fieldsFromInput(e, input) {
				t.Fatalf("bad event %v", describe(*e))
			}
			for _, part := range strings.Split(string(text), "\n") {
				if !strings.Contains(in, part) {
					t.Fatalf("text line %q not from the input", part)
				}
			}
		}
		for i, l := range strings.Split(in, "\n") {
			r.Feed([]byte(l), int64(i+1), emit)
		}
		r.Flush(emit)
	})
}
