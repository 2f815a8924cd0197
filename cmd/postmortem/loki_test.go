package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
	"github.com/postmortem/postmortem/sources/lokitest"
)

// lokiScenario writes a scenario, pushes it into loki labelled with its
// name, and returns its directory (without truth.json), its truth and the
// --loki-query flags that read it back.
func lokiScenario(t *testing.T, loki *lokitest.Server, name string) (string, *simulate.Truth, []string) {
	t.Helper()
	sc, err := simulate.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truth, err := simulate.Run(sc, 1, dir)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, simulate.FileTruth))
	extra := map[string]string{"scenario": name}
	if err := simulate.PushToLoki(context.Background(), sources.LokiOptions{URL: loki.URL}, dir, truth, extra); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, s := range simulate.LokiStreams {
		if st, err := os.Stat(filepath.Join(dir, s.File)); err == nil && st.Size() > 0 {
			args = append(args, "--loki-query", s.Query(extra))
		}
	}
	return dir, truth, args
}

// TestLokiSameReportAsFiles pushes every scenario into a real Loki and
// analyzes it from Loki and from the files: the reports agree on everything
// but the inputs' names and line numbers.
func TestLokiSameReportAsFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes every scenario into Loki")
	}
	loki := lokitest.New(t, false)
	for _, name := range simulate.Scenarios() {
		t.Run(name, func(t *testing.T) {
			dir, truth, queries := lokiScenario(t, loki, name)
			window := []string{
				"--since", truth.WindowStart.Add(-time.Hour).Format(time.RFC3339),
				"--until", truth.WindowEnd.Add(time.Hour).Format(time.RFC3339),
			}
			code, fromFiles, errs := runCLI(t, "", append([]string{"-q", "-f", "json", "-o", "-", dir}, window...)...)
			if code != exitOK {
				t.Fatalf("files: exit %d: %s", code, errs)
			}
			args := append([]string{"-q", "-f", "json", "-o", "-", "--loki", loki.URL}, window...)
			code, fromLoki, errs := runCLI(t, "", append(args, queries...)...)
			if code != exitOK {
				t.Fatalf("loki: exit %d: %s", code, errs)
			}
			a, b := comparable(t, fromFiles), comparable(t, fromLoki)
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("report from Loki differs from the report from files (-files +loki):\n%s", diff)
			}
		})
	}
}

// comparable is a report with its inputs left out and every mention of an
// input ("access.log:12: …" or "{job=…}:12: …") replaced by its kind.
func comparable(t *testing.T, js string) *analyzer.Report {
	t.Helper()
	var r analyzer.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	for _, in := range r.Inputs {
		quoted, _ := json.Marshal(in.Name) // as the name stands inside JSON strings
		re := regexp.MustCompile(regexp.QuoteMeta(string(quoted[1:len(quoted)-1])) + `(:\d+)?`)
		js = re.ReplaceAllLiteralString(js, "<"+in.Kind+">")
	}
	var n analyzer.Report
	if err := json.Unmarshal([]byte(js), &n); err != nil {
		t.Fatal(err)
	}
	n.Inputs = nil
	// Entries at the same instant are ordered by their source's name, which
	// differs between the two runs.
	sort.SliceStable(n.Timeline, func(i, j int) bool {
		a, b := n.Timeline[i], n.Timeline[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Message < b.Message
	})
	var warnings []string
	for _, w := range n.Warnings {
		if !strings.Contains(w, "Loki") {
			warnings = append(warnings, w)
		}
	}
	n.Warnings = warnings
	return &n
}

// TestLokiStoppedMidRun kills Loki while the CLI is pulling: a clear error,
// exit code 1, and no report written.
func TestLokiStoppedMidRun(t *testing.T) {
	loki := lokitest.New(t, false)
	_, truth, queries := lokiScenario(t, loki, "viral")
	out := filepath.Join(t.TempDir(), "report.html")
	go func() {
		time.Sleep(700 * time.Millisecond)
		loki.Kill()
	}()
	args := []string{"-q", "-o", out, "--loki", loki.URL, "--loki-parallel", "1",
		"--since", truth.WindowStart.Format(time.RFC3339), "--until", truth.WindowEnd.Format(time.RFC3339)}
	code, _, errs := runCLI(t, "", append(args, queries...)...)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailure, errs)
	}
	if !strings.Contains(errs, "loki") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("want one line naming Loki, got %q", errs)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a report was written although the run failed: %v", err)
	}
}

