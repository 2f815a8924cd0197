package analyzer

import (
	"fmt"
	"strings"
	"time"
)

// refineTrigger runs after the retry-storm component: an incident with no
// other explanation whose failures were amplified by clients retrying is a
// retry storm.
func refineTrigger(rep *Report) {
	if !rep.RetryStorm.Detected {
		return
	}
	for i := range rep.Incidents {
		t := &rep.Incidents[i].Trigger
		if t.Kind == "unknown" {
			t.Kind, t.Confidence = "retry-storm", 0.6
			t.Evidence = append([]string{fmt.Sprintf("%.0f%% of requests were clients retrying after an error (%.1f× the usual requests per client).",
				100*rep.RetryStorm.RetryShare, rep.RetryStorm.Amplification)}, t.Evidence...)
		}
	}
}

var triggerWords = map[string]string{
	"social-surge":    "a surge of visitors from social media",
	"launch-rush":     "a rush of visitors at a launch",
	"bot-flood":       "a flood of automated requests from crawlers or scripts",
	"few-sources":     "a flood of requests from a few addresses",
	"retry-storm":     "clients retrying failed requests over and over",
	"backend-failure": "a failure inside the server stack, with normal traffic",
	"unknown":         "an unexplained change",
}

var resourceWords = map[string]string{
	"php-fpm": "the PHP workers",
	"mysql":   "the database connections",
	"nginx":   "the web server's connections",
	"apache":  "the Apache workers",
	"memory":  "the server's memory",
}

