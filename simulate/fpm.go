package simulate

import (
	"strconv"
)

type worker struct {
	pid   int
	born  int64
	req   int32 // -1 when idle
	job   uint32
	rssKB int64
	alive bool
}

type qent struct {
	i int32
	g uint32
}

// fpmState is the PHP-FPM master, its pool "www" and its listen socket.
type fpmState struct {
	up        bool
	masterPID int
	nextPID   int
	w         []worker
	running   int
	busy      int
	idle      []int // idle worker indexes; the last one is reused first
	q         []qent
	qh        int
	max       int
	warned    bool
	spawnRate int
}

func (f *fpmState) qlen() int { return len(f.q) - f.qh }

func (f *fpmState) popQ() qent {
	e := f.q[f.qh]
	f.qh++
	if f.qh > 4096 && f.qh*2 > len(f.q) {
		n := copy(f.q, f.q[f.qh:])
		f.q = f.q[:n]
		f.qh = 0
	}
	return e
}

func (s *sim) initFPM() {
	f := &s.fpm
	f.up = true
	f.masterPID = 800 + s.rng.IntN(400)
	f.nextPID = f.masterPID + 1 + s.rng.IntN(3000)
	f.max = s.o.MaxChildren
	f.spawnRate = 1
	n := s.o.StartServers
	if s.o.PM == "static" || n > f.max {
		n = f.max
	}
	if n < 1 {
		n = 1
	}
	for k := 0; k < n; k++ {
		s.spawn(false)
	}
}

// spawn starts one child; logged reports "child N started" (after a death).
func (s *sim) spawn(logged bool) int {
	f := &s.fpm
	f.nextPID += 1 + s.rng.IntN(7)
	w := worker{pid: f.nextPID, born: s.now - s.rng.Int64N(1e9), req: -1, alive: true, rssKB: int64(s.o.WorkerRSSMB) * 1024}
	slot := -1
	for k := range f.w {
		if !f.w[k].alive {
			slot = k
			break
		}
	}
	if slot < 0 {
		f.w = append(f.w, w)
		slot = len(f.w) - 1
	} else {
		w.job = f.w[slot].job + 1
		f.w[slot] = w
	}
	f.running++
	if logged {
		b := s.fpmPrefix("NOTICE")
		b = append(b, "[pool www] child "...)
		b = strconv.AppendInt(b, int64(w.pid), 10)
		b = append(b, " started"...)
		s.out.emit(outFPM, b)
	}
	s.fpmNext(slot)
	return slot
}

func (s *sim) fpmPrefix(level string) []byte {
	b := s.out.line[:0]
	b = append(b, s.out.fpm.get(s.now)...)
	b = append(b, ' ')
	b = append(b, level...)
	b = append(b, ": "...)
	return b
}

func (s *sim) fpmNotice(msg string) {
	b := s.fpmPrefix("NOTICE")
	b = append(b, msg...)
	s.out.emit(outFPM, b)
}

// fpmConnect passes request i to the FPM socket. It reports whether the
// request is now queued or running; otherwise it has been answered.
func (s *sim) fpmConnect(i int32) bool {
	f := &s.fpm
	r := &s.reqs[i]
	if !f.up {
		rc := *r
		s.logUpstreamError(r, ngxNoSocket)
		r.state = rsFinished
		s.respond(i, 502, 157, 0)
		s.retry(rc, 2500, 1)
		return false
	}
	if n := len(f.idle); n > 0 {
		wi := f.idle[n-1]
		f.idle = f.idle[:n-1]
		s.assign(wi, i)
		return true
	}
	if f.qlen() < s.o.ListenBacklog {
		r.state = rsQueued
		f.q = append(f.q, qent{i, r.gen})
		return true
	}
	s.fpmSaturated()
	rc := *r
	s.logUpstreamError(r, ngxBacklog)
	r.state = rsFinished
	s.respond(i, 502, 157, 0)
	s.retry(rc, 3000, 1)
	return false
}

