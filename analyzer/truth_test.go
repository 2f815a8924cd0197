package analyzer

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/simulate"
)

// Truth tests: every simulator scenario, run with a fixed seed, read
// through the real parsers into the Aggregator, finished, and compared
// with truth.json. Tolerances (issue 5): incident start 60 s, end 120 s,
// trigger kind exact, saturation start per resource 60 s, every restart
// found with service and kind right within 10 s, relapse 60 s, and no
// incident on quiet-day.
//
//	go test ./analyzer -run TestTruth -v        # the measured errors per scenario
//	go test ./analyzer -run TestTruth -short    # skipped

type truthErrors struct {
	startS, endS float64 // signed errors (found − truth), NaN when not applicable
	trigger      string
	satS         map[string]float64
	restartS     []float64
	relapseS     []float64
	extra        []string // resources reported saturated that truth does not list
}

func (e truthErrors) String() string {
	f := func(x float64) string {
		if math.IsNaN(x) {
			return "-"
		}
		return fmt.Sprintf("%+.0fs", x)
	}
	var sat []string
	for _, r := range []string{"php-fpm", "mysql", "nginx", "memory"} {
		if v, ok := e.satS[r]; ok {
			sat = append(sat, r+" "+f(v))
		}
	}
	var rs, rel []string
	for _, x := range e.restartS {
		rs = append(rs, f(x))
	}
	for _, x := range e.relapseS {
		rel = append(rel, f(x))
	}
	x := ""
	if len(e.extra) > 0 {
		x = " | extra saturation " + strings.Join(e.extra, ", ")
	}
	return fmt.Sprintf("start %s end %s trigger %s | saturation %s | restarts %s | relapse %s%s",
		f(e.startS), f(e.endS), e.trigger, strings.Join(sat, ", "), strings.Join(rs, " "), strings.Join(rel, " "), x)
}

// checkTruth compares rep with truth and returns the measured errors.
func checkTruth(t *testing.T, rep *Report, tr *simulate.Truth) truthErrors {
	t.Helper()
	e := truthErrors{startS: math.NaN(), endS: math.NaN(), satS: map[string]float64{}}
	if tr.Incident == nil {
		if len(rep.Incidents) != 0 {
			t.Errorf("no incident in truth, got %d: first %s..%v (%s)", len(rep.Incidents), rep.Incidents[0].Start, rep.Incidents[0].End, rep.Incidents[0].Trigger.Kind)
		}
		e.trigger = "none"
		return e
	}
	if len(rep.Incidents) == 0 {
		t.Errorf("truth incident %s..%v (%s), got none", tr.Incident.Start, tr.Incident.End, tr.Incident.Trigger)
		return e
	}
	// The incident that overlaps the truth's start (or the first).
	inc := &rep.Incidents[0]
	for i := range rep.Incidents {
		c := &rep.Incidents[i]
		if !c.Start.After(tr.Incident.Start.Add(60*time.Second)) && (c.End == nil || c.End.After(tr.Incident.Start)) {
			inc = c
			break
		}
	}
	e.startS = inc.Start.Sub(tr.Incident.Start).Seconds()
	if math.Abs(e.startS) > 60 {
		t.Errorf("incident start %s, truth %s (off %.0f s > 60)", inc.Start.Format(time.TimeOnly), tr.Incident.Start.Format(time.TimeOnly), e.startS)
	}
	switch {
	case tr.Incident.End == nil && inc.End != nil:
		t.Errorf("incident end %s, truth: still ongoing", inc.End.Format(time.TimeOnly))
	case tr.Incident.End != nil && inc.End == nil:
		t.Errorf("incident ongoing, truth ends %s", tr.Incident.End.Format(time.TimeOnly))
	case tr.Incident.End != nil:
		e.endS = inc.End.Sub(*tr.Incident.End).Seconds()
		if math.Abs(e.endS) > 120 {
			t.Errorf("incident end %s, truth %s (off %.0f s > 120)", inc.End.Format(time.TimeOnly), tr.Incident.End.Format(time.TimeOnly), e.endS)
		}
	}
	e.trigger = inc.Trigger.Kind
	if inc.Trigger.Kind != tr.Incident.Trigger {
		t.Errorf("trigger %s (%.2f: %q), truth %s", inc.Trigger.Kind, inc.Trigger.Confidence, inc.Trigger.Evidence, tr.Incident.Trigger)
	}
	// Saturation: the first start per resource.
	first := map[string]time.Time{}
	for _, s := range tr.Saturation {
		if _, ok := first[s.Resource]; !ok {
			first[s.Resource] = s.Start
		}
	}
	got := map[string]time.Time{}
	for _, i := range rep.Incidents {
		for _, s := range i.Saturation {
			if g, ok := got[s.Resource]; !ok || s.Start.Before(g) {
				got[s.Resource] = s.Start
			}
		}
	}
	for res, g := range got {
		if _, ok := first[res]; !ok {
			e.extra = append(e.extra, res+" from "+g.Format(time.TimeOnly))
		}
	}
	sort.Strings(e.extra)
	for res, want := range first {
		g, ok := got[res]
		if !ok {
			t.Errorf("saturation of %s from %s not found (got %v)", res, want.Format(time.TimeOnly), got)
			continue
		}
		d := g.Sub(want).Seconds()
		e.satS[res] = d
		if math.Abs(d) > 60 {
			t.Errorf("saturation of %s starts %s, truth %s (off %.0f s > 60)", res, g.Format(time.TimeOnly), want.Format(time.TimeOnly), d)
		}
	}
	// Restarts: each true one found.
	for _, w := range tr.Restarts {
		var best *Restart
		for i := range rep.Restarts {
			r := &rep.Restarts[i]
			if r.Service != w.Service {
				continue
			}
			if best == nil || math.Abs(r.At.Sub(w.At).Seconds()) < math.Abs(best.At.Sub(w.At).Seconds()) {
				best = r
			}
		}
		if best == nil {
			t.Errorf("restart %s %s at %s not found", w.Service, w.Kind, w.At.Format(time.TimeOnly))
			e.restartS = append(e.restartS, math.NaN())
			continue
		}
		d := best.At.Sub(w.At).Seconds()
		e.restartS = append(e.restartS, d)
		if math.Abs(d) > 10 || best.Kind != w.Kind {
			t.Errorf("restart %s %s at %s: closest found %s at %s (off %.0f s)", w.Service, w.Kind, w.At.Format(time.TimeOnly), best.Kind, best.At.Format(time.TimeOnly), d)
		}
		if w.RelapseAt == nil && best.RelapseAfterS != nil {
			t.Errorf("restart %s at %s: found a relapse after %.0f s, truth has none (%s)", w.Service, w.At.Format(time.TimeOnly), *best.RelapseAfterS, best.Verdict)
		}
		if w.RelapseAt != nil {
			if best.RelapseAfterS == nil {
				t.Errorf("restart %s at %s: truth relapse at %s, found none (%s)", w.Service, w.At.Format(time.TimeOnly), w.RelapseAt.Format(time.TimeOnly), best.Verdict)
				e.relapseS = append(e.relapseS, math.NaN())
				continue
			}
			rel := best.At.Add(time.Duration(*best.RelapseAfterS * float64(time.Second)))
			d := rel.Sub(*w.RelapseAt).Seconds()
			e.relapseS = append(e.relapseS, d)
			if math.Abs(d) > 60 {
				t.Errorf("restart %s relapse %s, truth %s (off %.0f s > 60)", w.Service, rel.Format(time.TimeOnly), w.RelapseAt.Format(time.TimeOnly), d)
			}
		}
	}
	return e
}

