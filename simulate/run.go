package simulate

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"time"
	_ "time/tzdata" // zones work on machines without a zoneinfo database
)

// Run simulates scenario sc with seed and writes access.log,
// nginx-error.log, php-fpm.log, php-fpm-slow.log, mysql-error.log,
// mysql-slow.log, syslog and truth.json into dir (created if missing).
// The same scenario and seed always give the same bytes.
func Run(sc Scenario, seed uint64, dir string) (*Truth, error) {
	o := sc.Options
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	loc, err := time.LoadLocation(o.Zone)
	if err != nil {
		return nil, fmt.Errorf("zone %q: %w", o.Zone, err)
	}
	day, _ := time.ParseInLocation("2006-01-02", o.Day, loc)
	s := &sim{
		sc:       sc,
		o:        o,
		seed:     seed,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		loc:      loc,
		midnight: day.UnixNano(),
		day:      day,
		cache:    map[string]*cacheEntry{},
		lastOOM:  map[string]int64{},
		hostname: "web1",
	}
	s.sc.Options = o
	s.t0 = s.wall(o.Start)
	s.t1 = s.t0 + int64(o.Duration)
	s.now = s.t0
	s.bootNS = s.t0 - int64(41*24*time.Hour) - s.rng.Int64N(int64(20*24*time.Hour))
	s.nginxPID = 1100 + s.rng.IntN(200)
	s.nextConn = uint32(100000 + s.rng.IntN(900000))
	s.stats = make([]secStat, (o.Duration+time.Second-1)/time.Second+1)
	if s.out, err = openOutputs(dir, loc); err != nil {
		return nil, err
	}
	defer s.out.close()

	s.initClients()
	s.initFPM()
	s.initDB()
	s.push(s.t0, evTick, 0, 0)
	login := s.t1
	for k, a := range o.Actions {
		at := s.wall(a.At)
		if at >= s.t0 && at < s.t1 {
			s.push(at, evAction, int32(k), 0)
			if _, typed := operatorCommands[a.Kind]; typed {
				login = min(login, at-int64(75*time.Second))
			}
		}
	}
	if login < s.t1 {
		s.push(max(login, s.t0), evLogin, 0, 0)
	}
	for len(s.h) > 0 {
		e := s.h.pop()
		if e.at >= s.t1 {
			break
		}
		s.now = e.at
		s.dispatch(e)
	}
	if err := s.out.flush(); err != nil {
		return nil, err
	}
	t := s.finishTruth()
	if err := writeTruth(filepath.Join(dir, FileTruth), t); err != nil {
		return nil, err
	}
	return t, nil
}

func (s *sim) dispatch(e event) {
	switch e.kind {
	case evTick:
		s.arrivals(e.at)
		s.maintenance()
		s.checkMemory()
		s.cron()
		if s.db.conns >= s.o.MaxConnections {
			s.sec(s.now).dbSat = true
		}
		if next := e.at + 1e9; next < s.t1 {
			s.push(next, evTick, 0, 0)
		}
	case evArrive:
		if s.reqs[e.id].gen == e.gen {
			s.arrive(e.id)
		}
	case evStaticDone:
		if s.reqs[e.id].gen == e.gen {
			s.staticDone(e.id)
		}
	case evWorkerDone:
		s.workerDone(int(e.id), e.gen)
	case evGiveUp:
		r := &s.reqs[e.id]
		if r.gen == e.gen && !r.responded {
			rc := *r
			s.respond(e.id, 499, 0, s.now-rc.upStart)
			s.retry(rc, 400, 1)
		}
	case evReadTimeout:
		r := &s.reqs[e.id]
		if r.gen == e.gen && !r.responded {
			rc := *r
			s.logUpstreamError(r, ngxTimeout)
			s.respond(e.id, 504, 167, s.now-rc.upStart)
			s.retry(rc, 3000, 1)
		}
	case evSlow:
		s.slow(int(e.id), e.gen)
	case evTerminate:
		s.terminate(int(e.id), e.gen)
	case evAction:
		s.action(s.o.Actions[e.id])
	case evMySQLDown:
		if e.id == 1 {
			s.mysqlRespawn()
		} else {
			s.mysqlDown()
		}
	case evMySQLUp:
		s.mysqlUp()
	case evLogin:
		s.login()
	case evFPMUp:
		s.fpmUp(false)
		s.markUp("php-fpm")
	}
}

// operatorCommands is what the operator typed for each action, as sudo
// logs it to syslog.
var operatorCommands = map[ActionKind]string{
	ActionKillPHP:          "/usr/bin/pkill -9 -f php-fpm: pool www",
	ActionRestartPHP:       "/usr/bin/systemctl restart php8.2-fpm",
	ActionRestartMySQL:     "/usr/bin/systemctl restart mysql",
	ActionRaiseMaxChildren: "/usr/bin/systemctl reload php8.2-fpm",
	ActionMicrocache:       "/usr/sbin/nginx -s reload",
}

