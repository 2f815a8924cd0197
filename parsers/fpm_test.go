package parsers

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone names in PHP stamps resolve on any machine
)

func newFPMTestReader() EventReader { return newFPMReader(testOpts) }

// fpmCases cover every message of domain.md A.1, the debug stamp and the
// syslog, journal and docker layers.
var fpmCases = []eventCase{
	{name: "max children dynamic", lines: []string{`[21-Nov-2024 10:15:02] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it`},
		want: `fpm fpm-max-children warning t=2024-11-21T10:15:02 num=[5 0 0 0] pool="www"`},
	{name: "max children ondemand", lines: []string{`[21-Nov-2024 10:15:02] WARNING: [pool api] server reached max_children setting (50), consider raising it`},
		want: `fpm fpm-max-children warning t=2024-11-21T10:15:02 num=[50 0 0 0] pool="api"`},
	{name: "seems busy", lines: []string{`[21-Nov-2024 10:15:03] WARNING: [pool www] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning 8 children, there are 0 idle, and 17 total children`},
		want: `fpm fpm-seems-busy warning t=2024-11-21T10:15:03 num=[8 0 17 0] pool="www"`},
	{name: "process max", lines: []string{`[21-Nov-2024 10:15:03] WARNING: The maximum number of processes has been reached. Please review your configuration and consider raising 'process.max'`},
		want: `fpm fpm-max-processes warning t=2024-11-21T10:15:03`},
	{name: "child exited sigkill", lines: []string{`[21-Nov-2024 10:20:01] WARNING: [pool www] child 4242 exited on signal 9 (SIGKILL) after 312.401526 seconds from start`},
		want: `fpm fpm-child-exited warning t=2024-11-21T10:20:01 pid=4242 num=[-1 9 312401526 0] pool="www"`},
	{name: "child exited segv core", lines: []string{`[21-Nov-2024 10:20:01] WARNING: [pool www] child 4243 exited on signal 11 (SIGSEGV - core dumped) after 0.5 seconds from start`},
		want: `fpm fpm-child-exited warning t=2024-11-21T10:20:01 pid=4243 num=[-1 11 500000 0] pool="www"`},
	{name: "child exited code", lines: []string{`[21-Nov-2024 10:20:02] NOTICE: [pool www] child 4244 exited with code 0 after 1800.000123 seconds from start`},
		want: `fpm fpm-child-exited notice t=2024-11-21T10:20:02 pid=4244 num=[0 0 1800000123 0] pool="www"`},
	{name: "child started", lines: []string{`[21-Nov-2024 10:20:02] NOTICE: [pool www] child 4301 started`},
		want: `fpm fpm-child-started notice t=2024-11-21T10:20:02 pid=4301 pool="www"`},
	{name: "failed threshold", lines: []string{`[21-Nov-2024 10:20:03] WARNING: failed processes threshold (10 in 60 sec) is reached, initiating reload`},
		want: `fpm fpm-failed-threshold warning t=2024-11-21T10:20:03 num=[10 60 0 0]`},
	{name: "unknown child", lines: []string{`[21-Nov-2024 10:20:03] ALERT: oops, unknown child (777) exited on signal 9 (SIGKILL). Please open a bug report (https://bugs.php.net).`},
		want: `fpm fpm-child-exited alert t=2024-11-21T10:20:03 pid=777 num=[-1 9 0 0]`},
	{name: "execution timed out", lines: []string{`[21-Nov-2024 10:21:00] WARNING: [pool www] child 4245, script '/var/www/site/index.php' (request: "POST /index.php?action=register") execution timed out (60.012345 sec), terminating`},
		want: `fpm fpm-timed-out warning t=2024-11-21T10:21:00 pid=4245 num=[60012345 0 0 0] pool="www" request="POST /index.php?action=register"`},
	{name: "executing too slow", lines: []string{`[21-Nov-2024 10:21:01] WARNING: [pool www] child 4246, script '/var/www/site/book.php' (request: "GET /book.php") executing too slow (5.000812 sec), logging`},
		want: `fpm fpm-too-slow warning t=2024-11-21T10:21:01 pid=4246 num=[5000812 0 0 0] pool="www" request="GET /book.php"`},
	{name: "said into stderr", lines: []string{`[21-Nov-2024 10:21:02] WARNING: [pool www] child 4247 said into stderr: "NOTICE: PHP message: PHP Warning:  PDO::__construct(): SQLSTATE[HY000] [1040] Too many connections in /var/www/db.php on line 9"`},
		want: `fpm fpm-said warning t=2024-11-21T10:21:02 pid=4247 php=too-many-connections pool="www"`},
	{name: "said pipe closed 7.2", lines: []string{`[21-Nov-2024 10:21:02] WARNING: [pool www] child 4248 said into stderr: "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted", pipe is closed`},
		want: `fpm fpm-said warning t=2024-11-21T10:21:02 pid=4248 php=memory-exhausted pool="www"`},
	{name: "fpm is running", lines: []string{`[21-Nov-2024 10:22:00] NOTICE: fpm is running, pid 1201`},
		want: `fpm fpm-running notice t=2024-11-21T10:22:00 pid=1201`},
	{name: "ready", lines: []string{`[21-Nov-2024 10:22:00] NOTICE: ready to handle connections`},
		want: `fpm fpm-ready notice t=2024-11-21T10:22:00`},
	{name: "terminating", lines: []string{`[21-Nov-2024 10:23:00] NOTICE: Terminating ...`},
		want: `fpm fpm-terminating notice t=2024-11-21T10:23:00`},
	{name: "finishing", lines: []string{`[21-Nov-2024 10:23:00] NOTICE: Finishing ...`},
		want: `fpm fpm-finishing notice t=2024-11-21T10:23:00`},
	{name: "reloading", lines: []string{`[21-Nov-2024 10:23:01] NOTICE: Reloading in progress ...`},
		want: `fpm fpm-reloading notice t=2024-11-21T10:23:01`},
	{name: "execvp is no second reload", lines: []string{`[21-Nov-2024 10:23:01] NOTICE: reloading: execvp("/usr/sbin/php-fpm8.2", {"/usr/sbin/php-fpm8.2", "--nodaemonize"})`},
		want: `fpm other notice t=2024-11-21T10:23:01`},
	{name: "log reopened", lines: []string{`[21-Nov-2024 00:00:01] NOTICE: error log file re-opened`},
		want: `fpm fpm-log-reopened notice t=2024-11-21T00:00:01`},
	{name: "access log reopened", lines: []string{`[21-Nov-2024 00:00:01] NOTICE: access log file re-opened`},
		want: `fpm fpm-log-reopened notice t=2024-11-21T00:00:01`},
	{name: "exiting", lines: []string{`[21-Nov-2024 10:23:02] NOTICE: exiting, bye-bye!`},
		want: `fpm fpm-exiting notice t=2024-11-21T10:23:02`},
	{name: "bind failure", lines: []string{`[21-Nov-2024 10:23:03] ERROR: unable to bind listening socket for address '/run/php/php8.2-fpm.sock': Address already in use (98)`},
		want: `fpm fpm-init-failed error t=2024-11-21T10:23:03`},
	{name: "init failed", lines: []string{`[21-Nov-2024 10:23:03] ERROR: FPM initialization failed`},
		want: `fpm fpm-init-failed error t=2024-11-21T10:23:03`},
	{name: "ptrace denied", lines: []string{`[21-Nov-2024 10:23:04] ERROR: failed to ptrace(ATTACH) child 4249: Operation not permitted (1)`},
		want: `fpm other error t=2024-11-21T10:23:04`},
	{name: "debug stamp", lines: []string{`[21-Nov-2024 10:15:02.123456] DEBUG: pid 12, fpm_children_make(), line 380: [pool www] child 4301 started`},
		want: `fpm fpm-child-started debug t=2024-11-21T10:15:02.123456 pid=4301 pool="www"`},
	{name: "syslog form", lines: []string{`Nov 21 10:15:02 web php-fpm8.2[1201]: [WARNING] [pool www] server reached pm.max_children setting (5), consider raising it`},
		want: `fpm fpm-max-children warning t=2024-11-21T10:15:02 num=[5 0 0 0] pool="www" unit="php-fpm8.2"`},
	{name: "journal with own stamp", lines: []string{`Nov 21 10:15:02 web php-fpm[1]: [21-Nov-2024 10:15:01] NOTICE: fpm is running, pid 1`},
		want: `fpm fpm-running notice t=2024-11-21T10:15:01 pid=1 unit="php-fpm"`},
	{name: "docker logs -t", lines: []string{`2024-11-21T09:15:02.500000000Z [21-Nov-2024 09:15:02] NOTICE: ready to handle connections`},
		want: `fpm fpm-ready notice t=2024-11-21T09:15:02`},
	{name: "docker compose", lines: []string{`php-1  | [21-Nov-2024 10:15:02] WARNING: [pool www] child 7 exited on signal 15 (SIGTERM) after 1.000000 seconds from start`},
		want: `fpm fpm-child-exited warning t=2024-11-21T10:15:02 pid=7 num=[-1 15 1000000 0] pool="www"`},
	{name: "cri", lines: []string{`2024-11-21T10:15:02.1Z stderr F [21-Nov-2024 10:15:02] NOTICE: Finishing ...`},
		want: `fpm fpm-finishing notice t=2024-11-21T10:15:02`},
	{name: "docker json-file", lines: []string{`{"log":"[21-Nov-2024 10:15:02] WARNING: [pool www] child 7 said into stderr: \"PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted\"\n","stream":"stderr","time":"2024-11-21T10:15:02.5Z"}`},
		want: `fpm fpm-said warning t=2024-11-21T10:15:02 pid=7 php=memory-exhausted pool="www"`},
	{name: "php error_log line", lines: []string{`[21-Nov-2024 10:15:02 UTC] PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /var/www/a.php on line 5`},
		want: `fpm other error t=2024-11-21T10:15:02 php=max-execution-time`},
}

