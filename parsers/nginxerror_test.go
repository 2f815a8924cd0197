package parsers

import (
	"strings"
	"testing"
)

func newNginxTestReader() EventReader { return newNginxErrorReader(testOpts) }

// nginxCases are real-shaped lines for every message of domain.md A.3; the
// benchmark and the fuzz seeds use them too.
var nginxCases = []eventCase{
	{name: "upstream timed out reading", lines: []string{`2024/11/21 10:15:02 [error] 1234#1234: *56789 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 203.0.113.7, server: shop.example, request: "GET /book/123 HTTP/2.0", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "shop.example"`},
		want: `nginx-error nginx-upstream-timeout-read error t=2024-11-21T10:15:02 pid=1234 conn=56789 client="203.0.113.7" server="shop.example" request="GET /book/123 HTTP/2.0" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="shop.example"`,
		text: "upstream timed out (110: Connection timed out) while reading response header from upstream"},
	{name: "upstream timed out connecting tcp", lines: []string{`2024/11/21 10:15:03 [error] 1234#1234: *7 upstream timed out (110: Connection timed out) while connecting to upstream, client: 203.0.113.8, server: shop.example, request: "POST /register HTTP/1.1", upstream: "fastcgi://10.0.0.5:9000", host: "shop.example", referrer: "https://shop.example/"`},
		want: `nginx-error nginx-upstream-timeout-connect error t=2024-11-21T10:15:03 pid=1234 conn=7 client="203.0.113.8" server="shop.example" request="POST /register HTTP/1.1" upstream="fastcgi://10.0.0.5:9000" host="shop.example"`},
	{name: "backlog full on unix socket", lines: []string{`2024/11/21 10:15:04 [error] 1235#1235: *901 connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 198.51.100.1, server: _, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.org"`},
		want: `nginx-error nginx-connect-backlog error t=2024-11-21T10:15:04 pid=1235 num=[11 0 0 0] conn=901 client="198.51.100.1" server="_" request="GET / HTTP/1.1" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="example.org"`},
	{name: "connection refused", lines: []string{`2024/11/21 10:15:05 [error] 1235#1235: *902 connect() to unix:/run/php/php8.2-fpm.sock failed (111: Connection refused) while connecting to upstream, client: 198.51.100.2, server: example.org, request: "GET /a HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.org"`},
		want: `nginx-error nginx-connect-refused error t=2024-11-21T10:15:05 pid=1235 num=[111 0 0 0] conn=902 client="198.51.100.2" server="example.org" request="GET /a HTTP/1.1" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="example.org"`},
	{name: "socket gone", lines: []string{`2024/11/21 10:15:06 [crit] 1235#1235: *903 connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory) while connecting to upstream, client: 198.51.100.3, server: example.org, request: "GET /b HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.org"`},
		want: `nginx-error nginx-connect-no-socket critical t=2024-11-21T10:15:06 pid=1235 num=[2 0 0 0] conn=903 client="198.51.100.3" server="example.org" request="GET /b HTTP/1.1" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="example.org"`},
	{name: "permission denied", lines: []string{`2024/11/21 10:15:07 [crit] 1235#1235: *904 connect() to unix:/run/php/php8.2-fpm.sock failed (13: Permission denied) while connecting to upstream, client: 198.51.100.4, server: example.org, request: "GET /c HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.org"`},
		want: `nginx-error nginx-connect-permission critical t=2024-11-21T10:15:07 pid=1235 num=[13 0 0 0] conn=904 client="198.51.100.4" server="example.org" request="GET /c HTTP/1.1" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="example.org"`},
	{name: "no route to host", lines: []string{`2024/11/21 10:15:08 [error] 99#99: *1 connect() to 10.0.0.5:9000 failed (113: No route to host) while connecting to upstream, client: 192.0.2.9, server: api, request: "GET /v1 HTTP/1.1", upstream: "fastcgi://10.0.0.5:9000", host: "api"`},
		want: `nginx-error nginx-connect-other error t=2024-11-21T10:15:08 pid=99 num=[113 0 0 0] conn=1 client="192.0.2.9" server="api" request="GET /v1 HTTP/1.1" upstream="fastcgi://10.0.0.5:9000" host="api"`},
	{name: "no live upstreams", lines: []string{`2024/11/21 10:15:09 [error] 99#99: *2 no live upstreams while connecting to upstream, client: 192.0.2.9, server: api, request: "GET /v1 HTTP/1.1", upstream: "fastcgi://php", host: "api"`},
		want: `nginx-error nginx-no-live-upstreams error t=2024-11-21T10:15:09 pid=99 conn=2 client="192.0.2.9" server="api" request="GET /v1 HTTP/1.1" upstream="fastcgi://php" host="api"`},
	{name: "upstream prematurely closed", lines: []string{`2024/11/21 10:15:10 [error] 99#99: *3 upstream prematurely closed FastCGI stdout while reading response header from upstream, client: 192.0.2.10, server: api, request: "POST /pay HTTP/1.1", upstream: "fastcgi://unix:/run/php/php-fpm.sock:", host: "api"`},
		want: `nginx-error nginx-premature-close error t=2024-11-21T10:15:10 pid=99 conn=3 client="192.0.2.10" server="api" request="POST /pay HTTP/1.1" upstream="fastcgi://unix:/run/php/php-fpm.sock:" host="api"`},
	{name: "connection reset by upstream", lines: []string{`2024/11/21 10:15:11 [error] 99#99: *4 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 192.0.2.11, server: api, request: "GET / HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "api"`},
		want: `nginx-error nginx-conn-reset error t=2024-11-21T10:15:11 pid=99 conn=4 client="192.0.2.11" server="api" request="GET / HTTP/1.1" upstream="fastcgi://127.0.0.1:9000" host="api"`},
	{name: "worker connections alert", lines: []string{`2024/11/21 10:15:12 [alert] 100#100: 1024 worker_connections are not enough`},
		want: `nginx-error nginx-worker-conns alert t=2024-11-21T10:15:12 pid=100`},
	{name: "worker connections reusing", lines: []string{`2024/11/21 10:15:12 [warn] 100#100: 1024 worker_connections are not enough, reusing connections`},
		want: `nginx-error nginx-worker-conns warning t=2024-11-21T10:15:12 pid=100`},
	{name: "too many open files", lines: []string{`2024/11/21 10:15:13 [crit] 100#100: accept4() failed (24: Too many open files)`},
		want: `nginx-error nginx-too-many-files critical t=2024-11-21T10:15:13 pid=100 num=[24 0 0 0]`},
	{name: "limiting requests", lines: []string{`2015/10/29 20:01:02 [error] 256554#0: *99927 limiting requests, excess: 1.852 by zone "one", client: 1.2.3.4, server: example.com, request: "POST /index.htm HTTP/1.0", host: "exmaple.com"`},
		want: `nginx-error nginx-limit-req error t=2015-10-29T20:01:02 pid=256554 num=[1852 0 0 0] conn=99927 client="1.2.3.4" server="example.com" request="POST /index.htm HTTP/1.0" host="exmaple.com"`},
	{name: "delaying request", lines: []string{`2025/08/01 04:24:17 [warn] 4772#4772: *68 delaying request, excess: 0.841, by zone "req_limit", client: 206.189.215.97, server: myserver.net, request: "GET /ab2h HTTP/1.1", host: "22.18.134.49"`},
		want: `nginx-error nginx-limit-req warning t=2025-08-01T04:24:17 pid=4772 num=[841 1 0 0] conn=68 client="206.189.215.97" server="myserver.net" request="GET /ab2h HTTP/1.1" host="22.18.134.49"`},
	{name: "limiting connections", lines: []string{`2025/08/03 03:17:28 [error] 25808#25808: *598 limiting connections by zone "conn_limit", client: 128.199.22.141, server: myserver.net, request: "GET /favicon.ico HTTP/1.1", host: "84.108.142.49", referrer: "https://xxx.com/"`},
		want: `nginx-error nginx-limit-conn error t=2025-08-03T03:17:28 pid=25808 conn=598 client="128.199.22.141" server="myserver.net" request="GET /favicon.ico HTTP/1.1" host="84.108.142.49"`},
	{name: "client closed", lines: []string{`2024/11/21 10:15:14 [info] 100#100: *77 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream, client: 192.0.2.12, server: api, request: "GET /slow HTTP/1.1", upstream: "fastcgi://unix:/run/php/php-fpm.sock:", host: "api"`},
		want: `nginx-error nginx-client-closed info t=2024-11-21T10:15:14 pid=100 conn=77 client="192.0.2.12" server="api" request="GET /slow HTTP/1.1" upstream="fastcgi://unix:/run/php/php-fpm.sock:" host="api"`},
	{name: "php too many connections", lines: []string{`2024/11/21 10:15:15 [error] 123#123: *4567 FastCGI sent in stderr: "PHP message: PHP Warning:  mysqli::__construct(): (HY000/1040): Too many connections in /var/www/db.php on line 12" while reading response header from upstream, client: 203.0.113.9, server: shop, request: "POST /register HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "shop"`},
		want: `nginx-error nginx-php-message error t=2024-11-21T10:15:15 pid=123 conn=4567 php=too-many-connections client="203.0.113.9" server="shop" request="POST /register HTTP/1.1" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="shop"`},
	{name: "php gone away multi-line", lines: []string{
		`2024/11/21 10:15:16 [error] 123#123: *4568 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000]: General error: 2006 MySQL server has gone away in /var/www/db.php:40`,
		`Stack trace:`,
		`#0 /var/www/db.php(40): PDO->query()`,
		`#1 {main}`,
		`  thrown in /var/www/db.php on line 40" while reading response header from upstream, client: 203.0.113.10, server: shop, request: "GET /book/7 HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "shop"`},
		want: `nginx-error nginx-php-message error t=2024-11-21T10:15:16 pid=123 conn=4568 php=db-gone-away client="203.0.113.10" server="shop" request="GET /book/7 HTTP/1.1" upstream="fastcgi://unix:/run/php/php8.2-fpm.sock:" host="shop" lines=5`},
	{name: "php max execution time", lines: []string{`2024/11/21 10:15:17 [error] 123#123: *4569 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /var/www/lib/Http.php on line 88" while reading upstream, client: 203.0.113.11, server: shop, request: "GET /feed HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "shop"`},
		want: `nginx-error nginx-php-message error t=2024-11-21T10:15:17 pid=123 conn=4569 php=max-execution-time client="203.0.113.11" server="shop" request="GET /feed HTTP/1.1" upstream="fastcgi://127.0.0.1:9000" host="shop"`},
	{name: "php memory exhausted", lines: []string{`2024/11/21 10:15:18 [error] 123#123: *4570 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/x.php on line 3" while reading response header from upstream, client: 203.0.113.12, server: shop, request: "GET /x HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "shop"`},
		want: `nginx-error nginx-php-message error t=2024-11-21T10:15:18 pid=123 conn=4570 php=memory-exhausted client="203.0.113.12" server="shop" request="GET /x HTTP/1.1" upstream="fastcgi://127.0.0.1:9000" host="shop"`},
	{name: "signal received", lines: []string{`2024/11/21 10:20:00 [notice] 1#1: signal 1 (SIGHUP) received from 4321, reconfiguring`},
		want: `nginx-error nginx-signal notice t=2024-11-21T10:20:00 pid=1 num=[1 0 0 0]`},
	{name: "reconfiguring", lines: []string{`2024/11/21 10:20:00 [notice] 1#1: reconfiguring`},
		want: `nginx-error nginx-reconfiguring notice t=2024-11-21T10:20:00 pid=1`},
	{name: "gracefully shutting down", lines: []string{`2024/11/21 10:20:01 [notice] 1201#1201: gracefully shutting down`},
		want: `nginx-error nginx-shutting-down notice t=2024-11-21T10:20:01 pid=1201`},
	{name: "worker exited on signal", lines: []string{`2024/11/21 10:20:02 [alert] 1#1: worker process 1201 exited on signal 9`},
		want: `nginx-error nginx-worker-exited alert t=2024-11-21T10:20:02 pid=1201 num=[-1 9 0 0]`},
	{name: "worker exited with code", lines: []string{`2024/11/21 10:20:02 [notice] 1#1: worker process 1202 exited with code 0`},
		want: `nginx-error nginx-worker-exited notice t=2024-11-21T10:20:02 pid=1202`},
	{name: "start worker process", lines: []string{`2024/11/21 10:20:03 [notice] 1#1: start worker process 1301`},
		want: `nginx-error nginx-start-worker notice t=2024-11-21T10:20:03 pid=1301`},
	{name: "other with ipv6 client", lines: []string{`2016/09/30 08:36:06 [error] 22923#0: *4758725916 open() "/var/www/x" failed (2: No such file or directory), client: 2001:db8::80da:af6b:8b2c, server: example.com, request: "GET / HTTP/1.1", host: "example.com"`},
		want: `nginx-error other error t=2016-09-30T08:36:06 pid=22923 conn=4758725916 client="2001:db8::80da:af6b:8b2c" server="example.com" request="GET / HTTP/1.1" host="example.com"`},
	{name: "empty server and injected request", lines: []string{`2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443"`},
		want: `nginx-error other error t=2014-04-03T22:20:40 pid=30708 conn=3 client="192.0.2.2" request="GET / HTTP/1.1" host="localhost:8443"`},
	{name: "journal wrapped", lines: []string{`Nov 21 10:15:20 web nginx[983479]: 2024/11/21 10:15:20 [notice] 983479#983479: *22174 limiting requests, excess: 1.495 by zone "one", client: 192.0.2.2, server: example.com, request: "GET /index.htm HTTP/1.1", host: "example.com"`},
		want: `nginx-error nginx-limit-req notice t=2024-11-21T10:15:20 pid=983479 num=[1495 0 0 0] conn=22174 unit="nginx" client="192.0.2.2" server="example.com" request="GET /index.htm HTTP/1.1" host="example.com"`},
	{name: "stderr under systemd", lines: []string{`Nov 21 10:15:21 web nginx[77]: nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)`},
		want: `nginx-error other emergency t=2024-11-21T10:15:21 unit="nginx"`, text: "bind() to 0.0.0.0:80 failed (98: Address already in use)"},
	{name: "docker compose", lines: []string{`web-1  | 2024/11/21 10:15:22 [error] 29#29: *5 no live upstreams while connecting to upstream, client: 172.18.0.1, server: localhost, request: "GET / HTTP/1.1", upstream: "http://backend/", host: "localhost:8080"`},
		want: `nginx-error nginx-no-live-upstreams error t=2024-11-21T10:15:22 pid=29 conn=5 client="172.18.0.1" server="localhost" request="GET / HTTP/1.1" upstream="http://backend/" host="localhost:8080"`},
	{name: "crlf", lines: []string{"2024/11/21 10:15:23 [notice] 1#1: reconfiguring\r"},
		want: `nginx-error nginx-reconfiguring notice t=2024-11-21T10:15:23 pid=1`},
}