// summarize writes the plain-language paragraph of incident i: what
// happened, when, how long, how many clients got errors, why, what the
// restarts did and why they did not hold.
func summarize(st *State, rep *Report, i int) string {
	inc := &rep.Incidents[i]
	loc := st.Opts.loc()
	day := inc.Start.In(loc).Format("Mon 2 Jan 2006")
	var b strings.Builder
	start := inc.Start.In(loc).Format("15:04")
	// A surge the site absorbed is no outage: say so.
	state := "the site was in trouble"
	if inc.Impact.DegradedS == 0 && inc.Impact.ErrorRate < 0.01 {
		state = "traffic surged but the site kept answering"
	}
	if inc.End != nil {
		fmt.Fprintf(&b, "On %s between %s and %s (%s) %s", day, start, inc.End.In(loc).Format("15:04"), humanDur(inc.End.Sub(inc.Start).Seconds()), state)
	} else {
		fmt.Fprintf(&b, "On %s from %s until the end of the logs %s", day, start, state)
	}
	if w := triggerWords[inc.Trigger.Kind]; w != "" && inc.Trigger.Kind != "unknown" {
		fmt.Fprintf(&b, ", set off by %s", w)
	}
	b.WriteString(". ")
	f := inc.Flood
	if f.Factor >= 3 && f.BaselineRPS > 0 {
		fmt.Fprintf(&b, "Requests rose to %s times the normal rate (%.0f a second against %.1f)", fmtFactor(f.Factor), f.PeakRPS, f.BaselineRPS)
		var src []string
		if len(f.TopReferrers) > 0 && f.TopReferrers[0].Share >= 0.2 && f.TopReferrers[0].Key != "(direct)" && f.TopReferrers[0].Key != "(internal)" {
			src = append(src, fmt.Sprintf("%.0f%% of visitors following %s links", 100*f.TopReferrers[0].Share, f.TopReferrers[0].Key))
		}
		if len(f.TopPaths) > 0 && f.TopPaths[0].Share >= 0.2 {
			src = append(src, fmt.Sprintf("most of them to %s", f.TopPaths[0].Key))
		}
		if len(src) > 0 {
			b.WriteString(", " + strings.Join(src, ", "))
		}
		if f.DistinctClients > 0 {
			fmt.Fprintf(&b, "; about %s different addresses came", thousands(f.DistinctClients))
		}
		b.WriteString(". ")
	}
	if len(inc.Saturation) > 0 {
		var parts []string
		seen := map[string]bool{}
		for _, s := range inc.Saturation {
			if seen[s.Resource] {
				continue
			}
			seen[s.Resource] = true
			p := fmt.Sprintf("%s from %s", resourceWords[s.Resource], s.Start.In(loc).Format("15:04"))
			if s.Limit != nil && s.Resource == "php-fpm" {
				p = fmt.Sprintf("%s (all %d of them) from %s", resourceWords[s.Resource], *s.Limit, s.Start.In(loc).Format("15:04"))
			}
			if s.Inferred {
				p += " (inferred from the access log)"
			}
			parts = append(parts, p)
		}
		fmt.Fprintf(&b, "The site ran out of %s. ", strings.Join(parts, ", then "))
	}
	im := inc.Impact
	if im.FailedRequests > 0 {
		fmt.Fprintf(&b, "%s requests (%.0f%%) failed or were abandoned", thousands(im.FailedRequests), 100*im.ErrorRate)
		if im.AffectedClients > 0 {
			fmt.Fprintf(&b, ", and about %s visitors saw at least one error", thousands(im.AffectedClients))
		}
		if im.DegradedS > 0 {
			fmt.Fprintf(&b, "; the site was degraded for %s in total", humanDur(im.DegradedS))
		}
		b.WriteString(". ")
	}
	end := time.Time{}
	if inc.End != nil {
		end = *inc.End
	}
	// Restarts inside the incident: their verdicts, repeated ones of one
	// service and kind collapsed into one sentence.
	type group struct {
		svc, kind   string
		n           int
		first, last time.Time
		relapses    int
		verdict     string
	}
	var groups []*group
	for _, r := range rep.Restarts {
		if r.At.Before(inc.Start) || (!end.IsZero() && r.At.After(end)) || r.Kind == "reload" {
			continue
		}
		var g *group
		for _, x := range groups {
			if x.svc == r.Service && x.kind == r.Kind {
				g = x
			}
		}
		if g == nil {
			g = &group{svc: r.Service, kind: r.Kind, first: r.At, verdict: r.Verdict}
			groups = append(groups, g)
		}
		g.n++
		g.last = r.At
		if r.RelapseAfterS != nil {
			g.relapses++
		}
	}
	for _, g := range groups {
		if g.n <= 2 {
			for _, r := range rep.Restarts {
				if r.Service == g.svc && r.Kind == g.kind && !r.At.Before(inc.Start) && (end.IsZero() || !r.At.After(end)) {
					b.WriteString(r.Verdict + " ")
				}
			}
			continue
		}
		fmt.Fprintf(&b, "%s went through %d %ss between %s and %s", svcLabel(g.svc), g.n, kindWord(g.kind), g.first.In(loc).Format("15:04"), g.last.In(loc).Format("15:04"))
		switch {
		case g.relapses == 1:
			b.WriteString("; once the errors came back after it recovered, so a restart only bought minutes")
		case g.relapses > 1:
			fmt.Fprintf(&b, "; %d times the errors came back after it recovered, so each restart only bought minutes", g.relapses)
		}
		b.WriteString(". ")
	}
	if inc.End != nil && inc.Trigger.Kind != "backend-failure" && f.Factor >= 3 {
		after := st.Health(inc.End.Unix(), inc.End.Unix()+600)
		if st.Baseline.RPS > 0 && after.RPS < f.PeakRPS/2 {
			fmt.Fprintf(&b, "The site recovered at %s as the crowd thinned out.", inc.End.In(loc).Format("15:04"))
		} else {
			fmt.Fprintf(&b, "The site recovered at %s.", inc.End.In(loc).Format("15:04"))
		}
	}
	if w := rep.AmbiguousWrites.Count; w > 0 {
		fmt.Fprintf(&b, " %s form submissions ended in an error but may have been saved: check them before asking users to retry.", thousands(w))
	}
	return strings.TrimSpace(b.String())
}

// thousands renders n with thin separators: 41,230.
func thousands(n int64) string {
	s := itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
