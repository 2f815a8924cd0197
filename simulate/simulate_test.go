package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var allFiles = []string{FileAccess, FileNginxError, FileFPM, FileFPMSlow, FileMySQLError, FileMySQLSlow, FileSyslog, FileTruth}

func TestScenariosAndLookup(t *testing.T) {
	names := Scenarios()
	want := []string{"viral", "launch", "crawler", "mysql-crash", "oom", "static-pool", "quiet-day"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("Scenarios() = %v, want %v", names, want)
	}
	for _, n := range names {
		sc, err := Lookup(n)
		if err != nil || sc.Name != n || sc.Description == "" {
			t.Errorf("Lookup(%q) = %q, %v", n, sc.Name, err)
		}
	}
	if _, err := Lookup("nope"); err == nil {
		t.Error("Lookup(nope) succeeded")
	}
	// Lookup returns copies: changing one does not change the next.
	a, _ := Lookup("viral")
	a.Actions[0].Kind = ActionCrashMySQL
	a.MaxChildren = 999
	b, _ := Lookup("viral")
	if b.Actions[0].Kind != ActionKillPHP || b.MaxChildren == 999 {
		t.Error("Lookup shares state between calls")
	}
}

func TestDeterministic(t *testing.T) {
	sc, _ := Lookup("viral")
	sc.Duration = 8 * time.Minute
	d1, d2, d3 := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{d1, d2} {
		if _, err := Run(sc, 42, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Run(sc, 43, d3); err != nil {
		t.Fatal(err)
	}
	for _, f := range allFiles {
		a, _ := os.ReadFile(filepath.Join(d1, f))
		b, _ := os.ReadFile(filepath.Join(d2, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	a, _ := os.ReadFile(filepath.Join(d1, FileAccess))
	c, _ := os.ReadFile(filepath.Join(d3, FileAccess))
	if bytes.Equal(a, c) {
		t.Error("seeds 42 and 43 wrote the same access.log")
	}
	if len(a) < 1000 {
		t.Errorf("access.log has only %d bytes", len(a))
	}
}

func TestReadTruthRoundTrip(t *testing.T) {
	dir, tr := runShort(t, "mysql-crash", 25*time.Minute, nil)
	got, err := ReadTruth(filepath.Join(dir, FileTruth))
	if err != nil {
		t.Fatal(err)
	}
	if got.Scenario != "mysql-crash" || got.Seed != 7 || got.Zone != "Europe/Prague" || got.Requests != tr.Requests {
		t.Errorf("ReadTruth = %+v, want %+v", got, tr)
	}
	if got.Incident == nil || got.Incident.Trigger != "backend-failure" {
		t.Fatalf("incident = %+v, want a backend-failure", got.Incident)
	}
	if len(got.Restarts) != 1 || got.Restarts[0].Service != "mysql" || got.Restarts[0].Kind != "crash" {
		t.Fatalf("restarts = %+v, want one mysql crash", got.Restarts)
	}
	crash := time.Date(2024, 11, 21, 9, 20, 0, 0, time.UTC)
	if !got.Restarts[0].At.Equal(crash) || !got.Restarts[0].UpAt.After(crash) {
		t.Errorf("crash at %v up %v, want at %v", got.Restarts[0].At, got.Restarts[0].UpAt, crash)
	}
	if d := got.Incident.Start.Sub(crash); d < 0 || d > 60*time.Second {
		t.Errorf("incident starts %v after the crash", d)
	}
	if _, err := ReadTruth(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("ReadTruth of a missing file succeeded")
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileMySQLError))
	if !bytes.Contains(b, []byte("mysqld got signal 11 ;")) || bytes.Contains(b, []byte("Shutdown complete")) {
		t.Errorf("mysql-error.log of a crash must have 'got signal' and no shutdown:\n%s", b)
	}
}

// TestViralStory holds the default viral scenario to its story: a social
// surge saturates PHP-FPM within minutes, the 10:21 restart holds a few
// minutes, saturation relapses, and the incident ends as the crowd fades.
func TestViralStory(t *testing.T) {
	_, tr := runShort(t, "viral", 0, nil)
	loc, _ := time.LoadLocation("Europe/Prague")
	local := func(h, m int) time.Time { return time.Date(2024, 11, 21, h, m, 0, 0, loc) }
	inc := tr.Incident
	if inc == nil || inc.Trigger != "social-surge" {
		t.Fatalf("incident = %+v", inc)
	}
	if inc.Start.Before(local(10, 2)) || inc.Start.After(local(10, 6)) {
		t.Errorf("incident start %v, want 10:02–10:06 local", inc.Start.In(loc))
	}
	if inc.End == nil || inc.End.Before(local(10, 40)) || inc.End.After(local(10, 58)) {
		t.Errorf("incident end %v, want 10:40–10:58 local", inc.End)
	}
	var fpm []TruthSaturation
	for _, s := range tr.Saturation {
		if s.Resource == "php-fpm" {
			fpm = append(fpm, s)
		}
	}
	if len(fpm) < 2 || fpm[0].Start.After(local(10, 8)) || fpm[0].Limit != 16 {
		t.Fatalf("php-fpm saturation = %+v, want two intervals, the first from before 10:08", fpm)
	}
	if len(tr.Restarts) != 2 || tr.Restarts[0].Service != "php-fpm" || tr.Restarts[1].Service != "mysql" {
		t.Fatalf("restarts = %+v", tr.Restarts)
	}
	for _, r := range tr.Restarts {
		if r.Kind != "manual" || r.RelapseAt == nil {
			t.Fatalf("restart %+v: want manual with a relapse", r)
		}
		held := r.RelapseAt.Sub(r.UpAt)
		if held < 2*time.Minute || held > 9*time.Minute {
			t.Errorf("restart of %s held %v, want about five minutes", r.Service, held)
		}
	}
	if !tr.RetryStorm.Detected || tr.RetryStorm.Amplification < 1.2 {
		t.Errorf("retry storm = %+v, want detected", tr.RetryStorm)
	}
	if tr.PeakRPS < 5*tr.BaselineRPS || tr.BaselineRPS <= 0 {
		t.Errorf("peak %.1f vs baseline %.1f req/s", tr.PeakRPS, tr.BaselineRPS)
	}
}

func TestQuietDayHasNoIncident(t *testing.T) {
	_, tr := runShort(t, "quiet-day", 0, func(sc *Scenario) { sc.Baseline = 1 })
	if tr.Incident != nil || len(tr.Saturation) != 0 || len(tr.Restarts) != 0 || len(tr.FailedWrites) != 0 {
		t.Errorf("quiet day: incident %+v, saturation %+v, restarts %+v, %d failed writes",
			tr.Incident, tr.Saturation, tr.Restarts, len(tr.FailedWrites))
	}
	if tr.Requests.S5xx != 0 || tr.Requests.Total < 100000 {
		t.Errorf("quiet day requests = %+v", tr.Requests)
	}
}

func TestOptionsValidate(t *testing.T) {
	sc, _ := Lookup("viral")
	for name, f := range map[string]func(*Options){
		"duration": func(o *Options) { o.Duration = 0 },
		"children": func(o *Options) { o.MaxChildren = 0 },
		"pm":       func(o *Options) { o.PM = "ondemand" },
		"version":  func(o *Options) { o.MySQLVersion = "9" },
		"day":      func(o *Options) { o.Day = "21/11/2024" },
	} {
		s := sc
		f(&s.Options)
		if _, err := Run(s, 1, t.TempDir()); err == nil {
			t.Errorf("%s: Run accepted bad options", name)
		}
	}
	s := sc
	s.Zone = "Mars/Olympus"
	if _, err := Run(s, 1, t.TempDir()); err == nil {
		t.Error("Run accepted an unknown zone")
	}
}

// TestRaiseMaxChildren: the reload is a php-fpm restart of kind reload, and
// each saturation interval carries the limit in force when it began.
func TestRaiseMaxChildren(t *testing.T) {
	dir, tr := runShort(t, "viral", 30*time.Minute, func(sc *Scenario) {
		sc.Actions = []Action{{At: hm(10, 12), Kind: ActionRaiseMaxChildren, Value: 24}}
	})
	raise := time.Date(2024, 11, 21, 9, 12, 0, 0, time.UTC)
	if len(tr.Restarts) != 1 || tr.Restarts[0].Kind != "reload" || !tr.Restarts[0].At.Equal(raise) {
		t.Fatalf("restarts %+v", tr.Restarts)
	}
	for _, s := range tr.Saturation {
		want := int64(16)
		if !s.Start.Before(raise) {
			want = 24
		}
		if s.Resource == "php-fpm" && s.Limit != want {
			t.Errorf("saturation from %v has limit %d, want %d", s.Start, s.Limit, want)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileFPM))
	if !bytes.Contains(b, []byte("NOTICE: Reloading in progress ...")) || !bytes.Contains(b, []byte("pm.max_children setting (24)")) {
		t.Error("php-fpm.log lacks the reload or the new limit")
	}
}
