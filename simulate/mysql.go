package simulate

import (
	"math"
	"strconv"
	"time"
)

// dbState is mysqld: its connections, its cache and its life cycle.
type dbState struct {
	up         bool
	pid        int
	conns      int
	regRunning int   // registrations inside their transaction (lock contention)
	startedAt  int64 // last start; the buffer pool is cold after it
	cold       bool
	thread     int64
	rssMB      float64
	stopping   bool
}

func (s *sim) mysqlVersion() (ver, comment string) {
	switch s.o.MySQLVersion {
	case "5.7":
		return "5.7.44-log", "MySQL Community Server (GPL)"
	case "mariadb":
		return "10.11.6-MariaDB-0+deb12u1", "Debian 12"
	default:
		return "8.0.40-0ubuntu0.22.04.1", "(Ubuntu)"
	}
}

func (s *sim) initDB() {
	s.db = dbState{up: true, pid: 600 + s.rng.IntN(300), thread: 1000 + s.rng.Int64N(50000), rssMB: float64(s.o.MySQLRSSMB)}
	s.slowHeader()
}

// contention is how much slower queries get with n concurrent connections.
func contention(n int) float64 {
	x := float64(n) / 12
	return 1 + x*x
}

// coldFactor is the cold buffer pool penalty t ns after a start.
func (s *sim) coldFactor() float64 {
	if !s.db.cold {
		return 1
	}
	d := float64(s.now-s.db.startedAt) / 1e9
	if d > 900 {
		s.db.cold = false
		return 1
	}
	return 1 + 0.3*math.Exp(-d/60)
}

// dbWork decides what the PHP request does in the database and returns the
// request's service time in ns.
func (s *sim) dbWork(r *request) int64 {
	c := &endpointCosts[r.ep]
	cpu := s.lognorm(c.cpuMs, 0.25)
	r.result = resOK
	r.commitAt = 0
	r.mainQ = 0
	if !s.db.up {
		r.result = res2002
		return ms(cpu*0.15 + 1)
	}
	if s.db.conns >= s.o.MaxConnections {
		r.result = res1040
		s.sec(s.now).dbSat = true
		return ms(cpu*0.15 + 1)
	}
	s.db.conns++
	if s.db.conns >= s.o.MaxConnections {
		s.sec(s.now).dbSat = true
	}
	r.committed = false
	s.db.thread++
	r.lockQ = 0
	if r.ep == epRegisterPost && s.clients[r.client].registered {
		r.result = res409
		r.mainQ = ms(s.lognorm(2, 0.3))
		r.qEnd = s.now + ms(cpu*0.3) + r.mainQ
		r.db = true
		return ms(cpu*0.3) + r.mainQ
	}
	f := contention(s.db.conns) * s.coldFactor()
	main := s.lognorm(c.qMs*f, 0.5) * float64(c.queries) * 0.5
	if s.rng.Float64() < 0.01 {
		main *= 15
	}
	if p := lockWaitProb(r.ep, s.db.conns); p > 0 && s.rng.Float64() < p {
		// A row lock (a page's view counter, a cart row, the slot
		// counter) is held by a stalled transaction: the statement waits
		// innodb_lock_wait_timeout and fails with 1205; nothing commits.
		wait := 50000 + s.rng.Float64()*40
		r.result = res1205
		r.lockQ = ms(wait)
		r.mainQ = ms(wait + c.qMs)
		r.qEnd = s.now + ms(cpu*0.3) + r.mainQ
		r.db = true
		return ms(cpu*0.6) + r.mainQ
	}
	if r.ep == epRegisterPost {
		s.db.regRunning++
		lock := 0.05 * float64(s.db.regRunning) * s.lognorm(1000, 0.3)
		r.lockQ = ms(lock)
		main += lock
	}
	rest := c.qMs * f * float64(c.queries) * 0.5 * s.lognorm(1, 0.2)
	r.mainQ = ms(main)
	d := ms(cpu + main + rest)
	qEnd := s.now + ms(cpu*0.3+main)
	r.qEnd = qEnd
	if r.post {
		r.commitAt = qEnd + ms(rest*0.5)
	}
	r.db = true
	return d
}

