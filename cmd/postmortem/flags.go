package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

const usage = `Usage: postmortem [flags] PATH...
       postmortem --loki URL --loki-query KIND=LOGQL --since T --until T [flags]
       postmortem --demo [SCENARIO] [flags]

postmortem reads the logs a website left behind when it fell over (nginx and
Apache access and error logs, PHP-FPM error and slow logs, MySQL/MariaDB error
and slow logs, kernel OOM and systemd lines), from files or Grafana Loki, and
tells the story of the outage: who flooded the site, when the workers
saturated, what each restart changed, which writes ended with an unknown
outcome, and what capacity would have held. A PATH is a file, a glob, a
directory (read recursively; rotated and compressed sets in time order) or
- for standard input. Each input's kind and format are detected from its
first lines, whatever its name.

Output:
  -o, --output FILE        write the report to FILE (- = stdout; default report.html)
  -f, --format FMT         html, md or json (default: from the -o extension)
      --title TEXT         report title
      --writes-csv FILE    also export the writes with an unknown outcome as CSV
      --cdn                load ECharts from its CDN instead of inlining it
  -q, --quiet              no progress or warnings on stderr
      --strict             exit 3 when some lines did not parse

Time:
      --since T            start of the window: RFC 3339 or relative to the end
                           of the logs (-2h)
      --until T            end of the window, same forms
      --tz ZONE            IANA zone for logs without an offset (nginx error,
                           PHP-FPM, MariaDB, syslog); default: the access logs'
                           offset, else this machine's zone
      --tz-for NAME=ZONE   zone for one input (repeatable)
      --baseline FROM..TO  the normal period to compare against (RFC 3339)

Inputs:
      --log-format SPEC    the nginx log_format or Apache LogFormat string of
                           custom access logs
      --kind PATH=KIND     force an input's kind: access, nginx-error,
                           apache-error, fpm, fpm-slow, mysql-error, mysql-slow,
                           kernel (repeatable)
      --demo [SCENARIO]    simulate an outage (default viral) and analyze it

Capacity (what the logs may not say):
      --fpm-max-children N       PHP-FPM pm.max_children of the pool
      --mysql-max-connections N  MySQL max_connections
      --worker-rss MB            memory of one PHP worker
      --ram SIZE                 RAM of the web server (8G, 16384M)

Loki:
      --loki URL                 read from Grafana Loki instead of files
      --loki-query KIND=LOGQL    a stream selector per kind (repeatable; KIND may be auto)
      --loki-org ID              tenant (X-Scope-OrgID)
      --loki-user USER           basic auth user; password from $LOKI_PASSWORD
      --loki-token-file FILE     bearer token file (or $LOKI_TOKEN)
      --loki-ca FILE, --loki-cert FILE, --loki-key FILE, --loki-insecure
      --loki-parallel N          shards fetched at once (default 4)
      --loki-mode MODE           full (pull every line) or pushdown (metric queries)

  -h, --help               this help
      --version            print the version

Exit codes:
  0    the report was written
  1    runtime failure (unreadable input, Loki unreachable, nothing to analyze)
  2    usage error (unknown flag, bad value)
  3    the report was written, but --strict and some lines did not parse
  130  interrupted; nothing was written

Examples:
  postmortem -o incident.html /var/log/nginx/access.log* /var/log/php8.2-fpm.log /var/log/mysql/
  postmortem --since 2024-10-21T09:00:00Z --until 2024-10-21T11:00:00Z -f md -o - logs/
  zcat access.log.2.gz | postmortem --tz Europe/Prague -o report.json - error.log
  postmortem --loki http://127.0.0.1:3100 --loki-query 'access={job="nginx"}' --since -6h -o report.html
  postmortem --demo launch -o launch.html
`

var errHelp = errors.New("help requested")

