package parsers

import (
	"strings"
	"testing"
)

func newSyslogTestReader() EventReader { return newSyslogRouter(testOpts) }

// kernelCases are kernel and systemd lines as syslog and `journalctl`
// print them: the four OOM wordings, the memory cgroup, comms with spaces
// and parentheses, the OOM task table, systemd unit results and the start
// and stop of the web stack's units.
var kernelCases = []eventCase{
	{name: "oom killed 5.x", lines: []string{`Nov 21 10:15:02 web kernel: [12345.678901] Out of memory: Killed process 4242 (php-fpm8.2) total-vm:512000kB, anon-rss:204800kB, file-rss:1024kB, shmem-rss:0kB, UID:33 pgtables:800kB oom_score_adj:0`},
		want: `kernel kernel-oom-kill error t=2024-11-21T10:15:02 pid=4242 num=[204800 512000 0 0] unit="kernel"`, text: "php-fpm8.2"},
	{name: "oom memory cgroup", lines: []string{`Nov 21 10:15:03 web kernel: Memory cgroup out of memory: Killed process 5151 (mysqld) total-vm:2048000kB, anon-rss:1024000kB, file-rss:0kB, shmem-rss:0kB, UID:999 pgtables:3000kB oom_score_adj:0`},
		want: `kernel kernel-oom-kill error t=2024-11-21T10:15:03 pid=5151 num=[1024000 2048000 1 0] unit="kernel"`, text: "mysqld"},
	{name: "oom old selection is not a kill", lines: []string{`Nov 21 10:15:04 web kernel: [ 9999.1] Out of memory: Kill process 6161 (php-fpm: pool www) score 312 or sacrifice child`},
		want: `kernel other unknown t=2024-11-21T10:15:04 pid=6161 unit="kernel"`, text: "php-fpm: pool www"},
	{name: "oom old killed line", lines: []string{`Nov 21 10:15:04 web kernel: [ 9999.2] Killed process 6161 (php-fpm: pool www) total-vm:400000kB, anon-rss:150000kB, file-rss:200kB`},
		want: `kernel kernel-oom-kill error t=2024-11-21T10:15:04 pid=6161 num=[150000 400000 0 0] unit="kernel"`, text: "php-fpm: pool www"},
	{name: "oom allocating task", lines: []string{`Nov 21 10:15:05 web kernel: Out of memory (oom_kill_allocating_task): Killed process 7171 (a (b) c) total-vm:1kB, anon-rss:2kB, file-rss:0kB, shmem-rss:0kB`},
		want: `kernel kernel-oom-kill error t=2024-11-21T10:15:05 pid=7171 num=[2 1 0 0] unit="kernel"`, text: "a (b) c"},
	{name: "invoked", lines: []string{`Nov 21 10:15:01 web kernel: php-fpm8.2 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0`},
		want: `kernel kernel-oom-invoked warning t=2024-11-21T10:15:01 unit="kernel"`, text: "php-fpm8.2"},
	{name: "constraint", lines: []string{`Nov 21 10:15:02 web kernel: oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/php8.2-fpm.service,task=php-fpm8.2,pid=4242,uid=33`},
		want: `kernel kernel-oom-constraint warning t=2024-11-21T10:15:02 pid=4242 unit="php8.2-fpm.service"`, text: "php-fpm8.2"},
	{name: "oom table header", lines: []string{`Nov 21 10:15:02 web kernel: [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name`},
		want: `kernel other unknown t=2024-11-21T10:15:02 unit="kernel"`},
	{name: "oom table row", lines: []string{`Nov 21 10:15:02 web kernel: [   4242]    33  4242   128000    51200   819200        0             0 php-fpm8.2`},
		want: `kernel other unknown t=2024-11-21T10:15:02 unit="kernel"`},
	{name: "reaped", lines: []string{`Nov 21 10:15:02 web kernel: oom_reaper: reaped process 4242 (php-fpm8.2), now anon-rss:0kB, file-rss:0kB, shmem-rss:4kB`},
		want: `kernel kernel-oom-reaped warning t=2024-11-21T10:15:02 pid=4242 unit="kernel"`, text: "php-fpm8.2"},
	{name: "systemd oom killed", lines: []string{`Nov 21 10:15:02 web systemd[1]: php8.2-fpm.service: A process of this unit has been killed by the OOM killer.`},
		want: `kernel systemd-oom-killed warning t=2024-11-21T10:15:02 unit="php8.2-fpm.service"`},
	{name: "systemd-oomd in the unit", lines: []string{`Nov 21 10:15:02 web systemd[1]: php8.2-fpm.service: systemd-oomd killed 12 process(es) in this unit.`},
		want: `kernel systemd-oom-killed warning t=2024-11-21T10:15:02 unit="php8.2-fpm.service"`},
	{name: "systemd-oomd daemon", lines: []string{`Nov 21 10:15:02 web systemd-oomd[500]: Killed /system.slice/php8.2-fpm.service due to memory pressure for /system.slice being 81.23% > 80.00% for > 20s with reclaim activity`},
		want: `kernel systemd-oom-killed warning t=2024-11-21T10:15:02 unit="php8.2-fpm.service"`},
	{name: "systemd main killed", lines: []string{`Nov 21 10:15:02 web systemd[1]: mariadb.service: Main process exited, code=killed, status=9/KILL`},
		want: `kernel systemd-main-exited warning t=2024-11-21T10:15:02 num=[-1 9 0 0] unit="mariadb.service"`},
	{name: "systemd main exited code", lines: []string{`Nov 21 10:15:02 web systemd[1]: php8.2-fpm.service: Main process exited, code=exited, status=78/CONFIG`},
		want: `kernel systemd-main-exited warning t=2024-11-21T10:15:02 num=[78 0 0 0] unit="php8.2-fpm.service"`},
	{name: "systemd failed oom", lines: []string{`Nov 21 10:15:02 web systemd[1]: php8.2-fpm.service: Failed with result 'oom-kill'.`},
		want: `kernel systemd-failed error t=2024-11-21T10:15:02 unit="php8.2-fpm.service"`, text: "oom-kill"},
	{name: "systemd old failed state", lines: []string{`Nov 21 10:15:02 web systemd[1]: Unit mysql.service entered failed state.`},
		want: `kernel systemd-failed error t=2024-11-21T10:15:02 unit="mysql.service"`},
	{name: "systemd starting new", lines: []string{`Nov 21 10:16:00 web systemd[1]: Starting php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...`},
		want: `kernel systemd-starting info t=2024-11-21T10:16:00 unit="php8.2-fpm.service"`},
	{name: "systemd started old", lines: []string{`Nov 21 10:16:01 web systemd[1]: Started The PHP 8.2 FastCGI Process Manager.`},
		want: `kernel systemd-started info t=2024-11-21T10:16:01 unit="The PHP 8.2 FastCGI Process Manager"`},
	{name: "systemd stopping nginx", lines: []string{`Nov 21 10:16:02 web systemd[1]: Stopping nginx.service - A high performance web server and a reverse proxy server...`},
		want: `kernel systemd-stopping info t=2024-11-21T10:16:02 unit="nginx.service"`},
	{name: "systemd stopped mariadb", lines: []string{`Nov 21 10:16:03 web systemd[1]: Stopped MariaDB 10.11.6 database server.`},
		want: `kernel systemd-stopped info t=2024-11-21T10:16:03 unit="MariaDB 10.11.6 database server"`},
	{name: "systemd session is other", lines: []string{`Nov 21 10:16:04 web systemd[1]: Started Session 42 of User root.`},
		want: `kernel other unknown t=2024-11-21T10:16:04 unit="systemd"`},
	{name: "journal short-iso", lines: []string{`2024-11-21T10:15:02+0100 web kernel: Out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB`},
		want: `kernel kernel-oom-kill error t=2024-11-21T09:15:02 pid=1 num=[1 1 0 0] unit="kernel"`},
	{name: "rsyslog precise", lines: []string{`2024-11-21T10:15:02.250000+00:00 web systemd[1]: nginx.service: Main process exited, code=killed, status=9/KILL`},
		want: `kernel systemd-main-exited warning t=2024-11-21T10:15:02.25 num=[-1 9 0 0] unit="nginx.service"`},
	{name: "other program", lines: []string{`Nov  3 09:47:02 veridian sudo: timstack : TTY=pts/6 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/tail`},
		want: `kernel other unknown t=2024-11-03T09:47:02 unit="sudo"`},
	{name: "routed php-fpm", lines: []string{`Nov 21 10:15:02 web php-fpm8.2[1201]: [WARNING] [pool www] server reached pm.max_children setting (5), consider raising it`},
		want: `fpm fpm-max-children warning t=2024-11-21T10:15:02 num=[5 0 0 0] pool="www" unit="php-fpm8.2"`},
	{name: "routed nginx", lines: []string{`Nov 21 10:15:02 web nginx[77]: 2024/11/21 10:15:02 [error] 77#77: *1 no live upstreams while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "fastcgi://php", host: "a"`},
		want: `nginx-error nginx-no-live-upstreams error t=2024-11-21T10:15:02 pid=77 conn=1 unit="nginx" client="1.2.3.4" server="a" request="GET / HTTP/1.1" upstream="fastcgi://php" host="a"`},
	{name: "routed apache", lines: []string{`Nov 21 10:15:02 web apache2[9]: [mpm_prefork:error] [pid 9] AH00161: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting`},
		want: `apache-error apache-max-workers error t=2024-11-21T10:15:02 pid=9 code=161 unit="apache2"`},
}

