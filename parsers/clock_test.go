package parsers

import (
	"testing"
	"time"
)

func TestCivilToUnix(t *testing.T) {
	f := func(y, mo, d, h, mi, s int) {
		t.Helper()
		want := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC).Unix()
		if got := civilToUnix(y, mo, d, h, mi, s); got != want {
			t.Errorf("civilToUnix(%d-%02d-%02d %02d:%02d:%02d) = %d, want %d", y, mo, d, h, mi, s, got, want)
		}
	}
	f(1970, 1, 1, 0, 0, 0)
	f(2000, 10, 10, 13, 55, 36)
	f(2000, 2, 29, 23, 59, 59) // leap day of a 400-year
	f(1900, 3, 1, 0, 0, 0)     // 1900 is not a leap year
	f(2024, 2, 29, 12, 0, 0)
	f(2024, 12, 31, 23, 59, 60) // leap second folds into the next minute, as time.Date does
	f(1969, 12, 31, 23, 59, 59)
	f(1, 1, 1, 0, 0, 0)
	f(-1, 3, 1, 0, 0, 0)
	f(9999, 12, 31, 23, 59, 59)
	// Every day of a non-leap and a leap year.
	for _, y := range []int{2023, 2024} {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			f(y, int(d.Month()), d.Day(), 7, 8, 9)
		}
	}
}