func (s *sim) action(a Action) {
	if cmd, ok := operatorCommands[a.Kind]; ok {
		s.login()
		s.syslogLine("sudo", "admin : TTY=pts/0 ; PWD=/home/admin ; USER=root ; COMMAND="+cmd)
	}
	switch a.Kind {
	case ActionKillPHP:
		s.noteRestart("php-fpm", "manual", true)
		s.killAllPHP()
	case ActionRestartPHP:
		s.noteRestart("php-fpm", "manual", false)
		s.restartPHP(false)
	case ActionRestartMySQL:
		s.noteRestart("mysql", "manual", false)
		s.stopMySQL()
	case ActionCrashMySQL:
		s.noteRestart("mysql", "crash", false)
		s.crashMySQL(11)
	case ActionRaiseMaxChildren:
		if a.Value > 0 {
			s.noteRestart("php-fpm", "reload", true)
			s.o.MaxChildren = a.Value
			s.fpm.max = a.Value
			s.restartPHP(true)
		}
	case ActionMicrocache:
		if a.Value > 0 {
			s.noteRestart("nginx", "reload", true)
			s.o.MicrocacheTTL = time.Duration(a.Value) * time.Second
			s.nginxNotice("notice", "signal 1 (SIGHUP) received from 1, reconfiguring")
			s.nginxNotice("notice", "reconfiguring")
			s.nginxNotice("notice", "using the \"epoll\" event method")
			s.nginxNotice("notice", "start worker processes")
			for k := 0; k < 4; k++ {
				s.nginxNotice("notice", "start worker process "+strconv.Itoa(s.nginxPID+5+k))
			}
			s.nginxPID += 4
		}
	}
}

// login writes the operator's ssh login, once.
func (s *sim) login() {
	if s.loggedIn {
		return
	}
	s.loggedIn = true
	s.syslogLine("sshd["+strconv.Itoa(30000+s.rng.IntN(30000))+"]", "Accepted publickey for admin from 198.51.100.23 port "+strconv.Itoa(40000+s.rng.IntN(20000))+" ssh2: ED25519 SHA256:q3vXhB0b2m0cJxLk4fQ6a9yHqz1y7Tq8dQm3o0mX5mE")
}

func (s *sim) initClients() {
	for k := 0; k < 3000; k++ {
		c := s.freshClient(&baselineHumanUA)
		s.clients[c].returning = true
		s.regular = append(s.regular, c)
	}
	bots := []struct {
		prefix string
		ua     int
	}{{"66.249.66.", 11}, {"66.249.68.", 11}, {"40.77.167.", 12}, {"207.46.13.", 12}, {"54.36.148.", 13}, {"54.36.149.", 13}, {"173.252.83.", 14}, {"69.171.249.", 14}}
	for _, b := range bots {
		for k := 0; k < 3; k++ {
			s.crawl = append(s.crawl, s.newClient(b.prefix+strconv.Itoa(1+s.rng.IntN(250)), b.ua, true))
		}
	}
	for k := 0; k < 6; k++ {
		ua := scraperUA.pick(s.rng)
		s.scrape = append(s.scrape, s.newClient("91.242.162."+strconv.Itoa(10+k*7), ua, false))
	}
}