func TestKernelSyslogMessages(t *testing.T) { runEventCases(t, newSyslogTestReader, kernelCases) }

func TestSyslogRoutesMySQL(t *testing.T) {
	evs, errs := feedLines(newSyslogTestReader(),
		`Oct 21 10:45:59 srv mariadbd[1273]: 2023-10-21 10:45:59 0 [Note] /usr/sbin/mariadbd: ready for connections.`,
		`Oct 21 10:45:59 srv mariadbd[1273]: Version: '10.11.6-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12`,
		`Oct 21 10:46:00 srv kernel: Out of memory: Killed process 1273 (mariadbd) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB`)
	for i, err := range errs {
		if err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}
	kinds := map[Kind]int{}
	for _, e := range evs {
		kinds[e.Kind]++
	}
	if kinds[KindMySQLError] == 0 || kinds[KindKernel] != 1 {
		t.Errorf("kinds %v; events %v", kinds, evs)
	}
}

func TestSyslogSkipped(t *testing.T) {
	evs, errs := feedLines(newSyslogTestReader(),
		`-- Logs begin at Thu 2024-11-21 00:00:01 CET, end at Thu 2024-11-21 12:00:00 CET. --`,
		`hello world`,
		`2024/11/21 10:15:02 [error] 1#1: bare nginx line`,
		`-- Boot 0dc874d3fbd44bdbb6fbcfaa27481492 --`)
	if errs[0] != nil || errs[3] != nil || len(evs) != 0 {
		t.Errorf("journal meta lines: %v %v, %d events", errs[0], errs[3], len(evs))
	}
	for _, i := range []int{1, 2} {
		if le, ok := errs[i].(*LineError); !ok || le.Reason != reasonNotSyslog {
			t.Errorf("line %d: %v", i+1, errs[i])
		}
	}
}

