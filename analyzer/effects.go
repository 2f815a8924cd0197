package analyzer

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// effectWindowS is the length of the before and after windows compared
// around a restart.
const effectWindowS = 300

// effects measures each restart's effect: health over comparable windows
// before the restart and after the service was back, the demand against
// the baseline, and the relapse when the problem came back while demand
// stayed high; then writes the verdict.
func effects(st *State) {
	for i := range st.Restarts {
		r := &st.Restarts[i]
		at := r.At.Unix()
		if len(st.Points) == 0 || st.Sum(st.Start, st.End+1).Req == 0 {
			r.Verdict = fmt.Sprintf("The %s %s at %s: no access log was given, so its effect on visitors is unknown.", svcLabel(r.Service), kindWord(r.Kind), st.hhmm(at))
			continue
		}
		up := at + int64(math.Ceil(r.DownS))
		w := int64(effectWindowS)
		from := max(at-w, st.Start)
		to := min(up+w, st.End+1)
		wb, wa := at-from, to-up
		n := min(wb, wa)
		if n < 30 {
			n = max(wb, wa)
		}
		if n <= 0 {
			r.Verdict = fmt.Sprintf("The %s %s at %s is at the edge of the logs; its effect cannot be measured.", svcLabel(r.Service), kindWord(r.Kind), st.hhmm(at))
			continue
		}
		r.Before = st.Health(at-min(n, wb), at)
		r.After = st.Health(up, up+min(n, wa))
		if st.Baseline.RPS > 0 {
			r.DemandFactor = r.After.RPS / st.Baseline.RPS
		}
		rel, cleared, back, what := relapse(st, at, up)
		if rel > 0 {
			d := float64(rel - at)
			r.RelapseAfterS = &d
		} else if back > 0 {
			rel, what = back, "errors returned"
		}
		r.Verdict = verdict(st, r, cleared, rel, what)
	}
}

// relapse looks, after a restart that left the service up at up, for the
// first 30 s where errors or saturation came back after a period with
// errors cleared. It returns the relapse second (0 = none), the second the
// errors cleared (0 = never) and what came back.
func relapse(st *State, at, up int64) (rel, cleared, errorsBack int64, what string) {
	thr := math.Max(0.05, 3*st.Baseline.ErrorRate)
	limit := min(st.End+1, up+7200)
	bad := func(t int64) bool {
		h := st.Sum(t, t+30)
		return h.Req >= 5 && float64(h.Failed())/float64(h.Req) >= thr
	}
	// The saturation of a resource (PHP workers or database connections)
	// starting again after the service was back is the relapse; failing
	// that, errors coming back.
	var satAfter int64
	satWhat := ""
	for _, s := range st.Saturations {
		if s.Resource == "nginx" {
			continue
		}
		if t := s.Start.Unix(); t > up+10 && t < limit && (satAfter == 0 || t < satAfter) {
			satAfter = t
			satWhat = map[string]string{"php-fpm": "PHP workers saturated", "mysql": "the database ran out of connections",
				"memory": "memory ran out", "apache": "Apache workers saturated"}[s.Resource]
		}
	}
	for t := up; t < limit; t += 10 {
		if cleared == 0 {
			if !bad(t) {
				cleared = t
			}
			continue
		}
		if t-cleared >= 30 && bad(t) {
			rel, what = t, "errors returned"
			break
		}
	}
	if cleared != 0 && satAfter != 0 && satAfter < cleared+30 {
		// Saturation right after the restart, before the errors had
		// cleared for long: the first episode going on, not a relapse.
		satAfter, satWhat = 0, ""
		for _, s := range st.Saturations {
			if s.Resource == "nginx" {
				continue
			}
			if t := s.Start.Unix(); t >= cleared+30 && t < limit && (satAfter == 0 || t < satAfter) {
				satAfter = t
				satWhat = map[string]string{"php-fpm": "PHP workers saturated", "mysql": "the database ran out of connections",
					"memory": "memory ran out", "apache": "Apache workers saturated"}[s.Resource]
			}
		}
	}
	if cleared != 0 && satAfter != 0 {
		rel, what = satAfter, satWhat
	}
	if satWhat == "" || rel != satAfter {
		// Errors came back without a resource saturating again: the
		// verdict says so, but it is no relapse of the saturation.
		errorsBack = rel
		rel = 0
	}
	// Only a relapse while the incident went on: after the end of all
	// incidents it is a new incident, not a relapse.
	if rel != 0 {
		inside := false
		for _, sp := range st.Spans {
			// The restart came during the incident, after its impact had
			// begun: a restart that set the trouble off (a crash or kill
			// of a healthy site) has no relapse, only consequences.
			if rel >= sp.Start && (sp.Ongoing || rel < sp.End) && at >= sp.Start &&
				sp.ImpactStart != 0 && sp.ImpactStart < at-10 {
				inside = true
			}
		}
		if !inside {
			errorsBack, rel = rel, 0
		}
	}
	return rel, cleared, errorsBack, what
}

