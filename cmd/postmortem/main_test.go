package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postmortem/postmortem/analyzer"
)

// runCLI runs the real program with buffers, as a user would from a shell.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const accessLines = `203.0.113.7 - - [21/Nov/2024:10:00:01 +0100] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)" 0.012 0.010
203.0.113.8 - - [21/Nov/2024:10:00:02 +0100] "GET /book/1 HTTP/1.1" 200 1024 "https://l.facebook.com/" "Mozilla/5.0 (iPhone) FBAN/FBIOS" 0.020 0.018
203.0.113.9 - - [21/Nov/2024:10:00:03 +0100] "POST /register HTTP/1.1" 502 150 "-" "Mozilla/5.0 (X11; Linux x86_64)" 0.001 -
`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"help", []string{"--help"}, exitOK, "Exit codes:", ""},
		{"version", []string{"--version"}, exitOK, "postmortem ", ""},
		{"unknown flag", []string{"--nope", "x.log"}, exitUsage, "", "unknown flag: --nope"},
		{"no input", nil, exitUsage, "", "no input"},
		{"bad format", []string{"-f", "pdf", "x.log"}, exitUsage, "", `unknown format "pdf"`},
		{"bad zone", []string{"--tz", "Mars/Olympus", "x.log"}, exitUsage, "", `unknown time zone "Mars/Olympus"`},
		{"bad since", []string{"--since", "yesterday", "-o", "-", "-f", "json", "-"}, exitUsage, "", `bad time "yesterday"`},
		{"loki without query", []string{"--loki", "http://127.0.0.1:1"}, exitUsage, "", "--loki needs at least one --loki-query"},
		{"missing file", []string{"-o", "-", "-f", "json", "/nonexistent/access.log"}, exitFailure, "", "/nonexistent/access.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tt.wantCode, errs)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantStdout)
			}
			if !strings.Contains(errs, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", errs, tt.wantStderr)
			}
			if tt.wantCode != exitOK && strings.Count(strings.TrimSpace(errs), "\n") > 1 {
				t.Errorf("want one clear line (and a hint), got %q", errs)
			}
			if strings.Contains(errs, "goroutine ") {
				t.Errorf("stack trace on stderr: %s", errs)
			}
		})
	}
}

func decodeReport(t *testing.T, s string) *analyzer.Report {
	t.Helper()
	var r analyzer.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, s)
	}
	return &r
}

func TestCLIStdinAndAccounting(t *testing.T) {
	in := accessLines + "this is not a log line\n"
	code, out, errs := runCLI(t, in, "-q", "-f", "json", "-o", "-", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := decodeReport(t, out)
	if len(r.Inputs) != 1 {
		t.Fatalf("inputs = %d, want 1", len(r.Inputs))
	}
	got := r.Inputs[0]
	if got.Kind != "access" || got.Lines != 4 || got.Parsed != 3 || got.Skipped != 1 {
		t.Errorf("input accounting = kind %s lines %d parsed %d skipped %d, want access 4 3 1", got.Kind, got.Lines, got.Parsed, got.Skipped)
	}
	if len(got.SkipReasons) != 1 || len(got.SkipReasons[0].Samples) != 1 || got.SkipReasons[0].Samples[0].Line != 4 {
		t.Errorf("skip reasons = %+v, want one reason with the sample at line 4", got.SkipReasons)
	}
	if r.Traffic.Requests != 3 || r.Traffic.Status.S5xx != 1 {
		t.Errorf("traffic = %+v, want 3 requests, one 5xx", r.Traffic)
	}
}

func TestCLIStrict(t *testing.T) {
	code, _, errs := runCLI(t, accessLines+"garbage\n", "-q", "--strict", "-f", "json", "-o", "-", "-")
	if code != exitStrict {
		t.Fatalf("exit %d, want %d (strict); stderr %s", code, exitStrict, errs)
	}
}

func TestCLIAtomicOutputAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	log := writeFile(t, dir, "access.log", accessLines)
	// The same content compressed, under a name that does not say so: the
	// source must detect gzip by its magic bytes.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(accessLines))
	zw.Close()
	writeFile(t, dir, "other.txt", gz.String())

	var outputs []string
	for i := 0; i < 2; i++ {
		out := filepath.Join(dir, "r.json")
		code, _, errs := runCLI(t, "", "-q", "-o", out, log)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
	}
	if outputs[0] != outputs[1] {
		t.Error("two runs over the same input gave different JSON")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	code, out, errs := runCLI(t, "", "-q", "-f", "json", "-o", "-", filepath.Join(dir, "other.txt"))
	if code != exitOK {
		t.Fatalf("gzip by magic: exit %d: %s", code, errs)
	}
	if r := decodeReport(t, out); r.Traffic.Requests != 3 {
		t.Errorf("gzip input read %d requests, want 3", r.Traffic.Requests)
	}
}

func TestCLIRefusesHTMLOnTerminalOnlyWhenTerminal(t *testing.T) {
	// A buffer is not a terminal: HTML to stdout is allowed there.
	code, out, errs := runCLI(t, accessLines, "-q", "-o", "-", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "<html") {
		t.Errorf("stdout is not HTML: %.200s", out)
	}
}
