package parsers

import (
	"strings"
	"testing"
)

func newApacheTestReader() EventReader { return newApacheErrorReader(testOpts) }

// apacheCases cover the AH codes of domain.md A.7 in 2.4 and 2.2 shapes.
var apacheCases = []eventCase{
	{name: "max request workers prefork", lines: []string{`[Thu Nov 21 10:15:02.123456 2024] [mpm_prefork:error] [pid 1201] AH00161: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting`},
		want: `apache-error apache-max-workers error t=2024-11-21T10:15:02.123456 pid=1201 code=161`},
	{name: "max request workers event", lines: []string{`[Thu Nov 21 10:15:02.123456 2024] [mpm_event:error] [pid 1201:tid 140000000000000] AH00484: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting`},
		want: `apache-error apache-max-workers error t=2024-11-21T10:15:02.123456 pid=1201 code=484`},
	{name: "max request workers worker", lines: []string{`[Thu Nov 21 10:15:02 2024] [mpm_worker:error] [pid 1201:tid 1] AH00286: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting`},
		want: `apache-error apache-max-workers error t=2024-11-21T10:15:02 pid=1201 code=286`},
	{name: "max clients 2.2", lines: []string{`[Thu Nov 21 10:15:02 2024] [error] server reached MaxClients setting, consider raising the MaxClients setting`},
		want: `apache-error apache-max-workers error t=2024-11-21T10:15:02`},
	{name: "scoreboard full", lines: []string{`[Thu Nov 21 10:15:03.000001 2024] [mpm_event:error] [pid 1201:tid 1] AH00485: scoreboard is full, not at MaxRequestWorkers`},
		want: `apache-error apache-scoreboard-full error t=2024-11-21T10:15:03.000001 pid=1201 code=485`},
	{name: "scoreboard serverlimit", lines: []string{`[Thu Nov 21 10:15:03 2024] [mpm_event:error] [pid 1201:tid 1] AH03490: scoreboard is full, not at MaxRequestWorkers.Increase ServerLimit.`},
		want: `apache-error apache-scoreboard-full error t=2024-11-21T10:15:03 pid=1201 code=3490`},
	{name: "child exit signal", lines: []string{`[Thu Nov 21 10:15:04.5 2024] [core:notice] [pid 1201] AH00052: child pid 6697 exit signal Segmentation fault (11)`},
		want: `apache-error apache-child-signal notice t=2024-11-21T10:15:04.5 pid=6697 num=[0 11 0 0] code=52`},
	{name: "child exit signal 2.2", lines: []string{`[Thu Nov 21 10:15:04 2024] [notice] child pid 6698 exit signal Killed (9)`},
		want: `apache-error apache-child-signal notice t=2024-11-21T10:15:04 pid=6698 num=[0 9 0 0]`},
	{name: "resuming", lines: []string{`[Thu Nov 21 10:16:00.000000 2024] [mpm_prefork:notice] [pid 1300] AH00163: Apache/2.4.62 (Debian) configured -- resuming normal operations`},
		want: `apache-error apache-started notice t=2024-11-21T10:16:00 pid=1300 code=163`},
	{name: "sigterm", lines: []string{`[Thu Nov 21 10:15:59.000000 2024] [mpm_prefork:notice] [pid 1201] AH00169: caught SIGTERM, shutting down`},
		want: `apache-error apache-shutdown notice t=2024-11-21T10:15:59 pid=1201 code=169`},
	{name: "graceful", lines: []string{`[Thu Nov 21 10:17:00.000000 2024] [mpm_event:notice] [pid 1300:tid 1] AH00493: SIGUSR1 received.  Doing graceful restart`},
		want: `apache-error apache-graceful notice t=2024-11-21T10:17:00 pid=1300 code=493`},
	{name: "graceful requested", lines: []string{`[Thu Nov 21 10:17:00 2024] [mpm_prefork:notice] [pid 1300] AH00171: Graceful restart requested, doing restart`},
		want: `apache-error apache-graceful notice t=2024-11-21T10:17:00 pid=1300 code=171`},
	{name: "proxy connect", lines: []string{`[Thu Nov 21 10:18:00.1 2024] [proxy:error] [pid 1400:tid 2] (111)Connection refused: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php8.2-fpm.sock (*:80) failed`},
		want: `apache-error other error t=2024-11-21T10:18:00.1 pid=1400 num=[111 0 0 0] code=2454`},
	{name: "proxy backend", lines: []string{`[Thu Nov 21 10:18:00.1 2024] [proxy_fcgi:error] [pid 1400:tid 2] [client 203.0.113.7:50912] AH01079: failed to make connection to backend: httpd-UDS`},
		want: `apache-error apache-proxy-connect error t=2024-11-21T10:18:00.1 pid=1400 code=1079 client="203.0.113.7"`},
	{name: "proxy timeout", lines: []string{`[Thu Nov 21 10:18:01.2 2024] [proxy_fcgi:error] [pid 1400:tid 3] (70007)The timeout specified has expired: [client 203.0.113.8:50913] AH01075: Error dispatching request to : (polling)`},
		want: `apache-error apache-proxy-timeout error t=2024-11-21T10:18:01.2 pid=1400 num=[70007 0 0 0] code=1075 client="203.0.113.8"`, text: "AH01075: Error dispatching request to : (polling)"},
	{name: "fastcgi header", lines: []string{`[Thu Nov 21 10:18:02.3 2024] [proxy_fcgi:error] [pid 1400:tid 4] [client [2001:db8::1]:50914] AH01067: Failed to read FastCGI header, referer: https://shop.example/`},
		want: `apache-error apache-proxy-header error t=2024-11-21T10:18:02.3 pid=1400 code=1067 client="2001:db8::1"`, text: "AH01067: Failed to read FastCGI header"},
	{name: "php too many connections", lines: []string{`[Thu Nov 21 10:18:03.4 2024] [proxy_fcgi:error] [pid 1400:tid 5] [client 203.0.113.9:50915] AH01071: Got error 'PHP message: PHP Warning:  mysqli::__construct(): (HY000/1040): Too many connections in /var/www/db.php on line 12'`},
		want: `apache-error apache-php-message error t=2024-11-21T10:18:03.4 pid=1400 code=1071 php=too-many-connections client="203.0.113.9"`},
	{name: "php lock wait", lines: []string{`[Thu Nov 21 10:18:03.4 2024] [proxy_fcgi:error] [pid 1400:tid 5] [client 203.0.113.9:50915] AH01071: Got error 'PHP message: PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction in /var/www/a.php:3'`},
		want: `apache-error apache-php-message error t=2024-11-21T10:18:03.4 pid=1400 code=1071 php=lock-wait-timeout client="203.0.113.9"`},
	{name: "php deadlock", lines: []string{`[Thu Nov 21 10:18:03.4 2024] [proxy_fcgi:error] [pid 1400:tid 5] [client 203.0.113.9:50915] AH01071: Got error 'PHP message: SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock; try restarting transaction'`},
		want: `apache-error apache-php-message error t=2024-11-21T10:18:03.4 pid=1400 code=1071 php=deadlock client="203.0.113.9"`},
	{name: "primary script unknown", lines: []string{`[Sun Mar 11 08:56:20.913548 2018] [proxy_fcgi:error] [pid 742:tid 140142593419008] [client 192.0.2.106:50900] AH01071: Got error 'Primary script unknown\n'`},
		want: `apache-error apache-php-message error t=2018-03-11T08:56:20.913548 pid=742 code=1071 php=other client="192.0.2.106"`},
	{name: "mod_php error", lines: []string{`[Thu Nov 21 10:18:03.5 2024] [php7:error] [pid 1401] [client 203.0.113.9:50916] PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /var/www/a.php on line 9, referer: https://shop.example/`},
		want: `apache-error apache-php-message error t=2024-11-21T10:18:03.5 pid=1401 php=max-execution-time client="203.0.113.9"`},
	{name: "2.2 client ipv6", lines: []string{`[Thu Jul 11 01:21:44 2013] [error] [client 2001:db8::80da:af6b:8b2c] user test-ipv6 not found: /`},
		want: `apache-error other error t=2013-07-11T01:21:44 client="2001:db8::80da:af6b:8b2c"`},
	{name: "empty module", lines: []string{`[Mon Dec 23 07:49:01.981912 2013] [:error] [pid 3790] [client 204.232.202.107:46301] script '/var/www/timthumb.php' not found or unable to stat`},
		want: `apache-error other error t=2013-12-23T07:49:01.981912 pid=3790 client="204.232.202.107"`},
	{name: "trace level", lines: []string{`[Thu Nov 21 10:18:04 2024] [ssl:trace3] [pid 1] ssl_engine_io.c(2135): OpenSSL: I/O error`},
		want: `apache-error other debug t=2024-11-21T10:18:04 pid=1`},
	{name: "journal wrapped", lines: []string{`Nov 21 10:18:05 web apache2[1201]: [Thu Nov 21 10:18:05.000000 2024] [mpm_prefork:error] [pid 1201] AH00161: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting`},
		want: `apache-error apache-max-workers error t=2024-11-21T10:18:05 pid=1201 code=161 unit="apache2"`},
}

