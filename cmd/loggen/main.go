// Command loggen writes the logs of a simulated outage, with its truth.json.
//
//	loggen --scenario viral --seed 1 --out demo-logs
//	loggen --list
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/postmortem/postmortem/simulate"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `Usage: loggen [options] --scenario NAME --out DIR
       loggen --list

Simulates an nginx → PHP-FPM → MySQL site through an outage and writes every
log it leaves behind (access.log, nginx-error.log, php-fpm.log,
php-fpm-slow.log, mysql-error.log, mysql-slow.log, syslog) plus truth.json,
the ground truth of what happened. The same scenario and seed give the same
bytes.

Options:
%s
Operator actions (--action, repeatable) are KIND@HH:MM[:SS][=VALUE] with KIND
one of kill-php, restart-php, restart-mysql, crash-mysql,
raise-max-children (VALUE = new pm.max_children), enable-microcache (VALUE =
seconds). --no-actions drops the scenario's own actions first.

Exit codes: 0 ok, 1 failure, 2 usage error.

Examples:
  loggen --list
  loggen --scenario viral --seed 1 --out demo-logs
  loggen --scenario viral --duration 24h --out /tmp/big
  loggen --scenario launch --max-children 100 --max-connections 151 --out /tmp/launch
  loggen --scenario viral --no-actions --action restart-php@10:30 --mysql-version mariadb --out /tmp/v
