package analyzer

import (
	"strings"
	"testing"
)

func TestDetectClockShift(t *testing.T) {
	// 502 bursts in the access log at minutes 600-610 and 900-905 (Unix
	// minutes from t0); the FPM log's saturation events are shifted.
	failed := map[int64]float64{}
	m0 := t0 / 60
	for m := int64(0); m < 1440; m++ {
		failed[m0+m] = 1
	}
	for m := int64(600); m < 610; m++ {
		failed[m0+m] = 300
	}
	for m := int64(900); m < 905; m++ {
		failed[m0+m] = 200
	}
	events := func(shiftH int64) map[int64]float64 {
		ev := map[int64]float64{}
		for m := int64(600); m < 610; m++ {
			ev[m0+m-shiftH*60] = 40
		}
		for m := int64(900); m < 905; m++ {
			ev[m0+m-shiftH*60] = 30
		}
		return ev
	}
	inputs := []InputInfo{
		{Name: "access.log", Kind: "access", TZSource: "log"},
		{Name: "php-fpm.log", Kind: "fpm", TZ: "UTC", TZSource: "machine"},
		{Name: "error.log", Kind: "nginx-error", TZ: "Europe/Prague", TZSource: "access-log offset"},
		{Name: "mysql.log", Kind: "mysql-error", TZ: "UTC", TZSource: "log"},
	}
	got := DetectClockShift(failed, map[int]map[int64]float64{
		1: events(2),  // logged in UTC−2 but read as UTC: parsed 2 h early
		2: events(0),  // aligned
		3: events(-3), // zone in the log itself: never questioned
	}, inputs)
	if len(got) != 1 {
		t.Fatalf("shifts = %+v, want one for php-fpm.log", got)
	}
	if got[0].Input != 1 || got[0].ShiftH != 2 || got[0].Suggested != "Etc/GMT+2" {
		t.Errorf("shift = %+v, want php-fpm.log +2 h, Etc/GMT+2 (UTC−2)", got[0])
	}
	if got[0].Corr < 0.9 || got[0].CorrAsIs > 0.2 {
		t.Errorf("correlations %.2f / %.2f, want clear", got[0].Corr, got[0].CorrAsIs)
	}
	if z := suggestZone("Europe/Prague", 1, t0); z != "UTC" {
		t.Errorf("suggestZone(Prague in winter, +1 h) = %q, want UTC", z)
	}
}

func TestClockWarningText(t *testing.T) {
	spec := viral
	spec.seconds, spec.surgeTo, spec.recoverAt = 6000, 5800, 5600
	recs, evs := genViral(spec, 4)
	// The nginx error log was read as UTC but written in UTC+1: every
	// event is parsed one hour late.
	for i := range evs {
		if evs[i].Kind.String() == "nginx-error" {
			evs[i].Time += 3600e9
		}
	}
	a := feed(&Options{}, recs, evs, 1, func(int) int { return 0 }, []int{0})
	rep := Finish(a, synthInputs, &Options{})
	var w string
	for _, s := range rep.Warnings {
		if strings.HasPrefix(s, "nginx-error.log:") {
			w = s
		}
	}
	if !strings.Contains(w, "shifted by -1 h") || !strings.Contains(w, "--tz-for nginx-error.log=Etc/GMT-1") {
		t.Errorf("warning = %q, want a -1 h shift and --tz-for nginx-error.log=Etc/GMT-1; all: %q", w, rep.Warnings)
	}
}

func TestFixedOffset(t *testing.T) {
	for in, want := range map[string]int{"": 0, "UTC": 0, "+01:00": 3600, "-0500": -18000, "UTC+01:00": 3600, "UTC-5": -18000, "+0530": 19800} {
		got, ok := fixedOffset(in)
		if !ok || got != want {
			t.Errorf("fixedOffset(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := fixedOffset("Europe/Prague"); ok {
		t.Errorf("fixedOffset(Europe/Prague) ok, want a zone name")
	}
}