// fpmNext gives worker wi the next queued request, or makes it idle.
func (s *sim) fpmNext(wi int) {
	f := &s.fpm
	if !f.up {
		return
	}
	for f.qlen() > 0 {
		e := f.popQ()
		if s.reqs[e.i].gen != e.g || s.reqs[e.i].state != rsQueued {
			continue
		}
		s.assign(wi, e.i)
		return
	}
	f.idle = append(f.idle, wi)
}

// assign starts request i on worker wi.
func (s *sim) assign(wi int, i int32) {
	f := &s.fpm
	w := &f.w[wi]
	r := &s.reqs[i]
	w.req = i
	w.job++
	f.busy++
	r.state = rsRunning
	r.worker = int16(wi)
	d := s.dbWork(r)
	s.push(s.now+d, evWorkerDone, int32(wi), w.job)
	if s.o.SlowlogTimeout > 0 && d > int64(s.o.SlowlogTimeout) {
		s.push(s.now+int64(s.o.SlowlogTimeout), evSlow, int32(wi), w.job)
	}
	if s.o.RequestTerminateTimeout > 0 && d > int64(s.o.RequestTerminateTimeout) {
		s.push(s.now+int64(s.o.RequestTerminateTimeout), evTerminate, int32(wi), w.job)
	}
}

// workerDone finishes the request on worker wi.
func (s *sim) workerDone(wi int, job uint32) {
	f := &s.fpm
	w := &f.w[wi]
	if !w.alive || w.job != job || w.req < 0 {
		return
	}
	i := w.req
	r := &s.reqs[i]
	s.dbRelease(r, true)
	if r.commitAt > 0 {
		s.commit(r)
	}
	w.rssKB += int64(s.o.WorkerLeakKB)
	w.req = -1
	f.busy--
	r.state = rsFinished
	if r.cacheable {
		if e := s.cache[r.path]; e != nil {
			e.updating = false
			if !r.responded && r.result == resOK {
				e.expires = s.now + int64(s.o.MicrocacheTTL)
				e.bytes = endpointCosts[r.ep].bytes
			}
		}
	}
	if r.responded {
		s.settleWrite(r)
		s.release(i)
	} else {
		rc := *r
		status, bytes := uint16(200), endpointCosts[r.ep].bytes
		switch r.result {
		case res409:
			status, bytes = 409, 5120
		case res1040:
			status, bytes = 500, 1830
			s.logPHPMessage(r, "Database connection failed: SQLSTATE[HY000] [1040] Too many connections")
		case res2002:
			status, bytes = 500, 1830
			s.logPHPMessage(r, "Database connection failed: SQLSTATE[HY000] [2002] No such file or directory")
		case res1205:
			status, bytes = 500, 1830
			s.logPHPMessage(r, "Query failed: SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction")
		case res2006:
			status, bytes = 500, 1830
			s.logPHPMessage(r, "Query failed: SQLSTATE[HY000]: General error: 2006 MySQL server has gone away")
		default:
			if r.post {
				status, bytes = 302, 5
			} else {
				if r.ep == epArticle && s.rng.Float64() < 0.004 {
					// everyday noise: a warning that is no outage
					s.logPHPMessage(r, "PHP Warning:  Undefined array key \"utm_source\" in /var/www/site/src/Page/Article.php on line 31")
				}
				s.pageAssets(r)
			}
		}
		s.respond(i, status, bytes, s.now-r.upStart)
		switch {
		case status >= 500:
			// an application error page ("database error"): most leave,
			// some read it and reload
			scale := 1.0
			if rc.pop != popLaunch {
				scale = 0.35
			}
			s.retry(rc, 8000, scale)
		case status == 200 && rc.ep == epRegisterForm:
			s.followUp(rc, "/register", epRegisterPost)
		case status == 409 && rc.pop == popLaunch:
			// "already registered": the person stops.
		}
	}
	s.fpmNext(wi)
}

