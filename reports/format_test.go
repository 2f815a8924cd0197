package reports

import (
	"math"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtDuration(37), "37 s"},
		{fmtDuration(2.4), "2.4 s"},
		{fmtDuration(292), "4 min 52 s"},
		{fmtDuration(300), "5 min"},
		{fmtDuration(3900), "1 h 05 min"},
		{fmtDuration(90000), "1 d 1 h"},
		{fmtDuration(math.NaN()), "unknown"},
		{fmtDurationShort(2180), "36 min"},
		{fmtDurationShort(292), "4 min 52 s"},
		{fmtPct(0.62), "62%"},
		{fmtPct(0.045), "4.5%"},
		{fmtPct(0.004), "0.4%"},
		{fmtPct(0.0001), "<0.1%"},
		{fmtPct(0), "0%"},
		{fmtCount(1234567), "1,234,567"},
		{fmtCount(-1234), "-1,234"},
		{fmtNum(19.54), "19.5"},
		{fmtNum(398.6), "399"},
		{fmtFactor(19.5), "×19.5"},
		{fmtLift(0, 0), "new"},
		{fmtLift(math.Inf(1), 0.1), "new"},
		{fmtLift(155, 0.004), "×155"},
		{fmtMs(850), "850 ms"},
		{fmtMs(2300), "2.3 s"},
		{fmtBytes(3 << 30), "3 GiB"},
		{fmtBytes(1536), "1.5 KiB"},
		{printable("ok\tline\nnext"), "ok\tline\nnext"},
		{printable("\x16\x03\x01\xfc"), `\x16\x03\x01\xfc`},
		{printable("a\rb\u0085c\ufffd"), `a\rb\u0085c` + "\ufffd"},
		{zoneName(time.UTC, t0), "UTC"},
		{zoneName(time.FixedZone("UTC+01:00", 3600), t0), "UTC+01:00"},
		{zoneName(mustZone(t, "Europe/Berlin"), t0), "Europe/Berlin (CET, UTC+01:00)"},
		{joinAnd([]string{"a", "b", "c"}), "a, b and c"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestTimeFmtMultiDay(t *testing.T) {
	one := newTimeFmt(time.UTC, t0, t0.Add(time.Hour))
	two := newTimeFmt(time.UTC, t0, t0.Add(30*time.Hour))
	if got := one.clock(t0); got != "09:30:00" {
		t.Errorf("one-day clock = %q", got)
	}
	if got := two.clock(t0); got != "Mar 14 09:30:00" {
		t.Errorf("multi-day clock = %q", got)
	}
	if got := two.axis(t0); got != "03-14 09:30:00" {
		t.Errorf("multi-day axis = %q", got)
	}
}
