package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones work on any machine

	"golang.org/x/term"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/parsers"
	"github.com/postmortem/postmortem/reports"
	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
)

// sniffLines is how many non-empty lines of each input format sniffing reads.
const sniffLines = 100

// execute runs one analysis from the parsed command line to the written report.
func execute(ctx context.Context, cfg *config, stdin io.Reader, stdout, stderr io.Writer) error {
	warn := func(format string, a ...any) {
		if !cfg.quiet {
			fmt.Fprintf(stderr, "postmortem: "+format+"\n", a...)
		}
	}
	if cfg.format == "html" && cfg.output == "-" && isTerminal(stdout) {
		return usageError("refusing to write HTML to a terminal: use -o report.html, or -f md")
	}
	if cfg.format == "html" && !cfg.cdn && !reports.EChartsEmbedded() {
		warn("this build has no ECharts inlined (run 'make assets'); the report loads it from its CDN")
	}

	if _, err := analyzerOptions(cfg); err != nil {
		return err // bad times or baseline: say so before reading anything
	}
	paths := cfg.paths
	if cfg.demo != "" {
		dir, err := runDemo(cfg.demo)
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		paths = []string{dir}
		if cfg.title == "" {
			cfg.title = "Simulated outage: " + cfg.demo
		}
	}

	var inputs []sources.Input
	var loki *lokiRun
	var err error
	if cfg.loki != "" {
		inputs, loki, err = lokiInputs(ctx, cfg, stderr)
	} else {
		inputs, err = sources.ExpandStdin(paths, stdin)
	}
	if err != nil {
		return err
	}
	if len(inputs) == 0 && loki == nil {
		return errors.New("no log files found in the given paths")
	}
	if len(inputs) == 0 && (loki.pushdown == nil || loki.pushdown.counts.requests == 0) {
		return errors.New("the Loki queries matched no lines in the range")
	}

	plans, err := planInputs(ctx, cfg, inputs, warn)
	if err != nil {
		return err
	}

	opts, err := analyzerOptions(cfg)
	if err != nil {
		return err
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	prog := &counters{}
	stopProgress := startProgress(cfg, stderr, prog)
	agg, err := analyze(ctx, plans, opts, prog, shardMinSize)
	stopProgress()
	if err != nil {
		return err
	}
	if cfg.memProfile != "" {
		if err := writeHeapProfile(cfg.memProfile); err != nil {
			return err
		}
	}
	infos := make([]analyzer.InputInfo, len(plans))
	for i, p := range plans {
		infos[i] = p.info
	}
	if loki != nil {
		loki.pushdown.addTo(agg) // Loki's counts where no access line was pulled
	}
	rep := analyzer.Finish(agg, infos, opts)

	// Relative --since/--until are measured from the end of the logs, known
	// only now: narrow the window and analyze again.
	if relSince, relUntil := strings.HasPrefix(cfg.since, "-"), strings.HasPrefix(cfg.until, "-"); relSince || relUntil {
		end := rep.Window.End
		if relSince {
			opts.Since, _, _ = parseWhen(cfg.since, end)
		}
		if relUntil {
			opts.Until, _, _ = parseWhen(cfg.until, end)
		}
		if hasStdin(inputs) {
			return usageError("a relative --since/--until needs files it can read twice, not stdin: use an RFC 3339 time")
		}
		for _, p := range plans {
			p.info.Warnings = nil
		}
		if agg, err = analyze(ctx, plans, opts, prog, shardMinSize); err != nil {
			return err
		}
		for i, p := range plans {
			infos[i] = p.info
		}
		rep = analyzer.Finish(agg, infos, opts)
	}

	if loki != nil {
		loki.pushdown.apply(rep)
		if !cfg.quiet {
			reportTransfer(stderr, loki.stats, time.Since(loki.began))
		}
	}
	for _, w := range rep.Warnings {
		warn("%s", w)
	}
	if err := writeReport(cfg, rep, stdout); err != nil {
		return err
	}
	if cfg.writesCSV != "" {
		if err := writeAtomic(cfg.writesCSV, func(w io.Writer) error { return reports.WriteWritesCSV(w, rep) }); err != nil {
			return err
		}
	}
	if cfg.strict {
		var skipped int64
		for _, in := range rep.Inputs {
			skipped += in.Skipped
		}
		if skipped > 0 {
			return &exitError{code: exitStrict, err: fmt.Errorf("--strict: %d lines did not parse (see the report's data quality section)", skipped)}
		}
	}
	return nil
}

func hasStdin(inputs []sources.Input) bool {
	for _, in := range inputs {
		if in.Name == "-" || in.Name == "stdin" {
			return true
		}
	}
	return false
}

// planInputs sniffs each input's kind and format and chooses its time zone.
func planInputs(ctx context.Context, cfg *config, inputs []sources.Input, warn func(string, ...any)) ([]*plan, error) {
	plans := make([]*plan, 0, len(inputs))
	for _, in := range inputs {
		head, err := in.Head(ctx, sniffLines)
		if err != nil {
			return nil, err
		}
		p := &plan{in: in, info: analyzer.InputInfo{Name: in.Name}}
		forced := cfg.kindFor[in.Name]
		if forced == "" && in.KindHint != "" && in.KindHint != "auto" {
			forced = in.KindHint
		}
		for _, part := range in.Parts {
			if k := cfg.kindFor[part]; k != "" {
				forced = k
			}
		}
		switch {
		case cfg.logFormat != "" && (forced == "" || forced == "access") && looksAccess(head, cfg.logFormat):
			ap, err := parsers.CompileLogFormat(cfg.logFormat)
			if err != nil {
				return nil, usageError("--log-format: %v", err)
			}
			p.kind, p.access, p.info.Format = parsers.KindAccess, ap, ap.Name()
		case forced != "":
			k, ok := parsers.ParseKind(forced)
			if !ok || k == parsers.KindUnknown {
				return nil, usageError("--kind %s=%s: unknown kind", in.Name, forced)
			}
			p.kind = k
			if k == parsers.KindAccess {
				ap, err := parsers.SniffAccess(head)
				if err != nil {
					ap = parsers.NewAccessParser(parsers.FormatNginxCombined)
				}
				p.access, p.info.Format = ap, ap.Name()
			} else if _, f, err := parsers.Sniff(head); err == nil {
				p.format, p.info.Format = f, f
			}
		default:
			k, f, err := parsers.Sniff(head)
			if err != nil || k == parsers.KindUnknown {
				k = parsers.KindUnknown
				f = "unrecognised"
				warn("%s: no known log format in its first lines; skipped (see the report)", in.Name)
			}
			p.kind, p.format, p.info.Format = k, f, f
			if k == parsers.KindAccess {
				ap, err := parsers.SniffAccess(head)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", in.Name, err)
				}
				p.access, p.info.Format = ap, ap.Name()
			}
		}
		p.info.Kind = p.kind.String()
		plans = append(plans, p)
	}

	// Zones: --tz-for, else --tz, else the offset the access logs carry,
	// else this machine's zone. Access logs and MySQL 5.7+ carry their own.
	accessLoc, accessZone := accessLogZone(plans)
	year := accessYear(plans)
	// Times in the report read in the site's own zone: --tz, else the access
	// logs' offset, else UTC (never this machine's zone: the same logs give
	// the same report everywhere).
	cfg.display = time.UTC
	if accessLoc != nil {
		cfg.display = accessLoc
	}
	if cfg.tz != "" {
		cfg.display, _ = time.LoadLocation(cfg.tz)
	}
	for _, p := range plans {
		loc, src := time.Local, "machine"
		if accessLoc != nil {
			loc, src = accessLoc, "access-log offset "+accessZone
		}
		if cfg.tz != "" {
			loc, _ = time.LoadLocation(cfg.tz)
			src = "--tz"
		}
		for _, name := range append([]string{p.in.Name}, p.in.Parts...) {
			if z, ok := cfg.tzFor[name]; ok {
				loc, _ = time.LoadLocation(z)
				src = "--tz-for"
			}
		}
		p.events = parsers.EventOptions{Loc: loc, Year: year}
		switch p.kind {
		case parsers.KindAccess:
			p.info.TZ, p.info.TZSource = "from log", "log"
		case parsers.KindUnknown:
		default:
			p.info.TZ, p.info.TZSource = loc.String(), src
		}
	}
	if p := unknownInputs(plans); len(plans) > 0 && len(p) == len(plans) {
		return nil, fmt.Errorf("no input holds a known log format (%s)", strings.Join(p, ", "))
	}
	return plans, nil
}