// followUp makes the person submit the form they loaded.
func (s *sim) followUp(rc request, path string, ep endpoint) {
	i := s.newReq()
	n := &s.reqs[i]
	n.client, n.pop, n.h2 = rc.client, rc.pop, rc.h2
	n.path, n.ep, n.post = path, ep, true
	n.referer = "https://" + s.o.Host + rc.path
	n.start = s.now + ms(s.lognorm(25000, 0.5))
	s.nextConn++
	n.conn = s.nextConn
	s.push(n.start, evArrive, i, n.gen)
}

// killWorker ends worker wi by signal (9 or 15); its request, if nginx is
// still waiting, gets a 502. It logs the exit and, when respawn, a new child.
func (s *sim) killWorker(wi int, sig int, respawn bool, logExit bool) {
	f := &s.fpm
	w := &f.w[wi]
	if !w.alive {
		return
	}
	if w.req >= 0 {
		i := w.req
		r := &s.reqs[i]
		s.dbRelease(r, false)
		if r.commitAt > 0 && r.commitAt <= s.now {
			s.commit(r)
		}
		w.req = -1
		f.busy--
		r.state = rsFinished
		if r.cacheable {
			if e := s.cache[r.path]; e != nil {
				e.updating = false
			}
		}
		if r.responded {
			s.settleWrite(r)
			s.release(i)
		} else {
			rc := *r
			s.logUpstreamError(r, ngxPremature)
			s.respond(i, 502, 157, s.now-r.upStart)
			s.retry(rc, 2500, 1)
		}
	} else {
		for k, x := range f.idle {
			if x == wi {
				f.idle = append(f.idle[:k], f.idle[k+1:]...)
				break
			}
		}
	}
	w = &f.w[wi]
	w.alive = false
	w.job++
	f.running--
	if logExit {
		b := s.fpmPrefix("WARNING")
		b = append(b, "[pool www] child "...)
		b = strconv.AppendInt(b, int64(w.pid), 10)
		b = append(b, " exited on signal "...)
		b = strconv.AppendInt(b, int64(sig), 10)
		if sig == 9 {
			b = append(b, " (SIGKILL)"...)
		} else {
			b = append(b, " (SIGTERM)"...)
		}
		b = append(b, " after "...)
		b = appFrac(b, s.now-w.born, 6)
		b = append(b, " seconds from start"...)
		s.out.emit(outFPM, b)
	}
	if respawn {
		s.spawn(true)
	}
}

// maintenance is the master's once-a-second pool check (pm = dynamic).
func (s *sim) maintenance() {
	f := &s.fpm
	if !f.up {
		return
	}
	// Saturated: every child busy and at least as many requests waiting
	// in the backlog as there are children (a new request waits about a
	// whole service time before a child takes it).
	if f.running >= f.max && f.busy >= f.max && f.qlen() >= f.max {
		s.fpmSaturated()
	}
	if s.o.PM != "dynamic" {
		return
	}
	idle := f.running - f.busy
	if idle < s.o.MinSpare {
		if f.running >= f.max {
			if !f.warned {
				b := s.fpmPrefix("WARNING")
				b = append(b, "[pool www] server reached pm.max_children setting ("...)
				b = strconv.AppendInt(b, int64(f.max), 10)
				b = append(b, "), consider raising it"...)
				s.out.emit(outFPM, b)
				f.warned = true
				s.fpmSaturated()
			}
			f.spawnRate = 1
			return
		}
		if f.spawnRate >= 8 {
			b := s.fpmPrefix("WARNING")
			b = append(b, "[pool www] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning "...)
			b = strconv.AppendInt(b, int64(f.spawnRate), 10)
			b = append(b, " children, there are "...)
			b = strconv.AppendInt(b, int64(idle), 10)
			b = append(b, " idle, and "...)
			b = strconv.AppendInt(b, int64(f.running), 10)
			b = append(b, " total children"...)
			s.out.emit(outFPM, b)
		}
		n := min(f.spawnRate, s.o.MinSpare-idle, f.max-f.running)
		f.warned = false
		for k := 0; k < n; k++ {
			s.spawn(false)
		}
		if f.spawnRate < 32 {
			f.spawnRate *= 2
		}
		return
	}
	f.spawnRate = 1
	if idle > s.o.MaxSpare && len(f.idle) > 0 {
		// the child idle the longest is ended with SIGQUIT (logged at debug)
		wi := f.idle[0]
		s.killWorker(wi, 3, false, false)
	}
}

