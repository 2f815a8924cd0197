package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/simulate"
)

// Tolerances of the truth tests (issue 5): what a detector may be off by
// against the simulator's ground truth.
const (
	tolIncidentStart = 60 * time.Second
	tolIncidentEnd   = 120 * time.Second
	tolSaturation    = 60 * time.Second
	tolRestart       = 10 * time.Second
	tolRelapse       = 60 * time.Second
	minWriteRecall   = 0.95
	minWritePrecis   = 0.90
)

// TestTruthThroughCLI runs every simulated scenario with a fixed seed,
// analyzes its logs through the real command line, and holds the JSON report
// to truth.json.
func TestTruthThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates every scenario")
	}
	for _, name := range simulate.Scenarios() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			sc, err := simulate.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			truth, err := simulate.Run(sc, 1, dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(dir, "truth.json"), filepath.Join(t.TempDir(), "truth.json")); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCLI(t, "", "-q", "-f", "json", "-o", "-", dir)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			rep := decodeReport(t, out)
			checkAccounting(t, dir, rep)
			compareWithTruth(t, rep, truth)
		})
	}
}

// checkAccounting holds every input to lines = parsed + skipped, with lines
// equal to the file's physical line count, and expects the simulator's own
// output to parse completely.
func checkAccounting(t *testing.T, dir string, rep *analyzer.Report) {
	t.Helper()
	for _, in := range rep.Inputs {
		n := countLines(t, in.Name)
		if in.Lines != n || in.Parsed+in.Skipped != in.Lines {
			t.Errorf("%s: lines %d parsed %d skipped %d; the file has %d lines", filepath.Base(in.Name), in.Lines, in.Parsed, in.Skipped, n)
		}
		if in.Skipped > 0 {
			t.Errorf("%s (%s): %d simulated lines did not parse: %+v", filepath.Base(in.Name), in.Kind, in.Skipped, in.SkipReasons)
		}
		if in.Kind == "unknown" && in.Lines > 0 {
			t.Errorf("%s: kind not recognised", in.Name)
		}
	}
}

func countLines(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	br := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	for {
		k, err := br.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err != nil {
			return n
		}
	}
}