func TestNginxErrorMessages(t *testing.T) { runEventCases(t, newNginxTestReader, nginxCases) }

func TestNginxErrorSkipped(t *testing.T) {
	for _, c := range []struct{ name, line, reason string }{
		{"access line", `1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "GET / HTTP/1.1" 404 47 "-" "-"`, reasonNotNginxError},
		{"empty", ``, reasonNotNginxError},
		{"bad level", `2024/11/21 10:15:02 [loud] 1#1: hi`, reasonNginxPrefix},
		{"no pid", `2024/11/21 10:15:02 [error] hello`, reasonNginxPrefix},
		{"bad month", `2024/13/21 10:15:02 [error] 1#1: hi`, reasonNginxPrefix},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs, errs := feedLines(newNginxTestReader(), c.line)
			le, ok := errs[0].(*LineError)
			if !ok || le.Reason != c.reason {
				t.Fatalf("error %v, want reason %q", errs[0], c.reason)
			}
			if len(evs) != 0 {
				t.Errorf("got events %v", evs)
			}
		})
	}
}

func TestNginxErrorContinuationAfterRecord(t *testing.T) {
	evs, errs := feedLines(newNginxTestReader(),
		`2024/11/21 10:15:02 [notice] 1#1: reconfiguring`,
		`2024/11/21 10:15:03 [error] 2#2: *9 FastCGI sent in stderr: "PHP message: PHP Warning:  a`,
		`PHP message: PHP Warning:  SQLSTATE[HY000] [1040] Too many connections" while reading response header from upstream, client: 1.1.1.1, server: s, request: "GET / HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "h"`,
		`2024/11/21 10:15:04 [notice] 1#1: reconfiguring`)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	if len(evs) != 3 || evs[1].Lines != 2 || evs[1].PHP != PHPTooManyConns || string(evs[1].Client) != "1.1.1.1" || evs[2].Lines != 1 {
		t.Fatalf("events: %v", evs)
	}
	if !strings.Contains(string(evs[1].Text), "a\nPHP message") {
		t.Errorf("text %q does not keep the line break", evs[1].Text)
	}
}

