package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file turns numbers and times into display strings. Rounding happens
// here and only here; the Report keeps full precision.

// timeFmt formats instants in one zone, with or without the date.
type timeFmt struct {
	loc      *time.Location
	withDate bool // the window spans more than one calendar day
}

func newTimeFmt(loc *time.Location, start, end time.Time) timeFmt {
	s, e := start.In(loc), end.In(loc)
	return timeFmt{loc: loc, withDate: s.YearDay() != e.YearDay() || s.Year() != e.Year()}
}

// clock is "15:04:05", prefixed with "Jan 2 " for multi-day windows.
func (f timeFmt) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if f.withDate {
		return t.In(f.loc).Format("Jan 2 15:04:05")
	}
	return t.In(f.loc).Format("15:04:05")
}

// short is "15:04", prefixed with "Jan 2 " for multi-day windows.
func (f timeFmt) short(t time.Time) string {
	if f.withDate {
		return t.In(f.loc).Format("Jan 2 15:04")
	}
	return t.In(f.loc).Format("15:04")
}

// full is "Mon 2 Jan 2006 15:04:05 MST".
func (f timeFmt) full(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(f.loc).Format("Mon 2 Jan 2006 15:04:05 MST")
}

// axis is the chart x-axis label for a bucket start.
func (f timeFmt) axis(t time.Time) string {
	if f.withDate {
		return t.In(f.loc).Format("01-02 15:04:05")
	}
	return t.In(f.loc).Format("15:04:05")
}

// zoneName names the display zone for the reader: "UTC", "Europe/Berlin (CET, UTC+01:00)".
func zoneName(loc *time.Location, at time.Time) string {
	if loc == time.UTC || loc.String() == "UTC" {
		return "UTC"
	}
	t := at.In(loc)
	abbr, _ := t.Zone()
	off := "UTC" + t.Format("-07:00")
	switch {
	case loc.String() == off && abbr == off:
		return off // a fixed offset (from the access logs) says all there is
	case abbr == off || loc.String() == abbr:
		return fmt.Sprintf("%s (%s)", loc.String(), off)
	}
	return fmt.Sprintf("%s (%s, %s)", loc.String(), abbr, off)
}

// fmtDuration renders seconds for people: "37 s", "4 min 52 s", "1 h 05 min".
func fmtDuration(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "unknown"
	}
	if s < 0 {
		s = 0
	}
	if s < 10 && s != math.Trunc(s) {
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	}
	n := int64(math.Round(s))
	switch {
	case n < 60:
		return fmt.Sprintf("%d s", n)
	case n < 3600:
		if n%60 == 0 {
			return fmt.Sprintf("%d min", n/60)
		}
		return fmt.Sprintf("%d min %d s", n/60, n%60)
	case n < 86400:
		return fmt.Sprintf("%d h %02d min", n/3600, (n%3600)/60)
	default:
		return fmt.Sprintf("%d d %d h", n/86400, (n%86400)/3600)
	}
}

// fmtDurationShort is fmtDuration without seconds from ten minutes on,
// for key-figure cards: "36 min", "1 h 05 min", "4 min 52 s".
func fmtDurationShort(s float64) string {
	if s >= 600 && !math.IsInf(s, 0) {
		s = math.Round(s/60) * 60
	}
	return fmtDuration(s)
}

// printable shows control characters (but tab and newline) and invalid
// UTF-8 of log text as \xHH escapes, so binary garbage stays legible.
func printable(s string) string {
	clean := true
	for i, r := range s {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			if r == utf8.RuneError {
				if _, n := utf8.DecodeRuneInString(s[i:]); n == 3 {
					continue // a real U+FFFD
				}
			}
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\r':
			b.WriteString("\\r")
		case (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// printables applies printable to every line; nil stays nil.
func printables(lines []string) []string {
	if lines == nil {
		return nil
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = printable(l)
	}
	return out
}

// fmtPct renders a 0..1 ratio: "62%", "4.5%", "0.4%", "<0.1%", "0%".
func fmtPct(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	p := r * 100
	switch {
	case p == 0:
		return "0%"
	case p > 0 && p < 0.1:
		return "<0.1%"
	case p < 10:
		return trimZero(strconv.FormatFloat(p, 'f', 1, 64)) + "%"
	default:
		return strconv.FormatFloat(math.Round(p), 'f', 0, 64) + "%"
	}
}

// fmtCount renders an integer with thin thousands separators: "12,345".
func fmtCount(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fmtNum renders a float with at most one decimal below 100: "2.5", "340", "12,000".
func fmtNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	if math.Abs(v) >= 100 {
		return fmtCount(int64(math.Round(v)))
	}
	return trimZero(strconv.FormatFloat(v, 'f', 1, 64))
}

// fmtRPS renders a request rate: "12.5 req/s".
func fmtRPS(v float64) string { return fmtNum(v) + " req/s" }

// fmtFactor renders a multiplier: "×23", "×1.5".
func fmtFactor(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return "–"
	}
	return "×" + fmtNum(v)
}

// fmtLift renders a share lift; a key absent from the baseline is "new".
func fmtLift(lift, baselineShare float64) string {
	if baselineShare == 0 || math.IsInf(lift, 1) {
		return "new"
	}
	return fmtFactor(lift)
}

// fmtMs renders a latency: "850 ms", "2.3 s".
func fmtMs(ms float64) string {
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		return "–"
	}
	if ms >= 1000 {
		return trimZero(strconv.FormatFloat(ms/1000, 'f', 1, 64)) + " s"
	}
	return strconv.FormatFloat(math.Round(ms), 'f', 0, 64) + " ms"
}

// fmtBytes renders a byte count in binary units: "1.5 GiB".
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return trimZero(strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64)) + " " + string("KMGTPE"[exp]) + "iB"
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// plural picks the singular or plural noun for n: plural(1, "client", "clients").
func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// countNoun is "1 client", "1,204 clients".
func countNoun(n int64, one, many string) string {
	return fmtCount(n) + " " + plural(n, one, many)
}