// finishTruth measures the run's truth from the per-second samples.
func (s *sim) finishTruth() *Truth {
	t := &s.truth
	o := &s.o
	t.Scenario = s.sc.Name
	t.Seed = s.seed
	t.Zone = o.Zone
	t.MySQL = o.MySQLVersion
	t.PM = o.PM
	t.WindowStart = time.Unix(0, s.t0).UTC()
	t.WindowEnd = time.Unix(0, s.t1).UTC()
	n := int(o.Duration / time.Second)
	st := s.stats[:n]
	at := func(i int) time.Time { return time.Unix(0, s.t0+int64(i)*1e9).UTC() }

	// baseline: before the first surge or action, else median per minute
	first := s.t1
	for _, sg := range s.sc.Surges {
		first = min(first, s.wall(sg.At))
	}
	for _, a := range o.Actions {
		first = min(first, s.wall(a.At))
	}
	lead := int((first - s.t0) / 1e9)
	var perMin []float64
	for m := 0; m+60 <= n; m += 60 {
		var c int64
		for i := m; i < m+60; i++ {
			c += int64(st[i].arrivals)
		}
		perMin = append(perMin, float64(c)/60)
	}
	if lead >= 60 && lead <= n && first < s.t1 {
		var c int64
		for i := 0; i < lead; i++ {
			c += int64(st[i].arrivals)
		}
		t.BaselineRPS = float64(c) / float64(lead)
	} else if len(perMin) > 0 {
		m := slices.Clone(perMin)
		slices.Sort(m)
		t.BaselineRPS = m[len(m)/2]
	}
	for k, v := range perMin {
		if v > t.PeakRPS {
			t.PeakRPS = v
			p := at(k * 60)
			t.PeakAt = &p
		}
	}
	t.BaselineRPS = round3(t.BaselineRPS)
	t.PeakRPS = round3(t.PeakRPS)

	// incident: trailing 30 s windows
	bad := make([]bool, n)
	var errs, resp, arr int64
	for i := 0; i < n; i++ {
		errs += int64(st[i].errors)
		resp += int64(st[i].responses)
		arr += int64(st[i].arrivals)
		if i >= 30 {
			errs -= int64(st[i-30].errors)
			resp -= int64(st[i-30].responses)
			arr -= int64(st[i-30].arrivals)
		}
		w := min(i+1, 30)
		bad[i] = (errs >= 10 && float64(errs) > 0.05*float64(resp)) ||
			(t.BaselineRPS > 0 && float64(arr)/float64(w) > 3*t.BaselineRPS && i >= 29)
	}
	startI, lastI := -1, -1
	for i := 0; i < n; i++ {
		if !bad[i] {
			continue
		}
		if startI < 0 {
			startI = i
		} else if i-lastI >= 300 {
			break
		}
		lastI = i
	}
	incEnd := n
	if startI >= 0 {
		trig := s.sc.Trigger
		if trig == "" {
			trig = "unknown"
		}
		inc := &TruthIncident{Start: at(startI), Trigger: trig}
		if lastI+300 < n {
			e := at(lastI + 1)
			inc.End = &e
			incEnd = lastI + 1
		}
		t.Incident = inc
	}

	// saturation intervals
	t.Saturation = []TruthSaturation{}
	add := func(res string, limit int64, gap int, flag func(*secStat) bool) {
		a, b := -1, -1
		emit := func() {
			sat := TruthSaturation{Resource: res, Start: at(a), Limit: limit}
			if res == "php-fpm" && st[a].fpmMax > 0 {
				sat.Limit = int64(st[a].fpmMax) // the limit then, before any raise
			}
			if n-1-b >= gap { // else the window ends before the merge gap: still on
				e := at(b + 1)
				sat.End = &e
			}
			t.Saturation = append(t.Saturation, sat)
		}
		for i := 0; i < n; i++ {
			if !flag(&st[i]) {
				continue
			}
			if a >= 0 && i-b > gap {
				emit()
				a = -1
			}
			if a < 0 {
				a = i
			}
			b = i
		}
		if a >= 0 {
			emit()
		}
	}
	add("php-fpm", int64(o.MaxChildren), 30, func(x *secStat) bool { return x.fpmSat })
	add("mysql", int64(o.MaxConnections), 30, func(x *secStat) bool { return x.dbSat })
	add("memory", int64(o.RAMMB), 300, func(x *secStat) bool { return x.memSat })
	slices.SortStableFunc(t.Saturation, func(a, b TruthSaturation) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if a.Resource < b.Resource {
			return -1
		}
		if a.Resource > b.Resource {
			return 1
		}
		return 0
	})

	// restarts and relapses
	t.Restarts = s.restarts
	if t.Restarts == nil {
		t.Restarts = []TruthRestart{}
	}
	for k := range t.Restarts {
		r := &t.Restarts[k]
		if r.UpAt.IsZero() {
			r.UpAt = r.At
		}
		if t.Incident == nil || r.At.Before(t.Incident.Start) || (t.Incident.End != nil && r.At.After(*t.Incident.End)) {
			continue
		}
		for _, sat := range t.Saturation {
			long := sat.End == nil || sat.End.Sub(sat.Start) >= 30*time.Second
			if long && sat.Start.After(r.UpAt.Add(10*time.Second)) && (t.Incident.End == nil || sat.Start.Before(*t.Incident.End)) {
				ra := sat.Start
				r.RelapseAt = &ra
				break
			}
		}
	}

	// retry storm over the incident
	if startI >= 0 {
		var php, retries int64
		for i := startI; i < incEnd; i++ {
			php += int64(st[i].php)
			retries += int64(st[i].retries)
		}
		t.RetryStorm.Retries = retries
		if php > retries {
			t.RetryStorm.Amplification = round3(float64(php) / float64(php-retries))
		}
		t.RetryStorm.Detected = t.RetryStorm.Amplification >= 1.2 && retries >= 200
	}

	if t.FailedWrites == nil {
		t.FailedWrites = []TruthWrite{}
	}
	slices.SortStableFunc(t.FailedWrites, func(a, b TruthWrite) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if a.Client < b.Client {
			return -1
		}
		if a.Client > b.Client {
			return 1
		}
		return 0
	})
	return t
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
