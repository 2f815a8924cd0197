package analyzer

import (
	"fmt"
	"math"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// ClockShift is the finding of the clock-alignment detector for one input.
type ClockShift struct {
	Input     int
	ShiftH    int     // hours to add to the input's times to line up with the access log
	Corr      float64 // correlation at the best shift
	CorrAsIs  float64 // correlation without a shift
	Suggested string  // zone to pass with --tz-for, "" when unknown
}

// alarmType reports whether an event type marks trouble that shows up in
// the access log as failed requests.
func alarmType(t parsers.EventType, php parsers.PHPError, lvl parsers.Level) bool {
	switch t {
	case parsers.FPMMaxChildren, parsers.FPMSeemsBusy, parsers.FPMTimedOut, parsers.FPMChildExited,
		parsers.NginxUpstreamTimeoutRead, parsers.NginxUpstreamTimeoutConnect, parsers.NginxConnectBacklog,
		parsers.NginxConnectRefused, parsers.NginxConnectNoSocket, parsers.NginxPrematureClose, parsers.NginxConnReset,
		parsers.NginxNoLiveUpstreams, parsers.ApacheMaxWorkers, parsers.ApacheProxyConnect, parsers.ApacheProxyTimeout,
		parsers.MySQLAbortedConn, parsers.KernelOOMKill, parsers.MySQLGotSignal, parsers.MySQLShutdownRequest:
		return true
	}
	return php != parsers.PHPNone && php != parsers.PHPOther || lvl >= parsers.LevelError
}

// DetectClockShift correlates, per minute, the trouble events of each input
// whose zone was assumed (not read from the log) with the access log's
// failed requests at whole-hour shifts of −14 h … +14 h. It reports an
// input when a non-zero shift lines up clearly better (correlation ≥ 0.5
// and at least 0.3 above the unshifted one).
func DetectClockShift(failedPerMin map[int64]float64, eventsPerMin map[int]map[int64]float64, inputs []InputInfo) []ClockShift {
	var out []ClockShift
	if len(failedPerMin) == 0 {
		return nil
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for m := range failedPerMin {
		lo, hi = min(lo, m), max(hi, m)
	}
	for in := 0; in < len(inputs); in++ {
		ev := eventsPerMin[in]
		if len(ev) < 3 || inputs[in].TZSource == "log" || inputs[in].Kind == "access" {
			continue
		}
		corr := func(h int) float64 {
			var n, sx, sy, sxx, syy, sxy float64
			for m := lo; m <= hi; m++ {
				x := failedPerMin[m]
				y := ev[m-int64(h)*60]
				n++
				sx += x
				sy += y
				sxx += x * x
				syy += y * y
				sxy += x * y
			}
			vx, vy := sxx-sx*sx/n, syy-sy*sy/n
			if vx <= 0 || vy <= 0 {
				return 0
			}
			return (sxy - sx*sy/n) / math.Sqrt(vx*vy)
		}
		c0 := corr(0)
		best, bc := 0, c0
		for h := -14; h <= 14; h++ {
			if c := corr(h); c > bc+1e-9 {
				best, bc = h, c
			}
		}
		if best != 0 && bc >= 0.5 && bc-c0 >= 0.3 {
			out = append(out, ClockShift{Input: in, ShiftH: best, Corr: bc, CorrAsIs: c0, Suggested: suggestZone(inputs[in].TZ, best, lo*60)})
		}
	}
	return out
}

// suggestZone: an input read in zone assumed needs its times moved by
// shiftH hours, so its real offset is the assumed one minus shiftH.
func suggestZone(assumed string, shiftH int, at int64) string {
	off, ok := fixedOffset(assumed)
	if !ok {
		loc, err := time.LoadLocation(assumed)
		if err != nil {
			return ""
		}
		_, off = time.Unix(at, 0).In(loc).Zone()
	}
	real := off/3600 - shiftH
	if real == 0 {
		return "UTC"
	}
	return fmt.Sprintf("Etc/GMT%+d", -real)
}

// fixedOffset reads zones written as offsets: "", "UTC", "Z", "+01:00",
// "-0500", "UTC+01:00", "UTC-5".
func fixedOffset(z string) (int, bool) {
	if z == "" || z == "UTC" || z == "Z" || z == "GMT" {
		return 0, true
	}
	if len(z) > 3 && (z[:3] == "UTC" || z[:3] == "GMT") {
		z = z[3:]
	}
	if len(z) < 2 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	var h, m, n int
	digits := 0
	for _, c := range z[1:] {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
			digits++
			if digits == 2 && len(z) > 3 {
				h, n = n, 0
			}
		case c == ':':
		default:
			return 0, false
		}
	}
	if digits <= 2 && h == 0 {
		h, n = n, 0
	}
	m = n
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func clockWarnings(st *State) []string {
	failed := map[int64]float64{}
	for i := range st.Points {
		if f := st.Points[i].Failed(); f > 0 {
			failed[floorDiv(st.Start+int64(i)*st.Step, 60)] += float64(f)
		}
	}
	evs := map[int]map[int64]float64{}
	for _, e := range st.Events {
		s := &e.Sample
		if !alarmType(s.Type, s.PHP, s.Level) {
			continue
		}
		m := evs[s.Input]
		if m == nil {
			m = map[int64]float64{}
			evs[s.Input] = m
		}
		m[floorDiv(e.Sec, 60)] += float64(e.Count)
	}
	var out []string
	for _, c := range DetectClockShift(failed, evs, st.Inputs) {
		in := st.Inputs[c.Input]
		w := fmt.Sprintf("%s: its error events line up with the access log's failed requests only when shifted by %+d h (correlation %.2f, against %.2f as read); its clock is probably not in %s as assumed.",
			in.Name, c.ShiftH, c.Corr, c.CorrAsIs, orUTC(in.TZ))
		if c.Suggested != "" {
			w += fmt.Sprintf(" Try --tz-for %s=%s.", in.Name, c.Suggested)
		}
		out = append(out, w)
	}
	return out
}

func orUTC(s string) string {
	if s == "" {
		return "UTC"
	}
	return s
}

func unixUTC(t int64) time.Time { return time.Unix(t, 0).UTC() }
