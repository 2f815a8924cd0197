package reports

import (
	"fmt"
	"strings"

	"github.com/postmortem/postmortem/analyzer"
)

// This file writes section 1, the first screen: a headline, plain-language
// paragraphs and key figures for a manager or a customer.

var triggerLabels = map[string]string{
	"social-surge":    "a surge of visitors following links shared on social media",
	"launch-rush":     "a rush of users at a launch or registration opening",
	"bot-flood":       "a flood of requests from crawlers or bots",
	"few-sources":     "a flood of requests from a few sources",
	"retry-storm":     "a retry storm: clients repeating failed requests",
	"backend-failure": "a failure in the back end, without a change in traffic",
	"unknown":         "not determined from the logs",
}

func triggerLabel(kind string) string {
	if l, ok := triggerLabels[kind]; ok {
		return l
	}
	if kind == "" {
		return triggerLabels["unknown"]
	}
	return kind
}

// summarize writes section 1: the headline, plain-language paragraphs and
// key figures, from the first screen a manager or a customer reads.
func summarize(v *view, r *analyzer.Report, tf timeFmt) {
	t := r.Traffic
	total := t.Status.S2xx + t.Status.S3xx + t.Status.S4xx + t.Status.S5xx
	if v.Quiet {
		v.Headline = "No incident: the site behaved normally in these logs."
		s := fmt.Sprintf("The site served %s", countNoun(t.Requests, "request", "requests"))
		if v.Window != "" {
			s = "The logs cover " + v.Window + ". " + s
		}
		if total > 0 {
			s += fmt.Sprintf(", %s of them server errors (5xx)", fmtPct(float64(t.Status.S5xx)/float64(total)))
		}
		s += "; traffic, errors and response times stayed within their normal range."
		v.Summary = append(v.Summary, s)
		v.KeyFigures = []figureView{
			{Label: "Requests", Value: fmtCount(t.Requests)},
			{Label: "Peak rate", Value: fmtRPS(t.PeakRPS), Note: "normal " + fmtRPS(t.BaselineRPS)},
			{Label: "Server errors", Value: fmtCount(t.Status.S5xx)},
		}
		if t.HasLatency {
			v.KeyFigures = append(v.KeyFigures, figureView{Label: "p95 response time", Value: fmtMs(t.P95Ms)})
		}
		return
	}

	// The incident with the most failed requests leads the first screen.
	lead := 0
	for i, in := range r.Incidents {
		if in.Impact.FailedRequests > r.Incidents[lead].Impact.FailedRequests {
			lead = i
		}
	}
	in := &r.Incidents[lead]
	iv := v.Incidents[lead]
	switch {
	case len(r.Incidents) > 1:
		v.Headline = fmt.Sprintf("%d incidents; the worst, %s (%s), was caused by %s.",
			len(r.Incidents), iv.Span, iv.Duration, iv.Trigger)
	case in.End == nil:
		v.Headline = fmt.Sprintf("Outage from %s, still ongoing when the logs end, caused by %s.", tf.clock(in.Start), iv.Trigger)
	default:
		v.Headline = fmt.Sprintf("Outage from %s to %s (%s), caused by %s.", tf.clock(in.Start), tf.clock(*in.End), iv.Duration, iv.Trigger)
	}

	for i := range r.Incidents {
		in := &r.Incidents[i]
		iv := v.Incidents[i]
		var b strings.Builder
		if len(r.Incidents) > 1 {
			fmt.Fprintf(&b, "%s: ", iv.Name)
		}
		if in.Summary != "" {
			// The analyzer's own account comes first and alone: the key
			// figures above already give its numbers.
			b.WriteString(strings.TrimSpace(in.Summary))
			v.Summary = append(v.Summary, b.String())
			continue
		}
		im := in.Impact
		if in.End != nil {
			fmt.Fprintf(&b, "Between %s and %s (%s), ", tf.clock(in.Start), tf.clock(*in.End), iv.Duration)
		} else {
			fmt.Fprintf(&b, "From %s until the logs end, ", tf.clock(in.Start))
		}
		fmt.Fprintf(&b, "%s failed (%s of requests) and %s got at least one error.",
			countNoun(im.FailedRequests, "request", "requests"), fmtPct(im.ErrorRate),
			countNoun(im.AffectedClients, "client", "clients"))
		if f := in.Flood; f.Factor > 1.5 {
			fmt.Fprintf(&b, " At the peak (%s) visitors sent %s requests per second, %s times the normal %s.",
				tf.clock(in.PeakAt), fmtNum(f.PeakRPS), fmtNum(f.Factor), fmtNum(f.BaselineRPS))
		}
		if len(in.Saturation) > 0 {
			var res []string
			for _, s := range in.Saturation {
				res = append(res, resourceLabel(s.Resource))
			}
			fmt.Fprintf(&b, " The server ran out of %s.", joinAnd(res))
		}
		v.Summary = append(v.Summary, b.String())
	}
	v.Why = printables(in.Trigger.Evidence)
	for _, rs := range v.Restarts {
		switch {
		case rs.Verdict != "" && inSummaries(r.Incidents, rs.Verdict):
			// Already told in the summary paragraph.
		case rs.Verdict != "":
			v.Held = append(v.Held, rs.Verdict)
		default:
			v.Held = append(v.Held, fmt.Sprintf("%s %s restart at %s: %s.", rs.Service, rs.Kind, rs.At, rs.Relapse))
		}
	}
	if aw := r.AmbiguousWrites; aw.Count > 0 && !anySummary(r.Incidents) {
		v.Summary = append(v.Summary, fmt.Sprintf(
			"%s (form submissions, sign-ups, orders) ended in an error but may have been saved anyway; "+
				"check them before asking customers to try again (section 6).", countNoun(aw.Count, "write", "writes")))
	}
	if c := r.Capacity; c != nil {
		for _, rec := range c.Recommendations {
			if rec.Chosen {
				s := "What would have held: " + strings.TrimSuffix(rec.Title, ".") + "."
				if rec.Effect != "" {
					s += " " + rec.Effect
				}
				v.Summary = append(v.Summary, s)
			}
		}
	}

	relapses := 0
	for _, rs := range r.Restarts {
		if rs.RelapseAfterS != nil {
			relapses++
		}
	}
	restarts := fmtCount(int64(len(r.Restarts)))
	restartNote := ""
	if len(r.Restarts) > 0 {
		restartNote = fmt.Sprintf("%d relapsed", relapses)
	}
	v.KeyFigures = []figureView{
		{Label: "Duration", Value: durationCard(in), Note: iv.Span},
		{Label: "Failed requests", Value: fmtCount(in.Impact.FailedRequests), Note: fmtPct(in.Impact.ErrorRate) + " of requests"},
		{Label: "Clients with errors", Value: fmtCount(in.Impact.AffectedClients)},
		{Label: "Peak demand vs normal", Value: fmtNum(in.Flood.Factor) + "×", Note: fmtNum(in.Flood.PeakRPS) + " vs " + fmtRPS(in.Flood.BaselineRPS)},
		{Label: "Restarts", Value: restarts, Note: restartNote},
	}
	if r.AmbiguousWrites.Count > 0 {
		v.KeyFigures = append(v.KeyFigures, figureView{Label: "Writes with unknown outcome", Value: fmtCount(r.AmbiguousWrites.Count)})
	}
}

// durationCard is the incident duration for a key-figure card.
func durationCard(in *analyzer.Incident) string {
	if in.End == nil {
		return "ongoing"
	}
	return fmtDurationShort(in.End.Sub(in.Start).Seconds())
}

var resourceLabels = map[string]string{
	"php-fpm": "PHP workers (php-fpm)",
	"mysql":   "database connections (MySQL)",
	"nginx":   "web server connections (nginx)",
	"memory":  "memory",
}

func resourceLabel(r string) string {
	if l, ok := resourceLabels[r]; ok {
		return l
	}
	return r
}

// joinAnd is "a", "a and b", "a, b and c".
func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// anySummary reports whether the analyzer wrote its own account of an
// incident; it then tells the unknown outcomes itself.
func anySummary(incs []analyzer.Incident) bool {
	for _, in := range incs {
		if in.Summary != "" {
			return true
		}
	}
	return false
}

// inSummaries reports whether some incident summary already says s.
func inSummaries(incs []analyzer.Incident, s string) bool {
	for _, in := range incs {
		if strings.Contains(in.Summary, strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}