func unknownInputs(plans []*plan) []string {
	var names []string
	for _, p := range plans {
		if p.kind == parsers.KindUnknown {
			names = append(names, p.in.Name)
		}
	}
	return names
}

// looksAccess reports whether a custom --log-format parses most of head.
func looksAccess(head [][]byte, spec string) bool {
	ap, err := parsers.CompileLogFormat(spec)
	if err != nil {
		return true // let the caller report the bad spec
	}
	var rec parsers.Access
	ok := 0
	for _, l := range head {
		if ap.Parse(l, &rec) == nil {
			ok++
		}
	}
	return ok*2 > len(head)
}

var offsetRE = regexp.MustCompile(`\[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} ([+-]\d{4})\]|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?([+-]\d{2}:\d{2})`)

// accessLogZone is the fixed zone of the first offset seen in the access
// logs' first lines, for sources that carry none.
func accessLogZone(plans []*plan) (*time.Location, string) {
	for _, p := range plans {
		if p.kind != parsers.KindAccess {
			continue
		}
		head, _ := p.in.Head(context.Background(), 5)
		for _, l := range head {
			m := offsetRE.FindSubmatch(l)
			if m == nil {
				continue
			}
			off := string(m[1])
			if off == "" {
				off = strings.ReplaceAll(string(m[2]), ":", "")
			}
			h, _ := strconv.Atoi(off[1:3])
			mi, _ := strconv.Atoi(off[3:5])
			secs := h*3600 + mi*60
			if off[0] == '-' {
				secs = -secs
			}
			return time.FixedZone("UTC"+off[:3]+":"+off[3:], secs), off
		}
	}
	return nil, ""
}