// dbRelease returns r's connection; the main query goes to the slow log when
// it was slow and finished.
func (s *sim) dbRelease(r *request, finished bool) {
	if !r.db {
		return
	}
	r.db = false
	if s.db.conns > 0 {
		s.db.conns--
	}
	if r.ep == epRegisterPost && r.result == resOK && s.db.regRunning > 0 {
		s.db.regRunning--
	}
	qEnd := r.qEnd
	if (finished || qEnd <= s.now) && r.mainQ >= int64(s.o.LongQueryTime) {
		s.slowEntry(r, min(qEnd, s.now))
	}
}

// commit makes r's write durable once.
func (s *sim) commit(r *request) {
	if r.committed || r.result != resOK || !r.post {
		return
	}
	r.committed = true
	s.truth.CommittedWrites++
	if r.ep == epRegisterPost {
		s.clients[r.client].registered = true
	}
}

// settleWrite records a committed write whose response was an error.
func (s *sim) settleWrite(r *request) {
	if r.post && r.committed && (r.status == 499 || r.status == 502 || r.status == 504) {
		s.addFailedWrite(r)
	}
}

func (s *sim) addFailedWrite(r *request) {
	s.truth.FailedWrites = append(s.truth.FailedWrites, TruthWrite{
		Time:        time.Unix(0, r.respAt/1e9*1e9).UTC(),
		CommittedAt: time.Unix(0, r.commitAt).UTC().Truncate(time.Microsecond),
		Client:      s.clients[r.client].ip,
		Method:      "POST",
		Path:        r.path,
		Status:      int(r.status),
	})
}

// --- slow log ---

func (s *sim) slowHeader() {
	ver, _ := s.mysqlVersion()
	bin := "/usr/sbin/mysqld"
	if s.o.MySQLVersion == "mariadb" {
		bin = "/usr/sbin/mariadbd"
	}
	b := s.out.line[:0]
	b = append(b, bin...)
	b = append(b, ", Version: "...)
	b = append(b, ver...)
	switch s.o.MySQLVersion {
	case "mariadb":
		b = append(b, " (Debian 12). started with:"...)
	case "5.7":
		b = append(b, " (MySQL Community Server (GPL)). started with:"...)
	default:
		b = append(b, " ((Ubuntu)). started with:"...)
	}
	b = append(b, "\nTcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\nTime                 Id Command    Argument"...)
	s.out.emit(outMySQLSlow, b)
}