// fpmRequestLine is what FPM shows as the request: the front controller.
func fpmRequestLine(b []byte, r *request) []byte {
	if r.post {
		b = append(b, "POST /index.php"...)
	} else {
		b = append(b, "GET /index.php"...)
	}
	for k := 0; k < len(r.path); k++ {
		if r.path[k] == '?' {
			b = append(b, r.path[k:]...)
			break
		}
	}
	return b
}

// slow handles request_slowlog_timeout: master lines plus a slow-log trace.
func (s *sim) slow(wi int, job uint32) {
	f := &s.fpm
	w := &f.w[wi]
	if !w.alive || w.job != job || w.req < 0 {
		return
	}
	r := &s.reqs[w.req]
	b := s.fpmPrefix("WARNING")
	b = append(b, "[pool www] child "...)
	b = strconv.AppendInt(b, int64(w.pid), 10)
	b = append(b, ", script '/var/www/site/index.php' (request: \""...)
	b = fpmRequestLine(b, r)
	b = append(b, "\") executing too slow ("...)
	b = appFrac(b, int64(s.o.SlowlogTimeout)+s.rng.Int64N(3e6), 6)
	b = append(b, " sec), logging"...)
	s.out.emit(outFPM, b)
	pid := strconv.Itoa(w.pid)
	s.fpmNotice("child " + pid + " stopped for tracing")
	s.fpmNotice("about to trace " + pid)
	// slow log record
	b = s.out.line[:0]
	b = append(b, '\n')
	b = append(b, s.out.fpm.get(s.now)...)
	b = append(b, "  [pool www] pid "...)
	b = append(b, pid...)
	b = append(b, "\nscript_filename = /var/www/site/index.php\n"...)
	addr := uint64(0x00007f0a1c0151d0) + uint64(wi)*0x1000
	frames := endpointCosts[r.ep].frames
	for k, fr := range frames {
		b = appendHexAddr(b, addr-uint64(k)*0xb0)
		b = append(b, fr...)
		b = append(b, '\n')
	}
	b = appendHexAddr(b, addr-uint64(len(frames))*0xb0)
	b = append(b, "handle() /var/www/site/src/App.php:88\n"...)
	b = appendHexAddr(b, addr-uint64(len(frames)+1)*0xb0)
	b = append(b, "[INCLUDE_OR_EVAL]() /var/www/site/index.php:14"...)
	s.out.emit(outFPMSlow, b)
	s.fpmNotice("finished trace of " + pid)
}

func appendHexAddr(b []byte, a uint64) []byte {
	const hex = "0123456789abcdef"
	b = append(b, "[0x"...)
	for k := 15; k >= 0; k-- {
		b = append(b, hex[(a>>(uint(k)*4))&0xf])
	}
	return append(b, "] "...)
}