// runScenario runs sc with seed and returns the report and the truth.
func runScenario(t *testing.T, sc simulate.Scenario, seed uint64) (*Report, *simulate.Truth) {
	t.Helper()
	dir := t.TempDir()
	tr, err := simulate.Run(sc, seed, dir)
	if err != nil {
		t.Fatalf("simulate %s: %v", sc.Name, err)
	}
	loc, err := time.LoadLocation(tr.Zone)
	if err != nil {
		t.Fatal(err)
	}
	rep := ingestDir(t, dir, loc, tr.WindowStart.In(loc).Year(), &Options{Location: loc})
	// Accounting holds for every input.
	for _, in := range rep.Inputs {
		if in.Lines != in.Parsed+in.Skipped {
			t.Errorf("%s: lines %d != parsed %d + skipped %d", in.Name, in.Lines, in.Parsed, in.Skipped)
		}
		if in.Kind == "access" && in.Skipped > 0 {
			t.Errorf("%s: %d access lines skipped: %+v", in.Name, in.Skipped, in.SkipReasons)
		}
	}
	return rep, tr
}

func TestTruthScenarios(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("simulates every scenario (skipped with -short and -race)")
	}
	for _, name := range simulate.Scenarios() {
		t.Run(name, func(t *testing.T) {
			sc, err := simulate.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			rep, tr := runScenario(t, sc, 1)
			e := checkTruth(t, rep, tr)
			t.Logf("%-12s seed 1: %s", name, e)
			if len(rep.Incidents) > 0 {
				t.Logf("summary: %s", rep.Incidents[0].Summary)
			}
		})
	}
}

// TestTruthVariations runs scenarios with other seeds and knobs (pool size,
// surge factor, action times, MySQL flavour), so the detectors are not
// tuned to one run.
func TestTruthVariations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("simulates many runs (skipped with -short and -race)")
	}
	type variation struct {
		name     string
		scenario string
		seed     uint64
		change   func(sc *simulate.Scenario)
	}
	later := func(d time.Duration) func(sc *simulate.Scenario) {
		return func(sc *simulate.Scenario) {
			for i := range sc.Actions {
				sc.Actions[i].At += d
			}
		}
	}
	vs := []variation{
		{"viral seed 2", "viral", 2, nil},
		{"viral seed 3, MariaDB", "viral", 3, func(sc *simulate.Scenario) { sc.MySQLVersion = "mariadb" }},
		{"viral pool 32", "viral", 4, func(sc *simulate.Scenario) { sc.MaxChildren = 32 }},
		{"viral surge ×1.6", "viral", 5, func(sc *simulate.Scenario) { sc.SurgeFactor = 1.6 }},
		{"viral actions 4 min later, MySQL 5.7", "viral", 6, func(sc *simulate.Scenario) { later(4 * time.Minute)(sc); sc.MySQLVersion = "5.7" }},
		{"launch seed 2, max_connections 60", "launch", 2, func(sc *simulate.Scenario) { sc.MaxConnections = 60 }},
		{"crawler seed 2", "crawler", 2, nil},
		{"mysql-crash 10 min later", "mysql-crash", 3, later(10 * time.Minute)},
		{"oom seed 2", "oom", 2, nil},
		{"quiet-day seed 2", "quiet-day", 2, nil},
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			sc, err := simulate.Lookup(v.scenario)
			if err != nil {
				t.Fatal(err)
			}
			if v.change != nil {
				v.change(&sc)
			}
			rep, tr := runScenario(t, sc, v.seed)
			t.Logf("%-40s %s", v.name, checkTruth(t, rep, tr))
		})
	}
}