`

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the whole program; tests call it with buffers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	_ = stdin
	fs := pflag.NewFlagSet("loggen", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		list      = fs.Bool("list", false, "list the scenarios and exit")
		help      = fs.BoolP("help", "h", false, "show this help")
		name      = fs.StringP("scenario", "s", "viral", "scenario `NAME`")
		seed      = fs.Uint64("seed", 1, "random seed")
		out       = fs.StringP("out", "o", "", "output `DIR` (created)")
		lokiURL   = fs.String("loki", "", "also push the logs to Loki at `URL`")
		quiet     = fs.BoolP("quiet", "q", false, "print nothing on success")
		duration  = fs.Duration("duration", 0, "window length (default: the scenario's)")
		start     = fs.String("start", "", "window start, local `HH:MM` (default: the scenario's)")
		day       = fs.String("day", "", "local date `YYYY-MM-DD`")
		zone      = fs.String("zone", "", "IANA time `ZONE` of the server")
		maxCh     = fs.Int("max-children", 0, "pm.max_children")
		pm        = fs.String("pm", "", "pm mode: dynamic or static")
		maxConn   = fs.Int("max-connections", 0, "MySQL max_connections")
		surge     = fs.Float64("surge-factor", 0, "scale every surge's peak (1 = as scripted)")
		baseline  = fs.Float64("baseline", 0, "baseline page views per second (daily mean)")
		myver     = fs.String("mysql-version", "", "MySQL log format: 8.0, 5.7 or mariadb")
		ram       = fs.Int("ram", 0, "RAM in MiB")
		rss       = fs.Int("worker-rss", 0, "PHP worker RSS in MiB")
		micro     = fs.Duration("microcache", -1, "nginx microcache TTL for anonymous GETs (0 = off)")
		limitRate = fs.Float64("limit-req", 0, "per-IP limit_req rate (r/s)")
		burst     = fs.Int("limit-burst", 0, "limit_req burst")
		room      = fs.Float64("waiting-room", 0, "waiting room admission rate (page views/s)")
		terminate = fs.Duration("request-terminate-timeout", -1, "PHP-FPM request_terminate_timeout (0 = off)")
		backlog   = fs.Int("listen-backlog", 0, "PHP-FPM listen.backlog")
		readTO    = fs.Duration("fastcgi-read-timeout", 0, "nginx fastcgi_read_timeout")
		retryP    = fs.Float64("retry-prob", -1, "chance a person reloads after an error (0–1)")
		noActs    = fs.Bool("no-actions", false, "drop the scenario's operator actions")
		actions   = fs.StringArray("action", nil, "operator action `KIND@HH:MM[=VALUE]` (repeatable)")
	)
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "loggen: %v\n", err)
		fmt.Fprintf(stderr, "Run 'loggen --help' for usage.\n")
		return exitUsage
	}
	if *help {
		fmt.Fprintf(stdout, usage, fs.FlagUsages())
		return exitOK
	}
	if *list {
		for _, n := range simulate.Scenarios() {
			sc, _ := simulate.Lookup(n)
			fmt.Fprintf(stdout, "%-12s %s\n", n, sc.Description)
		}
		return exitOK
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loggen: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintf(stderr, "loggen: --out DIR is required\n")
		return exitUsage
	}
	sc, err := simulate.Lookup(*name)
	if err != nil {
		fmt.Fprintf(stderr, "loggen: %v\n", err)
		return exitUsage
	}
	o := &sc.Options
	if *duration > 0 {
		o.Duration = *duration
	}
	if *start != "" {
		d, err := parseClock(*start)
		if err != nil {
			fmt.Fprintf(stderr, "loggen: --start: %v\n", err)
			return exitUsage
		}
		o.Start = d
	}
	setStr(&o.Day, *day)
	setStr(&o.Zone, *zone)
	setStr(&o.PM, *pm)
	setStr(&o.MySQLVersion, *myver)
	setInt(&o.MaxChildren, *maxCh)
	setInt(&o.MaxConnections, *maxConn)
	setInt(&o.RAMMB, *ram)
	setInt(&o.WorkerRSSMB, *rss)
	setInt(&o.LimitReqBurst, *burst)
	if *surge > 0 {
		o.SurgeFactor = *surge
	}
	if *baseline > 0 {
		o.Baseline = *baseline
	}
	if *micro >= 0 {
		o.MicrocacheTTL = *micro
	}
	if *limitRate > 0 {
		o.LimitReqRPS = *limitRate
	}
	if *room > 0 {
		o.WaitingRoomRPS = *room
	}
	if *terminate >= 0 {
		o.RequestTerminateTimeout = *terminate
	}
	setInt(&o.ListenBacklog, *backlog)
	if *readTO > 0 {
		o.FastCGIReadTimeout = *readTO
	}
	if *retryP >= 0 {
		if *retryP > 1 {
			fmt.Fprintf(stderr, "loggen: --retry-prob must be between 0 and 1, got %v\n", *retryP)
			return exitUsage
		}
		o.RetryProb = *retryP
	}
	if *noActs {
		o.Actions = nil
	}
	for _, a := range *actions {
		act, err := parseAction(a)
		if err != nil {
			fmt.Fprintf(stderr, "loggen: --action: %v\n", err)
			return exitUsage
		}
		o.Actions = append(o.Actions, act)
	}
	t, err := simulate.Run(sc, *seed, *out)
	if err != nil {
		fmt.Fprintf(stderr, "loggen: %v\n", err)
		return exitFailure
	}
	if *lokiURL != "" {
		if err := pushToLoki(*lokiURL, *out, t); err != nil {
			fmt.Fprintf(stderr, "loggen: loki: %v\n", err)
			return exitFailure
		}
	}
	if !*quiet {
		inc := "no incident"
		if t.Incident != nil {
			inc = "incident from " + t.Incident.Start.Format(time.RFC3339) + " (" + t.Incident.Trigger + ")"
		}
		fmt.Fprintf(stderr, "loggen: %s seed %d: %d access lines, %s; wrote %s\n", sc.Name, *seed, t.Requests.Total, inc, *out)
	}
	return exitOK
}

func setStr(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func setInt(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}

// parseClock reads HH:MM or HH:MM:SS as a duration since midnight.
func parseClock(s string) (time.Duration, error) {
	var h, m, sec int
	n, _ := fmt.Sscanf(s, "%d:%d:%d", &h, &m, &sec)
	if n < 2 || h < 0 || h > 47 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return 0, fmt.Errorf("bad clock %q, want HH:MM[:SS]", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second, nil
}

var errBadAction = errors.New("want KIND@HH:MM[:SS][=VALUE]")

// parseAction reads KIND@HH:MM[:SS][=VALUE].
func parseAction(s string) (simulate.Action, error) {
	kind, rest, ok := strings.Cut(s, "@")
	if !ok {
		return simulate.Action{}, fmt.Errorf("%q: %w", s, errBadAction)
	}
	clock, val, hasVal := strings.Cut(rest, "=")
	at, err := parseClock(clock)
	if err != nil {
		return simulate.Action{}, fmt.Errorf("%q: %w", s, err)
	}
	a := simulate.Action{At: at, Kind: simulate.ActionKind(kind)}
	switch a.Kind {
	case simulate.ActionKillPHP, simulate.ActionRestartPHP, simulate.ActionRestartMySQL, simulate.ActionCrashMySQL:
	case simulate.ActionRaiseMaxChildren, simulate.ActionMicrocache:
		if !hasVal {
			return a, fmt.Errorf("%q: %s needs =VALUE", s, kind)
		}
	default:
		return a, fmt.Errorf("%q: unknown action %q", s, kind)
	}
	if hasVal {
		if _, err := fmt.Sscanf(val, "%d", &a.Value); err != nil || a.Value <= 0 {
			return a, fmt.Errorf("%q: bad value %q", s, val)
		}
	}
	return a, nil
}