// accessYear is the year of the first access line, for syslog stamps that
// carry none; else the current year.
func accessYear(plans []*plan) int {
	for _, p := range plans {
		if p.kind != parsers.KindAccess {
			continue
		}
		head, _ := p.in.Head(context.Background(), 5)
		var rec parsers.Access
		for _, l := range head {
			if p.access.Clone().Parse(l, &rec) == nil && rec.Time > 0 {
				return time.Unix(0, rec.Time).UTC().Year()
			}
		}
	}
	return time.Now().Year()
}

// analyzerOptions turns flags into the analyzer's options.
func analyzerOptions(cfg *config) (*analyzer.Options, error) {
	o := &analyzer.Options{
		Title:               cfg.title,
		FPMMaxChildren:      cfg.fpmMaxChildren,
		MySQLMaxConnections: cfg.mysqlMaxConnections,
		WorkerRSSMB:         cfg.workerRSSMB,
		RAMMB:               cfg.ramMB,
		Location:            cfg.display,
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	var err error
	if !strings.HasPrefix(cfg.since, "-") {
		if o.Since, _, err = parseWhen(cfg.since, time.Time{}); err != nil {
			return nil, usageError("--since: %v", err)
		}
	} else if _, _, err = parseWhen(cfg.since, time.Time{}); err != nil {
		return nil, usageError("--since: %v", err)
	}
	if !strings.HasPrefix(cfg.until, "-") {
		if o.Until, _, err = parseWhen(cfg.until, time.Time{}); err != nil {
			return nil, usageError("--until: %v", err)
		}
	} else if _, _, err = parseWhen(cfg.until, time.Time{}); err != nil {
		return nil, usageError("--until: %v", err)
	}
	if cfg.baseline != "" {
		from, to, ok := strings.Cut(cfg.baseline, "..")
		if !ok {
			return nil, usageError("--baseline %q: want FROM..TO", cfg.baseline)
		}
		if o.Baseline.From, _, err = parseWhen(from, time.Time{}); err != nil {
			return nil, usageError("--baseline: %v", err)
		}
		if o.Baseline.To, _, err = parseWhen(to, time.Time{}); err != nil {
			return nil, usageError("--baseline: %v", err)
		}
	}
	return o, nil
}

// writeReport renders the report in the chosen format to -o.
func writeReport(cfg *config, rep *analyzer.Report, stdout io.Writer) error {
	render := func(w io.Writer) error {
		ro := reports.Options{CDN: cfg.cdn, Location: cfg.display}
		if ro.Location == nil {
			ro.Location = time.UTC
		}
		switch cfg.format {
		case "md":
			return reports.WriteMarkdown(w, rep, ro)
		case "json":
			return reports.WriteJSON(w, rep)
		default:
			return reports.WriteHTML(w, rep, ro)
		}
	}
	if cfg.output == "-" {
		return render(stdout)
	}
	return writeAtomic(cfg.output, render)
}

// writeAtomic writes a file through a temporary file in the same directory
// and a rename, so an interrupted run never leaves half a report.
func writeAtomic(path string, render func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		f.Close()
		return fmt.Errorf("render %s: %w", path, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// runDemo writes a simulated outage into a temporary directory.
func runDemo(name string) (string, error) {
	sc, err := simulate.Lookup(name)
	if err != nil {
		return "", usageError("--demo: %v (scenarios: %s)", err, strings.Join(simulate.Scenarios(), ", "))
	}
	dir, err := os.MkdirTemp("", "postmortem-demo-")
	if err != nil {
		return "", err
	}
	if _, err := simulate.Run(sc, 1, dir); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("simulate %s: %w", name, err)
	}
	// truth.json is the simulator's answer key, not a log.
	os.Remove(filepath.Join(dir, "truth.json"))
	return dir, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// startProgress prints lines and bytes read on stderr while a long run goes
// on, only when stderr is a terminal and not --quiet.
func startProgress(cfg *config, stderr io.Writer, c *counters) (stop func()) {
	if cfg.quiet || !isTerminal(stderr) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-done:
				fmt.Fprint(stderr, "\r\033[K")
				return
			case <-t.C:
				mb := float64(c.bytes.Load()) / 1e6
				fmt.Fprintf(stderr, "\r\033[Kread %.0f MB, %d lines (%.0f MB/s)", mb, c.lines.Load(), mb/time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(done); <-finished }
}

// writeHeapProfile writes the live heap (after a GC) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}