// config is the parsed command line.
type config struct {
	paths       []string
	output      string
	format      string
	title       string
	writesCSV   string
	cdn         bool
	quiet       bool
	strict      bool
	showVersion bool

	since, until string
	tz           string
	tzFor        map[string]string
	baseline     string
	logFormat    string
	kindFor      map[string]string
	demo         string

	fpmMaxChildren      int
	mysqlMaxConnections int
	workerRSSMB         float64
	ramMB               float64

	loki           string
	lokiQueries    []string
	lokiOrg        string
	lokiUser       string
	lokiTokenFile  string
	lokiCA         string
	lokiCert       string
	lokiKey        string
	lokiInsecure   bool
	lokiParallel   int
	lokiMode       string
	outputExplicit bool

	cpuProfile string // hidden: --cpuprofile FILE, for make bench investigations
	memProfile string // hidden: --memprofile FILE: the heap once every input is aggregated

	// display is the zone times are shown in, chosen once the inputs are
	// known (planInputs).
	display *time.Location
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := pflag.NewFlagSet("postmortem", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var c config
	var tzFor, kindFor []string
	var ram string
	var help bool
	fs.StringVarP(&c.output, "output", "o", "report.html", "")
	fs.StringVarP(&c.format, "format", "f", "", "")
	fs.StringVar(&c.title, "title", "", "")
	fs.StringVar(&c.writesCSV, "writes-csv", "", "")
	fs.BoolVar(&c.cdn, "cdn", false, "")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "")
	fs.BoolVar(&c.strict, "strict", false, "")
	fs.BoolVar(&c.showVersion, "version", false, "")
	fs.BoolVarP(&help, "help", "h", false, "")
	fs.StringVar(&c.since, "since", "", "")
	fs.StringVar(&c.until, "until", "", "")
	fs.StringVar(&c.tz, "tz", "", "")
	fs.StringArrayVar(&tzFor, "tz-for", nil, "")
	fs.StringVar(&c.baseline, "baseline", "", "")
	fs.StringVar(&c.logFormat, "log-format", "", "")
	fs.StringArrayVar(&kindFor, "kind", nil, "")
	fs.StringVar(&c.demo, "demo", "", "")
	fs.Lookup("demo").NoOptDefVal = "viral"
	fs.IntVar(&c.fpmMaxChildren, "fpm-max-children", 0, "")
	fs.IntVar(&c.mysqlMaxConnections, "mysql-max-connections", 0, "")
	fs.Float64Var(&c.workerRSSMB, "worker-rss", 0, "")
	fs.StringVar(&ram, "ram", "", "")
	fs.StringVar(&c.loki, "loki", "", "")
	fs.StringArrayVar(&c.lokiQueries, "loki-query", nil, "")
	fs.StringVar(&c.lokiOrg, "loki-org", "", "")
	fs.StringVar(&c.lokiUser, "loki-user", "", "")
	fs.StringVar(&c.lokiTokenFile, "loki-token-file", "", "")
	fs.StringVar(&c.lokiCA, "loki-ca", "", "")
	fs.StringVar(&c.lokiCert, "loki-cert", "", "")
	fs.StringVar(&c.lokiKey, "loki-key", "", "")
	fs.BoolVar(&c.lokiInsecure, "loki-insecure", false, "")
	fs.IntVar(&c.lokiParallel, "loki-parallel", 4, "")
	fs.StringVar(&c.lokiMode, "loki-mode", "full", "")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "")
	fs.MarkHidden("cpuprofile")
	fs.StringVar(&c.memProfile, "memprofile", "", "")
	fs.MarkHidden("memprofile")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if help {
		return nil, errHelp
	}
	c.outputExplicit = fs.Changed("output")
	c.paths = fs.Args()

	var err error
	if c.tzFor, err = pairs("--tz-for", tzFor); err != nil {
		return nil, err
	}
	if c.kindFor, err = pairs("--kind", kindFor); err != nil {
		return nil, err
	}
	if ram != "" {
		if c.ramMB, err = parseSize(ram); err != nil {
			return nil, fmt.Errorf("--ram %q: %w", ram, err)
		}
	}
	if c.format == "" {
		c.format = formatFromName(c.output)
	}
	switch c.format {
	case "html", "md", "json":
	default:
		return nil, fmt.Errorf("unknown format %q: use html, md or json", c.format)
	}
	switch c.lokiMode {
	case "full", "pushdown":
	default:
		return nil, fmt.Errorf("unknown --loki-mode %q: use full or pushdown", c.lokiMode)
	}
	if c.showVersion {
		return &c, nil
	}
	switch {
	case c.demo != "" && (len(c.paths) > 0 || c.loki != ""):
		return nil, errors.New("--demo takes no PATH and no --loki")
	case c.loki != "" && len(c.paths) > 0:
		return nil, errors.New("give either PATHs or --loki, not both")
	case c.loki != "" && len(c.lokiQueries) == 0:
		return nil, errors.New("--loki needs at least one --loki-query KIND=LOGQL")
	case c.loki != "" && (c.since == "" || c.until == ""):
		return nil, errors.New("--loki needs --since and --until")
	case c.loki == "" && len(c.lokiQueries) > 0:
		return nil, errors.New("--loki-query needs --loki URL")
	case c.demo == "" && c.loki == "" && len(c.paths) == 0:
		return nil, errors.New("no input: give a PATH (a file, glob, directory or - for stdin), --loki or --demo")
	}
	for _, z := range append([]string{c.tz}, values(c.tzFor)...) {
		if z == "" {
			continue
		}
		if _, err := time.LoadLocation(z); err != nil {
			return nil, fmt.Errorf("unknown time zone %q", z)
		}
	}
	return &c, nil
}

// pairs parses repeated NAME=VALUE flags.
func pairs(flag string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(list))
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%s %q: want NAME=VALUE", flag, s)
		}
		m[k] = v
	}
	return m, nil
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func formatFromName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown":
		return "md"
	case ".json":
		return "json"
	default:
		return "html"
	}
}

// parseSize reads a memory size in MB: "8G", "16384M", "16384" (MB), "512MiB".
func parseSize(s string) (float64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimSuffix(strings.TrimSuffix(u, "IB"), "B")
	mult := 1.0
	switch {
	case strings.HasSuffix(u, "T"):
		mult, u = 1024*1024, u[:len(u)-1]
	case strings.HasSuffix(u, "G"):
		mult, u = 1024, u[:len(u)-1]
	case strings.HasSuffix(u, "M"):
		u = u[:len(u)-1]
	case strings.HasSuffix(u, "K"):
		mult, u = 1.0/1024, u[:len(u)-1]
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || v <= 0 {
		return 0, errors.New("want a size such as 8G or 16384M")
	}
	return v * mult, nil
}

// parseWhen reads an instant: RFC 3339, or a negative duration relative to
// end (the end of the logs).
func parseWhen(s string, end time.Time) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if strings.HasPrefix(s, "-") {
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, true, fmt.Errorf("bad relative time %q: want e.g. -2h or -90m", s)
		}
		return end.Add(-d), true, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("bad time %q: want RFC 3339 (2024-11-21T10:00:00Z) or relative (-2h)", s)
}