func TestMonthIndex(t *testing.T) {
	for i, m := range []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} {
		if got := monthIndex([]byte(m)); got != i+1 {
			t.Errorf("monthIndex(%q) = %d, want %d", m, got, i+1)
		}
	}
	for in, want := range map[string]int{
		"oct":          10,
		"DEC":          12,
		"November":     11, // only the first three bytes count
		"":             0,
		"Ja":           0,
		"Jux":          0,
		"123":          0,
		"J\x00n":       0,
		"\xca\xc1\xce": 0, // "jan" with the 0x80 bit set must not match
	} {
		if got := monthIndex([]byte(in)); got != want {
			t.Errorf("monthIndex(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestAtoiFixed(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true},
		{"2024", 2024, true},
		{"007", 7, true},
		{"999999999999999999", 999999999999999999, true},
		{"", 0, false},
		{"1234567890123456789", 0, false}, // 19 digits could overflow
		{"2x0", 0, false},
		{"-1", 0, false},
		{" 1", 0, false},
		{"1/", 0, false},
		{"1:", 0, false},
	}
	for _, tt := range tests {
		got, ok := atoiFixed([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("atoiFixed(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStampCache(t *testing.T) {
	var c stampCache
	if _, ok := c.get([]byte("")); ok {
		t.Fatal("empty cache hit on empty stamp")
	}
	if _, ok := c.get([]byte("10/Oct/2000:13:55:36 -0700")); ok {
		t.Fatal("empty cache hit")
	}
	c.put([]byte("10/Oct/2000:13:55:36 -0700"), 42)
	if v, ok := c.get([]byte("10/Oct/2000:13:55:36 -0700")); !ok || v != 42 {
		t.Fatalf("get after put = %d, %v; want 42, true", v, ok)
	}
	if _, ok := c.get([]byte("10/Oct/2000:13:55:37 -0700")); ok {
		t.Fatal("hit on a different stamp")
	}
	if _, ok := c.get([]byte("10/Oct/2000:13:55:36 -070")); ok {
		t.Fatal("hit on a prefix")
	}
	long := make([]byte, stampKeyMax+1)
	c.put(long, 7)
	if _, ok := c.get(long); ok {
		t.Fatal("stamp longer than stampKeyMax was cached")
	}
	allocs := testing.AllocsPerRun(100, func() {
		c.put([]byte("2024-11-21T10:15:02Z"), 1)
		c.get([]byte("2024-11-21T10:15:02Z"))
	})
	if allocs != 0 {
		t.Errorf("stampCache allocates %v per run", allocs)
	}
}

func TestZoneCache(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	lordHowe, err := time.LoadLocation("Australia/Lord_Howe") // 30-minute DST shift
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	// check walks wall times second by second (step) over [from, to) and
	// compares with time.Date, the reference, in one shared cache so hits
	// and misses interleave as in a log.
	check := func(loc *time.Location, from time.Time, d, step time.Duration) {
		t.Helper()
		z := newZoneCache(loc)
		for w := from; w.Before(from.Add(d)); w = w.Add(step) {
			wall := civilToUnix(w.Year(), int(w.Month()), w.Day(), w.Hour(), w.Minute(), w.Second())
			want := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).Unix()
			if got := z.unix(wall); got != want {
				t.Fatalf("%s wall %s: got %s, want %s", loc, w.Format(time.DateTime),
					time.Unix(got, 0).UTC(), time.Unix(want, 0).UTC())
			}
		}
	}
	// Spring forward: 02:00-03:00 does not exist on 2024-03-31 in Berlin.
	check(berlin, time.Date(2024, 3, 30, 22, 0, 0, 0, time.UTC), 8*time.Hour, 7*time.Second)
	// Fall back: 02:00-03:00 happens twice on 2024-10-27.
	check(berlin, time.Date(2024, 10, 26, 22, 0, 0, 0, time.UTC), 8*time.Hour, 7*time.Second)
	check(ny, time.Date(2024, 11, 3, 0, 0, 0, 0, time.UTC), 4*time.Hour, time.Second)
	check(lordHowe, time.Date(2024, 4, 6, 23, 0, 0, 0, time.UTC), 4*time.Hour, 13*time.Second)
	check(lordHowe, time.Date(2024, 10, 6, 0, 0, 0, 0, time.UTC), 4*time.Hour, 13*time.Second)
	check(time.UTC, time.Date(2024, 10, 26, 0, 0, 0, 0, time.UTC), time.Hour, time.Minute)
	check(time.FixedZone("x", -7*3600), time.Date(2024, 10, 26, 0, 0, 0, 0, time.UTC), 3*time.Hour, time.Minute)

	// Explicit cases: the skipped hour normalises forward, the repeated hour
	// takes the offset time.Date picks (today the later, winter one).
	z := newZoneCache(berlin)
	if got, want := z.unix(civilToUnix(2024, 3, 31, 2, 30, 0)), time.Date(2024, 3, 31, 1, 30, 0, 0, time.UTC).Unix(); got != want {
		t.Errorf("skipped wall hour: got %s, want %s", time.Unix(got, 0).UTC(), time.Unix(want, 0).UTC())
	}
	if got, want := z.unix(civilToUnix(2024, 10, 27, 2, 30, 0)), time.Date(2024, 10, 27, 1, 30, 0, 0, time.UTC).Unix(); got != want {
		t.Errorf("repeated wall hour: got %s, want %s", time.Unix(got, 0).UTC(), time.Unix(want, 0).UTC())
	}

	wall := civilToUnix(2024, 7, 1, 12, 0, 0)
	z.unix(wall)
	if allocs := testing.AllocsPerRun(100, func() { z.unix(wall + 5) }); allocs != 0 {
		t.Errorf("zoneCache hit allocates %v per run", allocs)
	}
}

func TestParseOffset(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"+0000", 0, true},
		{"-0700", -7 * 3600, true},
		{"+0530", 5*3600 + 30*60, true},
		{"+05:30", 5*3600 + 30*60, true},
		{"Z", 0, true},
		{"0700", 0, false},
		{"+07", 0, false},
		{"+2500", 0, false},
		{"+07x00", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseOffset([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseOffset(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkZoneCacheHit(b *testing.B) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Skip(err)
	}
	z := newZoneCache(loc)
	wall := civilToUnix(2024, 7, 1, 12, 0, 0)
	var s int64
	for i := 0; b.Loop(); i++ {
		s += z.unix(wall + int64(i&1023))
	}
	clockSink = s
}

var clockSink int64
