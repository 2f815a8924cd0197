package simulate

import (
	"strconv"
	"time"
)

// syslogLine writes "Nov 21 10:15:02 web1 prog: msg" in local time.
func (s *sim) syslogLine(prog, msg string) {
	b := s.out.line[:0]
	b = append(b, s.out.syslog.get(s.now)...)
	b = append(b, ' ')
	b = append(b, s.hostname...)
	b = append(b, ' ')
	b = append(b, prog...)
	b = append(b, ": "...)
	b = append(b, msg...)
	s.out.emit(outSyslog, b)
}

// kernelLine writes a kernel ring-buffer line as rsyslog stores it, with
// the seconds-since-boot stamp inside.
func (s *sim) kernelLine(msg string) {
	b := s.out.line[:0]
	b = append(b, s.out.syslog.get(s.now)...)
	b = append(b, ' ')
	b = append(b, s.hostname...)
	b = append(b, " kernel: ["...)
	b = appFrac(b, s.now-s.bootNS, 6)
	b = append(b, "] "...)
	b = append(b, msg...)
	s.out.emit(outSyslog, b)
}

// cron writes the periodic background lines of a healthy host.
func (s *sim) cron() {
	c := s.clock(s.now)
	m := int(c.Minutes()) % 60
	if int64(c)%int64(time.Minute) >= 1e9 {
		return
	}
	pid := strconv.Itoa(20000 + s.rng.IntN(40000))
	if m%5 == 0 {
		s.syslogLine("CRON["+pid+"]", "(www-data) CMD (php /var/www/site/bin/cron.php >/dev/null 2>&1)")
	}
	if m%10 == 5 {
		s.syslogLine("CRON["+strconv.Itoa(20000+s.rng.IntN(40000))+"]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)")
	}
	if m == 17 {
		s.syslogLine("CRON["+strconv.Itoa(20000+s.rng.IntN(40000))+"]", "(root) CMD (cd / && run-parts --report /etc/cron.hourly)")
	}
}

// memoryMB is what the machine holds resident now.
func (s *sim) memoryMB() float64 {
	used := 300.0 // kernel, nginx, sshd, page tables
	if s.db.up || s.db.stopping {
		used += s.db.rssMB
	}
	for k := range s.fpm.w {
		if s.fpm.w[k].alive {
			used += float64(s.fpm.w[k].rssKB) / 1024
		}
	}
	return used
}

// checkMemory runs the OOM killer when resident memory exceeds RAM.
func (s *sim) checkMemory() {
	if s.db.up && s.db.cold && s.db.rssMB < float64(s.o.MySQLRSSMB) {
		s.db.rssMB += float64(s.o.MySQLRSSMB) * 0.55 / 300 // the buffer pool warms up
	}
	used := s.memoryMB()
	for guard := 0; guard < 8 && used > float64(s.o.RAMMB); guard++ {
		// victim: the largest resident process (oom_score_adj 0 for all)
		victim, vrss := -1, 0.0
		if s.db.up {
			vrss = s.db.rssMB
		}
		for k := range s.fpm.w {
			w := &s.fpm.w[k]
			if w.alive && float64(w.rssKB)/1024 > vrss {
				victim, vrss = k, float64(w.rssKB)/1024
			}
		}
		if victim < 0 && !s.db.up {
			return
		}
		s.sec(s.now).memSat = true
		if victim >= 0 {
			w := &s.fpm.w[victim]
			s.oomLines("php-fpm8.2", w.pid, 33, w.rssKB, "/system.slice/php8.2-fpm.service")
			s.syslogLine("systemd[1]", "php8.2-fpm.service: A process of this unit has been killed by the OOM killer.")
			s.noteRestart("php-fpm", "oom", true)
			s.killWorker(victim, 9, true, true)
			if s.fpm.w[victim].alive {
				s.fpm.w[victim].rssKB = int64(s.o.WorkerRSSMB) * 1024
			}
		} else {
			comm, unit := "mysqld", "/system.slice/mysql.service"
			if s.o.MySQLVersion == "mariadb" {
				comm, unit = "mariadbd", "/system.slice/mariadb.service"
			}
			s.oomLines(comm, s.db.pid, 113, int64(s.db.rssMB*1024), unit)
			u := "mysql.service"
			if s.o.MySQLVersion == "mariadb" {
				u = "mariadb.service"
			}
			s.syslogLine("systemd[1]", u+": A process of this unit has been killed by the OOM killer.")
			s.noteRestart("mysql", "oom", false)
			s.crashMySQL(9)
		}
		used = s.memoryMB()
	}
}

func (s *sim) oomLines(comm string, pid, uid int, rssKB int64, memcg string) {
	p := strconv.Itoa(pid)
	s.kernelLine(comm + " invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0")
	s.kernelLine("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=" + memcg + ",task=" + comm + ",pid=" + p + ",uid=" + strconv.Itoa(uid))
	rss := strconv.FormatInt(rssKB, 10)
	vm := strconv.FormatInt(rssKB+180000, 10)
	s.kernelLine("Out of memory: Killed process " + p + " (" + comm + ") total-vm:" + vm + "kB, anon-rss:" + rss + "kB, file-rss:0kB, shmem-rss:10240kB, UID:" + strconv.Itoa(uid) + " pgtables:" + strconv.FormatInt(rssKB/500+40, 10) + "kB oom_score_adj:0")
	s.kernelLine("oom_reaper: reaped process " + p + " (" + comm + "), now anon-rss:0kB, file-rss:0kB, shmem-rss:10240kB")
}

// noteRestart records a restart for truth.json; OOM kills of one service
// within 60 s of the previous one extend that entry instead.
func (s *sim) noteRestart(service, kind string, upNow bool) {
	at := time.Unix(0, s.now).UTC().Truncate(time.Second)
	if kind == "oom" {
		for k := len(s.restarts) - 1; k >= 0; k-- {
			r := &s.restarts[k]
			if r.Service == service && r.Kind == "oom" && s.now-s.lastOOM[service] < 60e9 {
				s.lastOOM[service] = s.now
				return
			}
		}
		s.lastOOM[service] = s.now
	}
	tr := TruthRestart{At: at, Service: service, Kind: kind}
	if upNow {
		tr.UpAt = at
	}
	s.restarts = append(s.restarts, tr)
}

// markUp sets the up time of the service's latest restart still down.
func (s *sim) markUp(service string) {
	for k := len(s.restarts) - 1; k >= 0; k-- {
		r := &s.restarts[k]
		if r.Service == service {
			if r.UpAt.IsZero() {
				r.UpAt = time.Unix(0, s.now).UTC().Truncate(time.Second)
			}
			return
		}
	}
}