// terminate handles request_terminate_timeout.
func (s *sim) terminate(wi int, job uint32) {
	f := &s.fpm
	w := &f.w[wi]
	if !w.alive || w.job != job || w.req < 0 {
		return
	}
	r := &s.reqs[w.req]
	b := s.fpmPrefix("WARNING")
	b = append(b, "[pool www] child "...)
	b = strconv.AppendInt(b, int64(w.pid), 10)
	b = append(b, ", script '/var/www/site/index.php' (request: \""...)
	b = fpmRequestLine(b, r)
	b = append(b, "\") execution timed out ("...)
	b = appFrac(b, int64(s.o.RequestTerminateTimeout)+s.rng.Int64N(9e8), 6)
	b = append(b, " sec), terminating"...)
	s.out.emit(outFPM, b)
	s.killWorker(wi, 15, true, true)
}

// killAllPHP is the operator's kill -9 of every child; the master respawns.
func (s *sim) killAllPHP() {
	f := &s.fpm
	type victim struct{ wi, pid int }
	var vs []victim
	for wi := range f.w {
		if f.w[wi].alive {
			vs = append(vs, victim{wi, f.w[wi].pid})
		}
	}
	for _, v := range vs {
		if f.w[v.wi].alive && f.w[v.wi].pid == v.pid {
			s.killWorker(v.wi, 9, true, true)
		}
	}
}

// restartPHP is systemctl restart php8.2-fpm.
func (s *sim) restartPHP(reload bool) {
	f := &s.fpm
	if !f.up {
		return
	}
	if reload {
		s.fpmNotice("Reloading in progress ...")
	} else {
		s.syslogLine("systemd[1]", "Stopping php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...")
		s.fpmNotice("Terminating ...")
	}
	for wi := range f.w {
		if f.w[wi].alive {
			s.killWorker(wi, 15, false, false)
		}
	}
	f.idle = f.idle[:0]
	if !reload {
		// the listen socket closes: queued connections are reset
		for f.qlen() > 0 {
			e := f.popQ()
			r := &s.reqs[e.i]
			if r.gen != e.g || r.state != rsQueued {
				continue
			}
			r.state = rsFinished
			if r.responded {
				s.release(e.i)
				continue
			}
			rc := *r
			s.logUpstreamError(r, ngxReset)
			s.respond(e.i, 502, 157, s.now-r.upStart)
			s.retry(rc, 2500, 1)
		}
		f.q, f.qh = f.q[:0], 0
		s.fpmNotice("exiting, bye-bye!")
		s.syslogLine("systemd[1]", "php8.2-fpm.service: Deactivated successfully.")
		s.syslogLine("systemd[1]", "Stopped php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.")
		s.syslogLine("systemd[1]", "Starting php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...")
		f.up = false
		s.push(s.now+ms(s.lognorm(900, 0.2)), evFPMUp, 0, 0)
		return
	}
	s.fpmNotice("reloading: execvp(\"/usr/sbin/php-fpm8.2\", {\"/usr/sbin/php-fpm8.2\", \"--nodaemonize\", \"--fpm-config\", \"/etc/php/8.2/fpm/php-fpm.conf\"})")
	s.fpmNotice("using inherited socket fd=7, \"/run/php/php8.2-fpm.sock\"")
	s.fpmUp(true)
}

// fpmUp brings the master back after a restart or reload.
func (s *sim) fpmUp(reload bool) {
	f := &s.fpm
	if !reload {
		f.masterPID = f.nextPID + 3
		f.nextPID = f.masterPID
	}
	f.up = true
	f.warned = false
	f.spawnRate = 1
	s.fpmNotice("fpm is running, pid " + strconv.Itoa(f.masterPID))
	s.fpmNotice("ready to handle connections")
	s.fpmNotice("systemd monitor interval set to 10000ms")
	if !reload {
		s.syslogLine("systemd[1]", "Started php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.")
	}
	n := s.o.StartServers
	if s.o.PM == "static" || n > f.max {
		n = f.max
	}
	for k := 0; k < n; k++ {
		s.spawn(false)
	}
}

// fpmSaturated marks this second as php-fpm saturated at the current limit.
func (s *sim) fpmSaturated() {
	st := s.sec(s.now)
	st.fpmSat = true
	st.fpmMax = int32(s.fpm.max)
}
