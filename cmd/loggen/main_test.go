package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/simulate"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings
	}{
		{"list", []string{"--list"}, exitOK, "static-pool", ""},
		{"help", []string{"--help"}, exitOK, "Examples:", ""},
		{"bad flag", []string{"--frobnicate"}, exitUsage, "", "unknown flag"},
		{"no out", []string{"--scenario", "viral"}, exitUsage, "", "--out DIR is required"},
		{"unknown scenario", []string{"--scenario", "nope", "--out", dir}, exitUsage, "", `unknown scenario "nope"`},
		{"bad action", []string{"--action", "reboot@10:00", "--out", dir}, exitUsage, "", `unknown action "reboot"`},
		{"action without value", []string{"--action", "raise-max-children@10:00", "--out", dir}, exitUsage, "", "needs =VALUE"},
		{"bad start", []string{"--start", "25:99", "--out", dir}, exitUsage, "", "bad clock"},
		{"bad pm", []string{"--pm", "ondemand", "--duration", "1m", "--out", dir}, exitFailure, "", "pm must be dynamic or static"},
		{"stray argument", []string{"--out", dir, "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"bad retry prob", []string{"--retry-prob", "2", "--out", dir}, exitUsage, "", "--retry-prob must be between 0 and 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(c.args...)
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
				t.Errorf("run(%q) = %d\nstdout %q\nstderr %q\nwant %d, %q, %q", c.args, code, out, errOut, c.code, c.out, c.err)
			}
		})
	}
}

func TestCLIWritesScenarioWithKnobs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := runCLI("--scenario", "mysql-crash", "--seed", "3", "--out", dir,
		"--start", "10:15", "--duration", "10m", "--mysql-version", "mariadb", "--zone", "America/New_York",
		"--max-children", "12", "--request-terminate-timeout", "20s", "--listen-backlog", "128", "--retry-prob", "0.3", "--no-actions", "--action", "crash-mysql@10:18:30", "--action", "raise-max-children@10:20=30")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "mysql-crash seed 3") {
		t.Errorf("stderr %q", errOut)
	}
	tr, err := simulate.ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if tr.Zone != "America/New_York" || tr.MySQL != "mariadb" || !tr.WindowStart.Equal(time.Date(2024, 11, 21, 10, 15, 0, 0, ny)) ||
		tr.WindowEnd.Sub(tr.WindowStart) != 10*time.Minute || tr.Seed != 3 {
		t.Errorf("truth header %+v", tr)
	}
	if len(tr.Restarts) != 2 || tr.Restarts[0].Kind != "crash" || tr.Restarts[1].Kind != "reload" ||
		!tr.Restarts[0].At.Equal(time.Date(2024, 11, 21, 10, 18, 30, 0, ny)) {
		t.Errorf("restarts %+v", tr.Restarts)
	}
	b, err := os.ReadFile(filepath.Join(dir, "mysql-error.log"))
	if err != nil || !bytes.Contains(b, []byte("[ERROR] mysqld got signal 11 ;")) || !bytes.Contains(b, []byte("2024-11-21 10:")) {
		t.Errorf("mariadb error log (%v):\n%s", err, b)
	}
	for _, f := range []string{"access.log", "nginx-error.log", "php-fpm.log", "php-fpm-slow.log", "mysql-slow.log", "syslog"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestParseAction(t *testing.T) {
	a, err := parseAction("enable-microcache@10:21:30=5")
	if err != nil || a.Kind != simulate.ActionMicrocache || a.Value != 5 || a.At != 10*time.Hour+21*time.Minute+30*time.Second {
		t.Errorf("parseAction = %+v, %v", a, err)
	}
	for _, bad := range []string{"kill-php", "kill-php@", "kill-php@10", "raise-max-children@10:00=x", "raise-max-children@10:00=0"} {
		if _, err := parseAction(bad); err == nil {
			t.Errorf("parseAction(%q) succeeded", bad)
		}
	}
}
