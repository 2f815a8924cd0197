package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/postmortem/postmortem/analyzer"
)

func renderMD(t *testing.T, r *analyzer.Report, o Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r, o); err != nil {
		t.Fatalf("WriteMarkdown: %v", err)
	}
	return buf.String()
}

func TestMarkdownGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *analyzer.Report
	}{
		{"rich", richReport()},
		{"quiet", quietReport()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name+".md", []byte(renderMD(t, tc.r, Options{Generated: generated})))
		})
	}
}

func TestMarkdownDeterministic(t *testing.T) {
	a := renderMD(t, richReport(), Options{Generated: generated})
	b := renderMD(t, richReport(), Options{Generated: generated})
	if a != b {
		t.Fatalf("two renders differ:\n%s", firstDiff(a, b))
	}
}

func TestMarkdownOutline(t *testing.T) {
	md := renderMD(t, richReport(), Options{})
	last := -1
	for _, h := range []string{"## Summary", "## Impact", "## Trigger", "## Root causes and contributing factors",
		"## Resolution", "## Detection", "## Timeline", "## Action items (suggestions)", "## Lessons learned", "## Data quality"} {
		i := strings.Index(md, "\n"+h+"\n")
		if i < 0 {
			t.Fatalf("heading %q missing", h)
		}
		if i < last {
			t.Errorf("heading %q out of order", h)
		}
		last = i
	}
	for _, want := range []string{
		"_To fill in: users, orders or revenue affected",
		"_To fill in: what went well, what went wrong, where we got lucky_",
		"- [ ] **Cache anonymous pages for 10 s in nginx** (recommended)",
		"  ```\n  fastcgi_cache_path /var/cache/nginx levels=1:2 keys_zone=micro:10m;\n",
		"relapsed after 5 min (at 10:05:00)",
		"62% of requests came from Facebook links, against 0.4% before.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// unescapedPipes counts the cell separators of a GFM table row.
func unescapedPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if line[i] == '|' {
			n++
		}
	}
	return n
}

func TestMarkdownEscapesLogText(t *testing.T) {
	md := renderMD(t, richReport(), Options{})
	// Outside code spans (which renderers show literally) no HTML is left.
	outside := regexp.MustCompile("`+[^`]*`+").ReplaceAllString(md, "")
	if m := regexp.MustCompile(`(?m)(^|[^\\])<[a-z/!]`).FindString(outside); m != "" {
		t.Errorf("raw HTML reached the Markdown outside code spans: %q", m)
	}
	// Every row of a table has as many cell separators as its header,
	// whatever pipes the log text held.
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "| ") {
			continue
		}
		want := unescapedPipes(lines[i])
		for i++; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
			if got := unescapedPipes(lines[i]); got != want {
				t.Errorf("table row has %d separators, header %d: %s", got, want, lines[i])
			}
		}
	}
	for _, want := range []string{
		// Pipes, backticks and the newline of a timeline message.
		"crash: mysqld got signal 11 \\| pipes \\`ticks\\` newline |",
		// HTML and markup characters backslash-escaped.
		`\</script\>\<script\>window.pmPwned=true;alert(1)\</script\>`,
		// Raw lines as code spans, pipes escaped inside tables.
		"`error.log:77: upstream timed out (110: Connection timed out) request: \"GET /</script><script>window.pmPwned=true;alert(1)</script>\"`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestMarkdownHelpers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a|b", `a\|b`},
		{"x `y` z", "x \\`y\\` z"},
		{"line1\nline2", "line1 line2"},
		{"**bold** _it_ [l](u)", `\*\*bold\*\* \_it\_ \[l\](u)`},
		{"- item", `\- item`},
		{"12. not a list", `12\. not a list`},
		{"<b>&amp;", `\<b\>\&amp;`},
	} {
		if got := mdText(tc.in); got != tc.want {
			t.Errorf("mdText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in      string
		inTable bool
		want    string
	}{
		{"plain", false, "`plain`"},
		{"a `b` c", false, "``a `b` c``"},
		{"`x", false, "`` `x ``"},
		{"p|q", true, "`p\\|q`"},
		{"two\nlines", false, "`two lines`"},
	} {
		if got := mdCode(tc.in, tc.inTable); got != tc.want {
			t.Errorf("mdCode(%q, %v) = %q, want %q", tc.in, tc.inTable, got, tc.want)
		}
	}
}

func TestMarkdownQuietDay(t *testing.T) {
	md := renderMD(t, quietReport(), Options{})
	for _, want := range []string{"**No incident: the site behaved normally in these logs.**", "No incident, so no action is suggested."} {
		if !strings.Contains(md, want) {
			t.Errorf("quiet markdown lacks %q", want)
		}
	}
	for _, alarm := range []string{"Outage", "failed (", "recommended", "retry storm", "To fill in: the deeper causes", "Incident date"} {
		if strings.Contains(md, alarm) {
			t.Errorf("quiet markdown says %q", alarm)
		}
	}
}