func TestApacheErrorMessages(t *testing.T) { runEventCases(t, newApacheTestReader, apacheCases) }

func TestApacheErrorSkipped(t *testing.T) {
	for _, c := range []struct{ line, reason string }{
		{`66.185.212.172 - - [26/Mar/2009:08:44:20 -0500] "GET /index.php HTTP/1.1" 200 114 "-" "-"`, reasonNotApacheError},
		{`[Thu Nov 21 10:18:05 2024] [loud] hi`, reasonApachePrefix},
		{`[Thu Nov 41 10:18:05 2024] [error] hi`, reasonApachePrefix},
		{`[Thu Nov 21 10:18:05 2024]`, reasonApachePrefix},
		{`Nov 21 10:18:05 web sudo: pam_unix(sudo:session): session opened`, reasonNotApacheError},
	} {
		_, errs := feedLines(newApacheTestReader(), c.line)
		if le, ok := errs[0].(*LineError); !ok || le.Reason != c.reason {
			t.Errorf("%q: %v, want %q", c.line, errs[0], c.reason)
		}
	}
}

func TestApacheErrorAllocs(t *testing.T) {
	r := newApacheErrorReader(testOpts)
	line := []byte(caseLine(apacheCases, "proxy timeout"))
	emit := func(*Event) {}
	if n := testing.AllocsPerRun(200, func() {
		if err := r.Feed(line, 1, emit); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per line, want 0", n)
	}
}

// TestApacheErrorCorpus reads the fail2ban Apache files. Every error-log
// line parses; the only skipped lines are access-log lines (php-url-fopen
// holds nothing else).
func TestApacheErrorCorpus(t *testing.T) {
	for _, c := range []struct {
		file   string
		events int
		lines  int
	}{
		{"fail2ban/apache-auth", 45, 45}, // 4 of them syslog-wrapped without an Apache stamp
		{"fail2ban/apache-overflows", 11, 11},
		{"fail2ban/apache-botsearch", 19, 19},
		{"fail2ban/apache-noscript", 13, 13},
		{"fail2ban/php-url-fopen", 0, 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			lines := readCorpus(t, c.file)
			res := runCorpus(t, newApacheErrorReader(testOpts), lines)
			if res.lines != c.lines || len(res.events) != c.events {
				t.Errorf("%d lines, %d events; want %d, %d; skipped %v", res.lines, len(res.events), c.lines, c.events, res.skipped)
			}
			for num := range res.skipped {
				for _, l := range lines {
					if l.num == num && !strings.Contains(l.text, "] \"") {
						t.Errorf("line %d skipped: %s", num, l.text)
					}
				}
			}
			checkCorpusTimes(t, lines, res)
			t.Logf("%s: %d lines, %d parsed (%.1f%%)", c.file, res.lines, res.lines-len(res.skipped), 100*res.parseRate())
		})
	}
}

func FuzzApacheError(f *testing.F) {
	for _, c := range apacheCases {
		f.Add(c.lines[0])
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := newApacheErrorReader(testOpts)
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