func TestFPMMessages(t *testing.T) { runEventCases(t, newFPMTestReader, fpmCases) }

func TestFPMNamedZone(t *testing.T) {
	evs, _ := feedLines(newFPMTestReader(),
		`[21-Jul-2024 10:15:02 Europe/Prague] PHP Warning:  x`,
		`[21-Jul-2024 10:15:03 America/New_York] PHP Warning:  y`,
		`[21-Jul-2024 10:15:04 Nowhere/Atlantis] PHP Warning:  z`)
	want := []string{"2024-07-21T08:15:02Z", "2024-07-21T14:15:03Z", "2024-07-21T10:15:04Z"}
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	for i, w := range want {
		if got := timeUTC(evs[i].Time).Format(time.RFC3339); got != w {
			t.Errorf("line %d: %s, want %s", i+1, got, w)
		}
	}
}

func TestFPMSkipped(t *testing.T) {
	for _, c := range []string{
		`172.17.0.1 -  21/Nov/2024:10:15:02 +0000 "GET /index.php" 200`,
		``,
		`[21-Nov-2024 10:15:02] LOUD: hi`,
		`[32-Nov-2024 10:15:02] NOTICE: hi`,
		`NOTICE PHP message`,
	} {
		evs, errs := feedLines(newFPMTestReader(), c)
		if le, ok := errs[0].(*LineError); !ok || le.Reason != reasonNotFPM || len(evs) != 0 {
			t.Errorf("%q: error %v, %d events", c, errs[0], len(evs))
		}
	}
}