func TestLokiInvalidQueryIsUsageError(t *testing.T) {
	code, _, errs := runCLI(t, "", "--loki", "http://127.0.0.1:9", "--loki-query", `access={job="nginx"`,
		"--since", "2024-11-21T09:00:00Z", "--until", "2024-11-21T10:00:00Z", "-o", "-", "-f", "json")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d (invalid LogQL fails before any request); stderr %s", code, exitUsage, errs)
	}
	if !strings.Contains(errs, "parse error") && !strings.Contains(errs, "syntax error") {
		t.Errorf("want Loki's parser message, got %q", errs)
	}
}

// TestLokiPushdownAgrees analyzes the viral scenario from Loki twice, pulling
// every line and in pushdown mode, and holds them to the same story:
// incident times within one metric step, the same top referrers and the same
// restarts. It logs what each mode transferred.
func TestLokiPushdownAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes a scenario into Loki")
	}
	loki := lokitest.New(t, false)
	for _, c := range []struct {
		name     string
		duration string // "" = the scenario's own
	}{{"viral", ""}, {"viral", "6h"}} {
		t.Run(c.name+c.duration, func(t *testing.T) {
			sc, err := simulate.Lookup(c.name)
			if err != nil {
				t.Fatal(err)
			}
			if c.duration != "" {
				d, _ := time.ParseDuration(c.duration)
				sc.Duration = d
			}
			dir := t.TempDir()
			truth, err := simulate.Run(sc, 1, dir)
			if err != nil {
				t.Fatal(err)
			}
			extra := map[string]string{"scenario": c.name + c.duration}
			if err := simulate.PushToLoki(context.Background(), sources.LokiOptions{URL: loki.URL}, dir, truth, extra); err != nil {
				t.Fatal(err)
			}
			args := []string{"-f", "json", "-o", "-", "--loki", loki.URL,
				"--since", truth.WindowStart.Format(time.RFC3339), "--until", truth.WindowEnd.Format(time.RFC3339)}
			for _, s := range simulate.LokiStreams {
				args = append(args, "--loki-query", s.Query(extra))
			}
			var reps [2]*analyzer.Report
			for i, mode := range []string{"full", "pushdown"} {
				start := time.Now()
				code, out, errs := runCLI(t, "", append(args, "--loki-mode", mode)...)
				if code != exitOK {
					t.Fatalf("%s: exit %d: %s", mode, code, errs)
				}
				t.Logf("%s %s: %s wall; %s", c.name+c.duration, mode, time.Since(start).Round(time.Millisecond), strings.TrimSpace(lastLine(errs)))
				reps[i] = decodeReport(t, out)
			}
			full, push := reps[0], reps[1]
			if len(full.Incidents) == 0 || len(push.Incidents) != len(full.Incidents) {
				t.Fatalf("incidents: full %d, pushdown %d", len(full.Incidents), len(push.Incidents))
			}
			for i := range full.Incidents {
				if d := abs(push.Incidents[i].Start.Sub(full.Incidents[i].Start)); d > pushdownStep {
					t.Errorf("incident %d starts %s (pushdown) vs %s (full)", i, push.Incidents[i].Start, full.Incidents[i].Start)
				}
				fe, pe := full.Incidents[i].End, push.Incidents[i].End
				if (fe == nil) != (pe == nil) || (fe != nil && abs(pe.Sub(*fe)) > pushdownStep) {
					t.Errorf("incident %d ends %v (pushdown) vs %v (full)", i, pe, fe)
				}
				if got, want := keys(push.Incidents[i].Flood.TopReferrers, 5), keys(full.Incidents[i].Flood.TopReferrers, 5); !cmp.Equal(got, want) {
					t.Errorf("top referrers %v (pushdown) vs %v (full)", got, want)
				}
			}
			if got, want := restartKeys(push), restartKeys(full); !cmp.Equal(got, want) {
				t.Errorf("restarts %v (pushdown) vs %v (full)", got, want)
			}
			if push.Traffic.Requests != full.Traffic.Requests {
				t.Errorf("requests %d (pushdown, Loki's count) vs %d (full)", push.Traffic.Requests, full.Traffic.Requests)
			}
			for _, n := range push.Notes {
				if strings.Contains(n, "Loki's topk") && !strings.Contains(n, "clients") {
					t.Errorf("the cross-check note says nothing of the top clients: %s", n)
				}
			}
			checkPushdownLatency(t, loki.URL, extra, truth, full, push)
			checkPushdownTop(t, loki.URL, extra, full)
		})
	}
}

func keys(rows []analyzer.Share, n int) []string {
	var out []string
	for i := 0; i < len(rows) && i < n; i++ {
		out = append(out, rows[i].Key)
	}
	return out
}

func restartKeys(r *analyzer.Report) []string {
	var out []string
	for _, x := range r.Restarts {
		out = append(out, x.At.Format(time.RFC3339)+" "+x.Service+" "+x.Kind)
	}
	return out
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
