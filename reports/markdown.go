package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/postmortem/postmortem/analyzer"
)

// WriteMarkdown writes r as a postmortem draft in the usual outline
// (Summary, Impact, Trigger, Root causes and contributing factors,
// Resolution, Detection, Timeline, Action items, Lessons learned, Data
// quality), from the same view model as the HTML. What the logs cannot
// know is left as a prompt: "_To fill in: …_". Log text is escaped so it
// cannot break a table or start Markdown or HTML markup.
func WriteMarkdown(w io.Writer, r *analyzer.Report, o Options) error {
	if r == nil {
		return fmt.Errorf("write markdown: nil report")
	}
	v := newView(r, o)
	bw := bufio.NewWriter(w)
	m := &mdWriter{w: bw}
	m.write(v)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// mdTopRows bounds the rows of each top table in the draft; the HTML
// report has them all.
const mdTopRows = 5

type mdWriter struct {
	w *bufio.Writer
}

func (m *mdWriter) p(format string, args ...any) {
	fmt.Fprintf(m.w, format, args...)
	m.w.WriteByte('\n')
}

func (m *mdWriter) blank() { m.w.WriteByte('\n') }

func (m *mdWriter) todo(what string) { m.p("_To fill in: %s_", what); m.blank() }

// table writes a GFM table; cells are escaped here.
func (m *mdWriter) table(head []string, align string, rows [][]string) {
	m.tableEvidence(head, align, rows, -1)
}

func (m *mdWriter) bullets(items []string) {
	for _, it := range items {
		m.p("- %s", mdText(it))
	}
	if len(items) > 0 {
		m.blank()
	}
}

func (m *mdWriter) figures(f []figureView) {
	rows := make([][]string, 0, len(f))
	for _, x := range f {
		rows = append(rows, []string{x.Label, x.Value, x.Note})
	}
	m.table([]string{"Figure", "Value", "Note"}, "lr", rows)
}

func (m *mdWriter) write(v *view) {
	m.p("# %s", mdText(v.Title))
	m.blank()
	var meta []string
	if v.Window != "" {
		meta = append(meta, "Logs from "+v.Window+".")
	}
	meta = append(meta, "All times are "+v.Zone+".")
	if v.Generated != "" {
		meta = append(meta, "Generated "+v.Generated+" by postmortem.")
	}
	m.p("%s", mdText(strings.Join(meta, " ")))
	m.blank()
	m.p("**Status:** _To fill in: draft, in review or final_  ")
	m.p("**Authors:** _To fill in_  ")
	if !v.Quiet {
		m.p("**Incident date:** %s", mdText(v.Window))
	}
	m.blank()

	m.p("## Summary")
	m.blank()
	m.p("**%s**", mdText(v.Headline))
	m.blank()
	for _, s := range v.Summary {
		m.p("%s", mdText(s))
		m.blank()
	}
	m.figures(v.KeyFigures)
	if len(v.Warnings) > 0 {
		m.p("Warnings about the input:")
		m.blank()
		m.bullets(v.Warnings)
	}
	if !v.Quiet {
		m.todo("one paragraph for customers, in their words: what they saw and what we changed")
	}

	m.p("## Impact")
	m.blank()
	if v.Quiet {
		m.p("No incident: no impact visible in the logs.")
		m.blank()
	}
	for _, in := range v.Incidents {
		m.p("**%s** (%s, %s)", mdText(in.Name), mdText(in.Span), mdText(in.Duration))
		m.blank()
		m.figures(in.Impact)
	}
	if v.Ambiguous.Any {
		m.p("%s", mdText(v.Ambiguous.Sentence))
		m.blank()
		rows := make([][]string, 0, len(v.Ambiguous.Endpoints))
		for _, e := range v.Ambiguous.Endpoints {
			rows = append(rows, []string{e.Method, e.Path, e.Count, e.Retried, e.RetriedOK})
		}
		m.table([]string{"Method", "Path", "Writes", "Retried", "Retry succeeded"}, "llrrr", rows)
	}
	if !v.Quiet {
		m.todo("users, orders or revenue affected, support tickets, SLA or SLO consequences (the logs cannot know them)")
	}

	m.p("## Trigger")
	m.blank()
	if v.Quiet {
		m.p("No incident, so no trigger.")
		m.blank()
	}
	for _, in := range v.Incidents {
		conf := ""
		if in.Confidence != "" {
			conf = " (confidence " + in.Confidence + ")"
		}
		m.p("**%s:** %s%s.", mdText(in.Name), mdText(in.Trigger), mdText(conf))
		m.blank()
		m.bullets(in.Evidence)
		m.figures(in.Flood)
		for _, t := range in.Tables {
			m.p("%s (top %d):", mdText(t.Title), min(len(t.Rows), mdTopRows))
			m.blank()
			rows := make([][]string, 0, len(t.Rows))
			for i, r := range t.Rows {
				if i == mdTopRows {
					break
				}
				rows = append(rows, []string{r.Key, r.Requests, r.Share, r.Baseline, r.Lift})
			}
			m.table([]string{"Key", "Requests", "Share", "Usual share", "Lift"}, "lrrrr", rows)
		}
	}
	if v.RetryStorm != "" {
		m.p("%s", mdText(v.RetryStorm))
		m.blank()
	}
	if !v.Quiet {
		m.todo("confirm the trigger: who posted the link, which launch or campaign, which deploy")
	}

	m.p("## Root causes and contributing factors")
	m.blank()
	if !v.Quiet {
		m.p("Suggested from the logs; confirm or correct each one.")
		m.blank()
	}
	var causes []string
	for _, in := range v.Incidents {
		for _, s := range in.Saturation {
			c := resourceLabel(s.Resource) + " at their limit"
			if s.Limit != "" {
				c += " (" + s.Limit + ")"
			}
			c += " from " + s.From + " to " + s.To
			if s.How == "inferred" {
				c += " (inferred: no log line says so)"
			}
			if len(s.Evidence) > 0 {
				c += ": " + s.Evidence[0]
			}
			causes = append(causes, c)
		}
	}
	if v.RetryStorm != "" {
		causes = append(causes, "Clients retried failed requests and added load (retry storm).")
	}
	if v.Capacity != nil {
		for _, f := range v.Capacity.Figures {
			causes = append(causes, f.Label+": "+f.Value+joinNote(f.Note))
		}
	}
	for i, q := range v.SlowQueries {
		if i == 3 {
			break
		}
		causes = append(causes, "Slow query ×"+q.Count+" (total "+q.Total+", p95 "+q.P95+"): "+q.Fingerprint)
	}
	switch {
	case v.Quiet && len(causes) == 0:
		m.p("No incident, so no cause to find.")
		m.blank()
	case len(causes) == 0:
		m.p("Nothing in the logs points to a cause.")
		m.blank()
	}
	m.bullets(causes)
	if !v.Quiet {
		m.todo("the deeper causes: why capacity was what it was, why the page was not cached, what made the system fragile")
	}

	m.p("## Resolution")
	m.blank()
	if len(v.Restarts) == 0 {
		m.p("No restart, reload or kill of a service is visible in the logs.")
		m.blank()
	} else {
		rows := make([][]string, 0, len(v.Restarts))
		for _, r := range v.Restarts {
			rows = append(rows, []string{r.At, r.Service, r.Kind, r.Down,
				r.BeforeErr + " → " + r.AfterErr, r.BeforeRPS + " → " + r.AfterRPS, r.Relapse})
		}
		m.table([]string{"When", "Service", "Kind", "Down", "Errors before → after", "Served before → after", "Relapse"}, "llllrrl", rows)
		for _, r := range v.Restarts {
			if r.Verdict != "" {
				m.p("- %s", mdText(r.Verdict))
			}
			for _, e := range r.Evidence {
				m.p("  - %s", mdCode(e, false))
			}
		}
		m.blank()
	}
	if !v.Quiet {
		m.todo("what finally ended the incident (demand falling, a configuration change, a rollback)")
	}

	m.p("## Detection")
	m.blank()
	if v.Quiet {
		m.p("No incident to detect.")
		m.blank()
	} else {
		for _, in := range v.Incidents {
			m.p("- %s began in the logs at %s.", mdText(in.Name), mdText(firstClock(in.Span)))
		}
		if len(v.Restarts) > 0 {
			m.p("- The first action visible in the logs is the %s %s restart at %s.",
				mdText(v.Restarts[0].Service), mdText(v.Restarts[0].Kind), mdText(v.Restarts[0].At))
		}
		m.blank()
		m.todo("how and when the outage was noticed (alert, customer, colleague), and who responded")
	}

	m.p("## Timeline")
	m.blank()
	if len(v.Timeline) == 0 {
		m.p("No events.")
		m.blank()
	} else {
		rows := make([][]string, 0, len(v.Timeline))
		for _, e := range v.Timeline {
			rows = append(rows, []string{e.At, e.Until, e.Source, e.Severity, e.Kind + ": " + e.Message, e.Count, e.Evidence})
		}
		m.tableEvidence([]string{"When", "Until", "Source", "Severity", "Event", "Count", "Evidence"}, "lllllrl", rows, 6)
	}

	m.p("## Action items (suggestions)")
	m.blank()
	if v.Capacity == nil || len(v.Capacity.Recs) == 0 {
		if v.Quiet {
			m.p("No incident, so no action is suggested.")
		} else {
			m.p("No recommendation was computed for this incident.")
		}
		m.blank()
	} else {
		rows := make([][]string, 0, len(v.Capacity.Recs))
		for _, r := range v.Capacity.Recs {
			title := r.Title
			if r.Chosen {
				title += " (recommended)"
			}
			rows = append(rows, []string{title, r.ErrorRate, r.P95, r.Cost})
		}
		m.p("What each change would have done in this incident, replayed on its requests:")
		m.blank()
		m.table([]string{"Change", "Errors", "p95", "Cost"}, "lrrl", rows)
		for _, r := range v.Capacity.Recs {
			chosen := ""
			if r.Chosen {
				chosen = " (recommended)"
			}
			m.p("- [ ] **%s**%s", mdText(r.Title), chosen)
			if r.Current != "" || r.Recommended != "" {
				m.p("  - Now: %s; change to: %s", mdText(r.Current), mdText(r.Recommended))
			}
			if r.Effect != "" {
				m.p("  - Replayed on this incident: %s (error rate %s, p95 %s)", mdText(r.Effect), r.ErrorRate, r.P95)
			}
			if r.Cost != "" {
				m.p("  - Cost: %s", mdText(r.Cost))
			}
			if r.Config != "" {
				m.blank()
				fence := mdFence(r.Config)
				m.p("  %s", fence)
				for _, l := range strings.Split(r.Config, "\n") {
					m.p("  %s", l)
				}
				m.p("  %s", fence)
			}
			m.blank()
		}
	}
	if !v.Quiet {
		m.todo("owner, ticket and due date for each item; other actions (alerting, runbooks, idempotent writes)")
	}

	m.p("## Lessons learned")
	m.blank()
	if v.Quiet {
		m.p("No incident.")
		m.blank()
	} else {
		m.todo("what went well, what went wrong, where we got lucky")
	}

	m.p("## Data quality")
	m.blank()
	if v.Totals != "" {
		m.p("%s", mdText(v.Totals))
		m.blank()
	}
	if len(v.Inputs) > 0 {
		rows := make([][]string, 0, len(v.Inputs))
		for _, in := range v.Inputs {
			skipped := in.Skipped
			if in.SkipShare != "" {
				skipped += " (" + in.SkipShare + ")"
			}
			rows = append(rows, []string{in.Name, in.Kind, in.Format, in.TZ, in.Lines, in.Parsed, skipped})
		}
		m.table([]string{"Input", "Kind", "Format", "Zone", "Lines", "Parsed", "Skipped"}, "llllrrr", rows)
		listed := false
		for _, in := range v.Inputs {
			for _, w := range in.Warnings {
				m.p("- %s: %s", mdCode(in.Name, false), mdText(w))
				listed = true
			}
			for _, r := range in.Reasons {
				m.p("- %s: %s skipped, %s", mdCode(in.Name, false), r.Count, mdText(r.Reason))
				for _, s := range r.Samples {
					m.p("  - %s %s", mdCode(s.Line, false), mdCode(s.Text, false))
				}
				listed = true
			}
		}
		if listed {
			m.blank()
		}
	}
	if len(v.Zones) > 0 {
		m.p("Time zones assumed:")
		m.blank()
		m.bullets(v.Zones)
	}
	if len(v.Notes) > 0 {
		m.p("What the logs could not show:")
		m.blank()
		m.bullets(v.Notes)
	}
}

// tableEvidence is table with column ev written as code (raw log lines);
// ev < 0 writes every cell as text.
func (m *mdWriter) tableEvidence(head []string, align string, rows [][]string, ev int) {
	m.p("| %s |", strings.Join(head, " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
		if i < len(align) && align[i] == 'r' {
			seps[i] = "---:"
		}
	}
	m.p("|%s|", strings.Join(seps, "|"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if i == ev {
				cells[i] = mdCode(c, true)
			} else {
				cells[i] = mdCell(c)
			}
		}
		m.p("| %s |", strings.Join(cells, " | "))
	}
	m.blank()
}

func joinNote(n string) string {
	if n == "" {
		return ""
	}
	return " (" + n + ")"
}

// firstClock is the start of a span "10:02:13 to 10:47:00" or "from 10:02:13, …".
func firstClock(span string) string {
	span = strings.TrimPrefix(span, "from ")
	if i := strings.IndexAny(span, " ,"); i > 0 {
		return span[:i]
	}
	return span
}

// mdEscaper escapes what Markdown (CommonMark + GFM) would read as markup:
// emphasis, code, links, HTML, tables, headings, lists, autolinks.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `&`, `\&`, `|`, `\|`, `#`, `\#`, `~`, `\~`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// mdText escapes log text for a paragraph or a list item: one line, no markup.
func mdText(s string) string {
	s = mdEscaper.Replace(s)
	// A line starting with "- ", "+ " or "1. " would become a list.
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		return `\` + s
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
		return s[:i] + `\` + s[i:]
	}
	return s
}

// mdCell escapes a table cell: markup only, since a cell cannot start a
// list or a heading.
func mdCell(s string) string { return mdEscaper.Replace(s) }

// mdCode writes s as an inline code span: fenced with one backtick more
// than its longest run, newlines as spaces, and in a table "|" as "\|"
// (GFM splits cells before it parses code spans).
func mdCode(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdFence is a code fence longer than any backtick run at a line start in s.
func mdFence(s string) string {
	n := 3
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimLeft(l, " ")
		k := 0
		for k < len(l) && l[k] == '`' {
			k++
		}
		if k >= n {
			n = k + 1
		}
	}
	return strings.Repeat("`", n)
}