func TestDmesg(t *testing.T) {
	evs, errs := feedLines(newDmesgReader(testOpts),
		`[12345.678901] Out of memory: Killed process 4242 (php-fpm8.2) total-vm:512000kB, anon-rss:204800kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:800kB oom_score_adj:0`,
		`[12345.600000] [   4242]    33  4242   128000    51200   819200        0             0 php-fpm8.2`,
		`[Thu Nov 21 10:15:02 2024] Memory cgroup out of memory: Killed process 5151 (mysqld) total-vm:2kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB`,
		`kern  :err   : something`)
	want := []string{
		`kernel kernel-oom-kill error uptime=3h25m45.678901s pid=4242 num=[204800 512000 0 0]`,
		`kernel other unknown uptime=3h25m45.6s`,
		`kernel kernel-oom-kill error t=2024-11-21T10:15:02 pid=5151 num=[1 2 1 0]`,
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events: %v", len(evs), evs)
	}
	for i, w := range want {
		if got := describe(evs[i]); got != w {
			t.Errorf("got  %s\nwant %s", got, w)
		}
	}
	if le, ok := errs[3].(*LineError); !ok || le.Reason != reasonNotDmesg {
		t.Errorf("line 4: %v", errs[3])
	}
}

func TestKernelAllocs(t *testing.T) {
	for name, c := range map[string]struct {
		r    EventReader
		line string
	}{
		"syslog kernel":  {newSyslogRouter(testOpts), caseLine(kernelCases, "oom killed 5.x")},
		"syslog systemd": {newSyslogRouter(testOpts), caseLine(kernelCases, "systemd main killed")},
		"syslog fpm":     {newSyslogRouter(testOpts), caseLine(kernelCases, "routed php-fpm")},
		"dmesg":          {newDmesgReader(testOpts), `[12345.678901] Out of memory: Killed process 4242 (php-fpm8.2) total-vm:512000kB, anon-rss:204800kB`},
	} {
		line := []byte(c.line)
		emit := func(*Event) {}
		c.r.Feed(line, 1, emit)
		if n := testing.AllocsPerRun(200, func() {
			if err := c.r.Feed(line, 1, emit); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per line, want 0", name, n)
		}
	}
}

// TestSyslogCorpusNoOOM reads lnav's syslog files: negative controls with
// no OOM kill. Every line of them is a well-formed syslog line, including
// logfile_bad_syslog.0's untagged "veridian lookup for opt failed" and the
// "--- last message repeated 2 times ---" marker.
func TestSyslogCorpusNoOOM(t *testing.T) {
	for _, file := range []string{"lnav/logfile_syslog.0", "lnav/logfile_bad_syslog.0", "lnav/logfile_syslog_with_access_log.0", "lnav/logfile_syslog_with_mixed_times.0"} {
		t.Run(file, func(t *testing.T) {
			lines := readCorpus(t, file)
			res := runCorpus(t, newSyslogRouter(testOpts), lines)
			if len(res.skipped) != 0 {
				t.Errorf("skipped %v", res.skipped)
			}
			if len(res.events) != res.lines {
				t.Errorf("%d events for %d lines", len(res.events), res.lines)
			}
			for _, e := range res.events {
				if e.Type != EventOther || e.Kind != KindKernel {
					t.Errorf("classified %s", describe(e))
				}
			}
			t.Logf("%s: %d lines, %d parsed (%.1f%%), no OOM", file, res.lines, res.lines-len(res.skipped), 100*res.parseRate())
		})
	}
}

func FuzzSyslog(f *testing.F) {
	for _, c := range kernelCases {
		f.Add(c.lines[0])
	}
	f.Fuzz(func(t *testing.T, in string) {
		input := []byte(in)
		check := func(e *Event) {
			if !fieldsFromInput(e, input) {
				t.Fatalf("event fields not from the input: %v", describe(*e))
			}
		}
		for _, r := range []EventReader{newSyslogRouter(testOpts), newDmesgReader(testOpts)} {
			for _, l := range strings.Split(in, "\n") {
				r.Feed([]byte(l), 1, check)
			}
			r.Flush(check)
		}
	})
}