func TestNginxErrorRecordCap(t *testing.T) {
	r := newNginxErrorReader(testOpts)
	emit := func(*Event) {}
	if err := r.Feed([]byte(`2024/11/21 10:15:02 [error] 1#1: *1 FastCGI sent in stderr: "PHP message: x`), 1, emit); err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("y", 1000))
	skipped := 0
	for i := range 200 {
		if err := r.Feed(chunk, int64(i+2), emit); err != nil {
			if le, ok := err.(*LineError); !ok || le.Reason != reasonNginxTooLong {
				t.Fatalf("line %d: %v", i+2, err)
			}
			skipped++
		}
	}
	if skipped != 200-65 || len(r.buf) >= maxRecordBytes {
		t.Errorf("skipped %d continuation lines, buffer %d bytes", skipped, len(r.buf))
	}
}

func TestNginxErrorAllocs(t *testing.T) {
	r := newNginxErrorReader(testOpts)
	line := []byte(caseLine(nginxCases, "backlog full on unix socket"))
	emit := func(*Event) {}
	r.Feed(line, 1, emit)
	if n := testing.AllocsPerRun(200, func() {
		if err := r.Feed(line, 2, emit); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per valid line, want 0", n)
	}
}

// TestNginxErrorCorpus reads the fail2ban nginx files: every nginx error
// line parses with its failJSON time; the access-log lines in
// nginx-botsearch are the only skipped ones.
func TestNginxErrorCorpus(t *testing.T) {
	for _, c := range []struct {
		file     string
		events   int  // one per parsed line: none of these is multi-line
		accessOK bool // skipped lines are access-log lines
	}{
		{"fail2ban/nginx-limit-req", 9, false},
		{"fail2ban/nginx-http-auth", 18, false},
		{"fail2ban/nginx-forbidden", 2, false},
		{"fail2ban/nginx-botsearch", 6, true}, // 8 access-log lines are not error lines
	} {
		t.Run(c.file, func(t *testing.T) {
			lines := readCorpus(t, c.file)
			res := runCorpus(t, newNginxErrorReader(testOpts), lines)
			if len(res.events) != c.events || res.lines-len(res.skipped) != c.events {
				t.Errorf("%d events from %d parsed lines, want %d; skipped %v", len(res.events), res.lines-len(res.skipped), c.events, res.skipped)
			}
			for num, reason := range res.skipped {
				for _, l := range lines {
					if l.num == num && !(c.accessOK && strings.Contains(l.text, "] \"")) {
						t.Errorf("line %d skipped (%s): %s", num, reason, l.text)
					}
				}
			}
			checkCorpusTimes(t, lines, res)
			t.Logf("%s: %d lines, %d parsed (%.1f%%), %d events", c.file, res.lines, res.lines-len(res.skipped), 100*res.parseRate(), len(res.events))
		})
	}
}

func TestNginxErrorCorpusKinds(t *testing.T) {
	res := runCorpus(t, newNginxErrorReader(testOpts), readCorpus(t, "fail2ban/nginx-limit-req"))
	count := map[EventType]int{}
	for _, e := range res.events {
		count[e.Type]++
	}
	if count[NginxLimitReq] != 7 || count[NginxLimitConn] != 2 {
		t.Errorf("limit_req %d (want 7), limit_conn %d (want 2): %v", count[NginxLimitReq], count[NginxLimitConn], count)
	}
}

func FuzzNginxError(f *testing.F) {
	for _, c := range nginxCases {
		f.Add(strings.Join(c.lines, "\n"))
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := newNginxErrorReader(testOpts)
		input := []byte(in)
		emit := func(e *Event) {
			if !fieldsFromInput(e, input) {
				t.Fatalf("event fields not from the input: %v", describe(*e))
			}
		}
		for i, l := range strings.Split(in, "\n") {
			r.Feed([]byte(l), int64(i+1), emit)
		}
		r.Flush(emit)
	})
}