func TestFPMYearlessSyslogRollsOver(t *testing.T) {
	evs, _ := feedLines(newFPMReader(EventOptions{Loc: testOpts.Loc, Year: 2024}),
		`Dec 31 23:59:59 web php-fpm[1]: [NOTICE] Terminating ...`,
		`Jan  1 00:00:01 web php-fpm[1]: [NOTICE] fpm is running, pid 9`)
	if len(evs) != 2 || !strings.Contains(describe(evs[0]), "t=2024-12-31T23:59:59") || !strings.Contains(describe(evs[1]), "t=2025-01-01T00:00:01") {
		t.Errorf("events: %v / %v", describe(evs[0]), describe(evs[1]))
	}
}

func TestFPMAllocs(t *testing.T) {
	for _, name := range []string{"max children dynamic", "child exited sigkill", "execution timed out", "syslog form", "docker logs -t"} {
		r := newFPMReader(testOpts)
		line := []byte(caseLine(fpmCases, name))
		emit := func(*Event) {}
		if n := testing.AllocsPerRun(200, func() {
			if err := r.Feed(line, 1, emit); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per line, want 0", name, n)
		}
	}
}

func FuzzFPM(f *testing.F) {
	for _, c := range fpmCases {
		f.Add(c.lines[0])
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := newFPMReader(testOpts)
		input := []byte(in)
		err := r.Feed(input, 1, func(e *Event) {
			if !fieldsFromInput(e, input) {
				t.Fatalf("event fields not from the input: %v", describe(*e))
			}
		})
		if err != nil {
			if _, ok := err.(*LineError); !ok {
				t.Fatalf("error %T", err)
			}
		}
	})
}