func (s *sim) slowEntry(r *request, end int64) {
	c := &endpointCosts[r.ep]
	b := s.out.line[:0]
	start := end - r.mainQ
	if s.o.MySQLVersion == "mariadb" {
		b = append(b, "# Time: "...)
		b = append(b, s.out.mysqlShort.get(end)...)
		b = append(b, "\n# User@Host: shop[shop] @ localhost []\n# Thread_id: "...)
		b = strconv.AppendInt(b, s.db.thread-int64(s.rng.IntN(200)), 10)
		b = append(b, "  Schema: shop  QC_hit: No\n"...)
	} else {
		b = append(b, "# Time: "...)
		b = append(b, s.out.mysqlUTC.get(end)...)
		b = append(b, '.')
		b = appMicros(b, end)
		b = append(b, "Z\n# User@Host: shop[shop] @ localhost []  Id: "...)
		id := s.db.thread - int64(s.rng.IntN(200))
		for k := len(strconv.FormatInt(id, 10)); k < 5; k++ {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, id, 10)
		b = append(b, '\n')
	}
	b = append(b, "# Query_time: "...)
	b = appFrac(b, r.mainQ, 6)
	b = append(b, "  Lock_time: "...)
	b = appFrac(b, r.lockQ+int64(s.rng.IntN(300))*1000, 6)
	if s.o.MySQLVersion == "mariadb" {
		b = append(b, ' ') // MariaDB pads every field with two spaces
	}
	b = append(b, " Rows_sent: "...)
	rows, exam := int64(12+s.rng.IntN(40)), int64(2000+s.rng.IntN(90000))
	if r.post {
		rows, exam = 0, 0
	}
	b = strconv.AppendInt(b, rows, 10)
	b = append(b, "  Rows_examined: "...)
	b = strconv.AppendInt(b, exam, 10)
	if s.o.MySQLVersion == "mariadb" {
		b = append(b, "\n# Rows_affected: "...)
		if r.post {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
		b = append(b, "  Bytes_sent: "...)
		b = strconv.AppendInt(b, 200+rows*61, 10)
	}
	b = append(b, "\nSET timestamp="...)
	b = strconv.AppendInt(b, start/1e9, 10)
	b = append(b, ";\n"...)
	b = append(b, c.query...)
	s.out.emit(outMySQLSlow, b)
}

// --- error log ---

// myLog writes one error-log line. code/subsys are the MySQL 8 parts; 5.7
// and MariaDB drop them and use label8's older spelling.
func (s *sim) myLog(at int64, thread int, label, code, subsys, msg string) {
	b := s.out.line[:0]
	switch s.o.MySQLVersion {
	case "mariadb":
		b = append(b, s.out.mysqlLocal.get(at)...)
	default:
		b = append(b, s.out.mysqlUTC.get(at)...)
		b = append(b, '.')
		b = appMicros(b, at)
		b = append(b, 'Z')
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(thread), 10)
	b = append(b, " ["...)
	if s.o.MySQLVersion == "8.0" {
		b = append(b, label...)
		b = append(b, "] ["...)
		b = append(b, code...)
		b = append(b, "] ["...)
		b = append(b, subsys...)
		b = append(b, "] "...)
	} else {
		if label == "System" {
			label = "Note"
		}
		b = append(b, label...)
		b = append(b, "] "...)
	}
	b = append(b, msg...)
	s.out.emit(outMySQL, b)
}

func (s *sim) myRaw(line string) {
	b := append(s.out.line[:0], line...)
	s.out.emit(outMySQL, b)
}

// mysqlGoneAway fails every request holding a connection when mysqld stops.
func (s *sim) mysqlGoneAway() {
	f := &s.fpm
	for wi := range f.w {
		w := &f.w[wi]
		if !w.alive || w.req < 0 {
			continue
		}
		r := &s.reqs[w.req]
		if !r.db {
			continue
		}
		r.db = false
		if r.ep == epRegisterPost && r.result == resOK && s.db.regRunning > 0 {
			s.db.regRunning--
		}
		if r.commitAt > 0 && r.commitAt <= s.now {
			s.commit(r)
		}
		r.commitAt = 0
		r.result = res2006
		w.job++
		s.push(s.now+ms(s.lognorm(4, 0.3)), evWorkerDone, int32(wi), w.job)
	}
	s.db.conns = 0
	s.db.regRunning = 0
}

// stopMySQL is a clean shutdown (systemctl restart mysql, first half).
func (s *sim) stopMySQL() {
	if !s.db.up || s.db.stopping {
		return
	}
	ver, comment := s.mysqlVersion()
	s.syslogLine("systemd[1]", s.mysqlUnitVerb("Stopping", "..."))
	s.db.stopping = true
	switch s.o.MySQLVersion {
	case "8.0":
		s.myLog(s.now, 0, "System", "MY-013172", "Server", "Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: "+ver+").")
	case "5.7":
		s.myLog(s.now, 0, "Note", "", "", "Giving 0 client threads a chance to die gracefully")
		s.myLog(s.now, 0, "Note", "", "", "/usr/sbin/mysqld: Normal shutdown")
	default:
		s.myLog(s.now, 0, "Note", "", "", "/usr/sbin/mariadbd (initiated by: unknown): Normal shutdown")
	}
	s.db.up = false
	s.mysqlGoneAway()
	_ = comment
	s.push(s.now+ms(s.lognorm(1800, 0.2)), evMySQLDown, 0, 0)
}

func (s *sim) mysqlUnitVerb(verb, end string) string {
	if s.o.MySQLVersion == "mariadb" {
		return verb + " mariadb.service - MariaDB 10.11.6 database server" + end
	}
	return verb + " mysql.service - MySQL Community Server" + end
}

// mysqlDown finishes a clean shutdown and starts mysqld again.
func (s *sim) mysqlDown() {
	ver, comment := s.mysqlVersion()
	switch s.o.MySQLVersion {
	case "8.0":
		s.myLog(s.now, 0, "System", "MY-010910", "Server", "/usr/sbin/mysqld: Shutdown complete (mysqld "+ver+")  "+comment+".")
	case "5.7":
		s.myLog(s.now, 0, "Note", "", "", "/usr/sbin/mysqld: Shutdown complete")
	default:
		s.myLog(s.now, 0, "Note", "", "", "InnoDB: Shutdown completed; log sequence number 48913355; transaction id 120391")
		s.myLog(s.now, 0, "Note", "", "", "/usr/sbin/mariadbd: Shutdown complete")
	}
	unit := "mysql.service"
	if s.o.MySQLVersion == "mariadb" {
		unit = "mariadb.service"
	}
	s.syslogLine("systemd[1]", unit+": Deactivated successfully.")
	s.syslogLine("systemd[1]", s.mysqlUnitVerb("Stopped", "."))
	s.startMySQL(false)
}

// startMySQL writes the startup banner; ready after a few seconds.
func (s *sim) startMySQL(crashed bool) {
	s.syslogLine("systemd[1]", s.mysqlUnitVerb("Starting", "..."))
	s.db.pid += 1000 + s.rng.IntN(20000)
	ver, _ := s.mysqlVersion()
	pid := strconv.Itoa(s.db.pid)
	t := s.now + ms(s.lognorm(400, 0.3))
	switch s.o.MySQLVersion {
	case "8.0":
		s.myLog(t, 0, "System", "MY-010116", "Server", "/usr/sbin/mysqld (mysqld "+ver+") starting as process "+pid)
		s.myLog(t+ms(12), 1, "System", "MY-013576", "InnoDB", "InnoDB initialization has started.")
	case "5.7":
		s.myLog(t, 0, "Note", "", "", "/usr/sbin/mysqld (mysqld "+ver+") starting as process "+pid+" ...")
		if crashed {
			s.myLog(t+ms(300), 0, "Note", "", "", "InnoDB: Database was not shutdown normally!")
			s.myLog(t+ms(301), 0, "Note", "", "", "InnoDB: Starting crash recovery.")
		}
	default:
		s.myLog(t, 0, "Note", "", "", "/usr/sbin/mariadbd (server "+ver+") starting as process "+pid+" ...")
		s.myLog(t+ms(20), 0, "Note", "", "", "InnoDB: Compressed tables use zlib 1.2.13")
		if crashed {
			s.myLog(t+ms(300), 0, "Note", "", "", "InnoDB: Starting crash recovery from checkpoint LSN=48913355")
		}
	}
	up := t + ms(s.lognorm(2500, 0.2))
	if crashed {
		up += ms(s.lognorm(30000, 0.2)) // InnoDB crash recovery replays the redo log
	}
	s.push(up, evMySQLUp, 0, 0)
}

func (s *sim) mysqlUp() {
	ver, comment := s.mysqlVersion()
	switch s.o.MySQLVersion {
	case "8.0":
		s.myLog(s.now-ms(320), 1, "System", "MY-013577", "InnoDB", "InnoDB initialization has ended.")
		s.myLog(s.now-ms(40), 0, "Warning", "MY-010068", "Server", "CA certificate ca.pem is self signed.")
		s.myLog(s.now-ms(30), 0, "System", "MY-013602", "Server", "Channel mysql_main configured to support TLS. Encrypted connections are now supported for this channel.")
		s.myLog(s.now, 0, "System", "MY-011323", "Server", "X Plugin ready for connections. Bind-address: '127.0.0.1' port: 33060, socket: /var/run/mysqld/mysqlx.sock")
		s.myLog(s.now, 0, "System", "MY-010931", "Server", "/usr/sbin/mysqld: ready for connections. Version: '"+ver+"'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  "+comment+".")
	case "5.7":
		s.myLog(s.now-ms(5), 0, "Note", "", "", "Server hostname (bind-address): '127.0.0.1'; port: 3306")
		s.myLog(s.now, 0, "Note", "", "", "/usr/sbin/mysqld: ready for connections.")
		s.myRaw("Version: '" + ver + "'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  " + comment)
	default:
		s.myLog(s.now-ms(300), 0, "Note", "", "", "InnoDB: 10.11.6 started; log sequence number 48913355; transaction id 120392")
		s.myLog(s.now-ms(5), 0, "Note", "", "", "Server socket created on IP: '127.0.0.1'.")
		s.myLog(s.now, 0, "Note", "", "", "/usr/sbin/mariadbd: ready for connections.")
		s.myRaw("Version: '" + ver + "'  socket: '/run/mysqld/mysqld.sock'  port: 3306  " + comment)
	}
	s.syslogLine("systemd[1]", s.mysqlUnitVerb("Started", "."))
	s.db.up = true
	s.db.stopping = false
	s.db.startedAt = s.now
	s.db.cold = true
	s.db.rssMB = float64(s.o.MySQLRSSMB) * 0.45
	s.slowHeader()
	s.markUp("mysql")
}

// crashMySQL is mysqld dying on signal 11: no shutdown lines.
func (s *sim) crashMySQL(sig int) {
	if !s.db.up {
		return
	}
	ver, _ := s.mysqlVersion()
	sg := strconv.Itoa(sig)
	switch {
	case sig == 9:
		// SIGKILL (OOM): the process leaves no line of its own
	case s.o.MySQLVersion == "mariadb":
		b := append(s.out.line[:0], s.out.mysqlShort.get(s.now)...)
		b = append(b, " [ERROR] mysqld got signal "+sg+" ;"...)
		s.out.emit(outMySQL, b)
		for _, l := range []string{
			"Sorry, we probably made a mistake, and this is a bug.",
			"Your assistance in bug reporting will enable us to fix this for the next release.",
			"To report this bug, see https://mariadb.com/kb/en/reporting-bugs",
			"Server version: " + ver + " source revision: fecd78b83785d5ae96f2c6ff340375be803cd299",
			"key_buffer_size=134217728",
			"read_buffer_size=131072",
			"max_used_connections=" + strconv.Itoa(s.db.conns+3),
			"max_threads=" + strconv.Itoa(s.o.MaxConnections+2),
			"thread_count=" + strconv.Itoa(s.db.conns+1),
			"Status: NOT_KILLED",
		} {
			s.myRaw(l)
		}
	default:
		b := s.out.line[:0]
		if s.o.MySQLVersion == "8.0" {
			b = append(b, s.out.mysqlUTC.get(s.now)...)
			b = append(b, 'Z')
		} else {
			b = appClock(b, time.Unix(s.now/1e9, 0).UTC())
		}
		b = append(b, " UTC - mysqld got signal "+sg+" ;"...)
		s.out.emit(outMySQL, b)
		for _, l := range []string{
			"Most likely, you have hit a bug, but this error can also be caused by malfunctioning hardware.",
			"Thread pointer: 0x7f3b2c000b70",
			"Attempting backtrace. You can use the following information to find out",
			"where mysqld died. If you see no messages after this, something went",
			"terribly wrong...",
			"stack_bottom = 7f3b4c1f8bf0 thread_stack 0x100000",
			"/usr/sbin/mysqld(my_print_stacktrace(unsigned char const*, unsigned long)+0x41) [0x5581a8f0c0a1]",
			"/usr/sbin/mysqld(handle_fatal_signal+0xc5) [0x5581a7e8e3a5]",
			"/lib/x86_64-linux-gnu/libc.so.6(+0x42520) [0x7f3b5a442520]",
			"/usr/sbin/mysqld(row_search_mvcc(unsigned char*, page_cur_mode_t, row_prebuilt_t*, unsigned long, unsigned long)+0x1b7) [0x5581a8a12c37]",
			"The manual page at http://dev.mysql.com/doc/mysql/en/crashing.html contains",
			"information that should help you find out what is causing the crash.",
		} {
			s.myRaw(l)
		}
	}
	s.db.up = false
	s.mysqlGoneAway()
	unit := "mysql.service"
	if s.o.MySQLVersion == "mariadb" {
		unit = "mariadb.service"
	}
	sigName := "SEGV"
	if sig == 9 {
		sigName = "KILL"
	}
	s.syslogLine("systemd[1]", unit+": Main process exited, code=killed, status="+sg+"/"+sigName)
	if sig == 9 {
		s.syslogLine("systemd[1]", unit+": Failed with result 'oom-kill'.")
	} else {
		s.syslogLine("systemd[1]", unit+": Failed with result 'signal'.")
	}
	s.push(s.now+ms(5100), evMySQLDown, 1, 0)
}

// mysqlRespawn is systemd's automatic restart after a crash.
func (s *sim) mysqlRespawn() {
	unit := "mysql.service"
	if s.o.MySQLVersion == "mariadb" {
		unit = "mariadb.service"
	}
	s.syslogLine("systemd[1]", unit+": Scheduled restart job, restart counter is at 1.")
	s.syslogLine("systemd[1]", s.mysqlUnitVerb("Stopped", "."))
	s.startMySQL(true)
}

// lockWaitProb is the chance a statement of endpoint ep waits for a row lock
// until innodb_lock_wait_timeout, with n connections busy: hot rows
// collide more the more transactions run at once.
func lockWaitProb(ep endpoint, n int) float64 {
	x := float64(n) / 8
	switch ep {
	case epArticle, epProduct:
		return min(0.00005*x*x, 0.005)
	case epCart, epRegisterPost:
		return min(0.0004*x*x, 0.03)
	}
	return 0
}