func compareWithTruth(t *testing.T, rep *analyzer.Report, truth *simulate.Truth) {
	t.Helper()
	var msgs []string
	report := func(format string, a ...any) {
		msgs = append(msgs, fmt.Sprintf(format, a...))
	}
	defer func() {
		// One line per scenario with the measured errors, for the issue note.
		t.Logf("%s: %s", truth.Scenario, strings.Join(msgs, "; "))
	}()

	if truth.Incident == nil {
		if len(rep.Incidents) != 0 {
			t.Errorf("quiet run: %d incidents reported, want none (first at %s)", len(rep.Incidents), rep.Incidents[0].Start)
		}
		report("no incident, %d reported", len(rep.Incidents))
		return
	}
	if len(rep.Incidents) == 0 {
		t.Fatalf("no incident found; truth starts at %s", truth.Incident.Start)
	}
	inc := rep.Incidents[0]
	dStart := inc.Start.Sub(truth.Incident.Start)
	report("start %+.0fs", dStart.Seconds())
	if abs(dStart) > tolIncidentStart {
		t.Errorf("incident start %s, truth %s (off by %s, tolerance %s)", inc.Start, truth.Incident.Start, dStart, tolIncidentStart)
	}
	last := rep.Incidents[len(rep.Incidents)-1]
	switch {
	case truth.Incident.End == nil && last.End != nil:
		t.Errorf("incident ends at %s, truth: still ongoing at the end of the logs", last.End)
	case truth.Incident.End != nil && last.End == nil:
		t.Errorf("incident still ongoing, truth ends at %s", truth.Incident.End)
	case truth.Incident.End != nil:
		dEnd := last.End.Sub(*truth.Incident.End)
		report("end %+.0fs", dEnd.Seconds())
		if abs(dEnd) > tolIncidentEnd {
			t.Errorf("incident end %s, truth %s (off by %s, tolerance %s)", last.End, truth.Incident.End, dEnd, tolIncidentEnd)
		}
	}
	if inc.Trigger.Kind != truth.Incident.Trigger {
		t.Errorf("trigger %q, truth %q (evidence: %q)", inc.Trigger.Kind, truth.Incident.Trigger, inc.Trigger.Evidence)
	}

	// Saturation: the first interval of each resource.
	firstTruth := map[string]time.Time{}
	for _, s := range truth.Saturation {
		if _, ok := firstTruth[s.Resource]; !ok {
			firstTruth[s.Resource] = s.Start
		}
	}
	firstGot := map[string]time.Time{}
	for _, in := range rep.Incidents {
		for _, s := range in.Saturation {
			if f, ok := firstGot[s.Resource]; !ok || s.Start.Before(f) {
				firstGot[s.Resource] = s.Start
			}
		}
	}
	for res, want := range firstTruth {
		got, ok := firstGot[res]
		if !ok {
			t.Errorf("saturation of %s not found; truth starts %s", res, want)
			continue
		}
		d := got.Sub(want)
		report("%s saturation %+.0fs", res, d.Seconds())
		if abs(d) > tolSaturation {
			t.Errorf("%s saturation starts %s, truth %s (off by %s, tolerance %s)", res, got, want, d, tolSaturation)
		}
	}

	// Restarts: every true one found with service and kind right.
	for _, tr := range truth.Restarts {
		var best *analyzer.Restart
		for i := range rep.Restarts {
			r := &rep.Restarts[i]
			if r.Service == tr.Service && (best == nil || abs(r.At.Sub(tr.At)) < abs(best.At.Sub(tr.At))) {
				best = r
			}
		}
		if best == nil {
			t.Errorf("restart of %s at %s not found", tr.Service, tr.At)
			continue
		}
		d := best.At.Sub(tr.At)
		report("%s restart %+.0fs", tr.Service, d.Seconds())
		if abs(d) > tolRestart {
			t.Errorf("%s restart at %s, truth %s (off by %s, tolerance %s)", tr.Service, best.At, tr.At, d, tolRestart)
		}
		if best.Kind != tr.Kind {
			t.Errorf("%s restart at %s: kind %q, truth %q", tr.Service, tr.At, best.Kind, tr.Kind)
		}
		switch {
		case tr.RelapseAt != nil && best.RelapseAfterS == nil:
			t.Errorf("%s restart at %s: relapse at %s not found", tr.Service, tr.At, tr.RelapseAt)
		case tr.RelapseAt != nil:
			got := best.At.Add(time.Duration(*best.RelapseAfterS * float64(time.Second)))
			d := got.Sub(*tr.RelapseAt)
			report("relapse %+.0fs", d.Seconds())
			if abs(d) > tolRelapse {
				t.Errorf("%s restart: relapse at %s, truth %s (off by %s, tolerance %s)", tr.Service, got, tr.RelapseAt, d, tolRelapse)
			}
		}
	}

	if truth.RetryStorm.Detected != rep.RetryStorm.Detected {
		t.Errorf("retry storm detected %v, truth %v", rep.RetryStorm.Detected, truth.RetryStorm.Detected)
	}

	// Ambiguous writes: recall over the true committed-but-failed writes,
	// precision over what the report flags as possibly committed.
	if len(truth.FailedWrites) > 0 {
		flagged := map[string]bool{}
		for _, w := range rep.AmbiguousWrites.Writes {
			flagged[writeKey(w.At, w.Client, w.Path)] = true
		}
		hit := 0
		for _, w := range truth.FailedWrites {
			if flagged[writeKey(w.Time, w.Client, w.Path)] {
				hit++
			}
		}
		recall := float64(hit) / float64(len(truth.FailedWrites))
		precision := float64(hit) / math.Max(1, float64(len(rep.AmbiguousWrites.Writes)))
		report("writes recall %.3f precision %.3f (%d true, %d flagged)", recall, precision, len(truth.FailedWrites), len(rep.AmbiguousWrites.Writes))
		if recall < minWriteRecall {
			t.Errorf("ambiguous writes recall %.3f (%d of %d), want ≥ %.2f", recall, hit, len(truth.FailedWrites), minWriteRecall)
		}
		if precision < minWritePrecis {
			t.Errorf("ambiguous writes precision %.3f (%d of %d flagged were committed), want ≥ %.2f", precision, hit, len(rep.AmbiguousWrites.Writes), minWritePrecis)
		}
	}
}

func writeKey(at time.Time, client, path string) string {
	return at.UTC().Truncate(time.Second).Format(time.RFC3339) + " " + client + " " + path
}

func abs(d time.Duration) time.Duration { return time.Duration(math.Abs(float64(d))) }