func verdict(st *State, r *Restart, cleared, rel int64, what string) string {
	at := r.At.Unix()
	name := fmt.Sprintf("The %s %s at %s", svcLabel(r.Service), kindWord(r.Kind), st.hhmm(at))
	if r.Service == "php-fpm" && r.Kind == "manual" && massKill(r) {
		name = fmt.Sprintf("The kill of the PHP workers at %s", st.hhmm(at))
	}
	if r.Before.ErrorRate < 0.02 && r.Before.RPS > 0 && (rel == 0) {
		if r.Kind == "crash" || r.Kind == "oom" {
			what := "crashed"
			if r.Kind == "oom" {
				what = "was killed by the kernel's out-of-memory killer"
			}
			s := fmt.Sprintf("%s %s at %s while the site was answering normally", svcLabel(r.Service), what, st.hhmm(at))
			if r.DownS >= 1 {
				down := st.Health(at, at+int64(math.Ceil(r.DownS)))
				s += fmt.Sprintf("; it was down for %s, during which %.0f%% of requests failed", humanDur(r.DownS), 100*down.ErrorRate)
				if cleared != 0 && r.After.ErrorRate < 0.05 {
					s += ", and the errors stopped once it was back"
				}
			}
			return s + "."
		}
		s := fmt.Sprintf("%s happened while the site was answering normally (%.1f%% errors before)", name, 100*r.Before.ErrorRate)
		if r.DownS >= 1 {
			s += fmt.Sprintf("; the service was down for %s", humanDur(r.DownS))
		}
		return s + "."
	}
	switch {
	case cleared == 0:
		return fmt.Sprintf("%s did not help: errors stayed at %.0f%% of requests (%.0f%% before).", name, 100*r.After.ErrorRate, 100*r.Before.ErrorRate)
	case rel > 0:
		dem := ""
		if r.DemandFactor >= 1.5 {
			dem = fmt.Sprintf("; demand was still %s× normal, so", fmtFactor(r.DemandFactor))
		} else {
			dem = "; then"
		}
		return fmt.Sprintf("%s cleared errors for %s%s %s again at %s.", name, humanDur(float64(rel-cleared)), dem, what, st.hhmm(rel))
	default:
		s := fmt.Sprintf("%s cleared the errors (%.0f%% → %.1f%% of requests) and they did not come back", name, 100*r.Before.ErrorRate, 100*r.After.ErrorRate)
		if r.DemandFactor > 0 && r.DemandFactor < 1.5 {
			s += " (demand was back near normal)"
		}
		return s + "."
	}
}

// massKill reports whether r is a kill -9 of the PHP-FPM workers.
func massKill(r *Restart) bool {
	for _, e := range r.Evidence {
		if strings.Contains(e, "killed with SIGKILL") {
			return true
		}
	}
	return false
}

func svcLabel(s string) string {
	switch s {
	case "php-fpm":
		return "PHP-FPM"
	case "mysql":
		return "MySQL"
	case "nginx":
		return "nginx"
	case "apache":
		return "Apache"
	}
	return s
}

func kindWord(k string) string {
	switch k {
	case "manual":
		return "restart"
	case "crash":
		return "crash and restart"
	case "oom":
		return "out-of-memory kill"
	case "reload":
		return "reload"
	}
	return "restart"
}

// hhmm renders a Unix second in the display zone as 15:04.
func (st *State) hhmm(t int64) string {
	return time.Unix(t, 0).In(st.Opts.loc()).Format("15:04")
}

// humanDur renders seconds as "4 min 52 s", "2 h 5 min", "40 s".
func humanDur(s float64) string {
	n := int64(math.Round(s))
	switch {
	case n < 60:
		return fmt.Sprintf("%d s", n)
	case n < 3600:
		if n%60 == 0 {
			return fmt.Sprintf("%d min", n/60)
		}
		return fmt.Sprintf("%d min %d s", n/60, n%60)
	default:
		m := (n % 3600) / 60
		if m == 0 {
			return fmt.Sprintf("%d h", n/3600)
		}
		return fmt.Sprintf("%d h %d min", n/3600, m)
	}
}

func fmtFactor(f float64) string {
	if f >= 10 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.1f", f)
}
