package parsers

// Skip reasons of syslog and journal input.
const reasonNotSyslog = "not a syslog line"

// syslogProg is the service a syslog or journal line comes from, by its tag.
type syslogProg uint8

// The programs a mixed syslog or journal input is split into.
const (
	progOther syslogProg = iota
	progKernel
	progSystemd
	progFPM
	progMySQL
	progNginx
	progApache
)

// programOf classifies a syslog tag or journal SYSLOG_IDENTIFIER:
// "kernel", "systemd", "php-fpm8.2" / "php8.2-fpm", "mysqld" / "mariadbd",
// "nginx", "apache2" / "httpd".
func programOf(tag []byte) syslogProg {
	switch {
	case string(tag) == "kernel":
		return progKernel
	case string(tag) == "systemd" || string(tag) == "init" || string(tag) == "systemd-oomd":
		return progSystemd
	case containsString(tag, "fpm"):
		return progFPM
	case hasPrefixString(tag, "mysqld") || hasPrefixString(tag, "mariadbd") || string(tag) == "mariadb" || string(tag) == "mysql":
		return progMySQL
	case string(tag) == "nginx":
		return progNginx
	case string(tag) == "apache2" || hasPrefixString(tag, "httpd"):
		return progApache
	}
	return progOther
}

// syslogRouter reads a syslog file or `journalctl` text output that mixes
// units, and routes each line by its syslogProg: kernel and systemd lines
// become KindKernel events, php-fpm lines go to the FPM reader (KindFPM),
// mysqld/mariadbd lines to the MySQL error reader, nginx and Apache lines to
// theirs; every other well-formed line is a KindKernel EventOther with Unit
// = its syslogProg. Emitted events carry the kind of the sub-format.
type syslogRouter struct {
	wrap   unwrapper
	w      wrapped
	ev     Event
	subs   subReaders
	outer  int64 // time of the current line, for sub-events without one
	unit   []byte
	emit   func(*Event)
	fillFn func(*Event)
	json   *journalJSONReader // made on the first JSON line
	dmesg  *dmesgReader       // made on the first dmesg line
}

// subReaders are the readers a mixed input routes lines to, made on first
// use.
type subReaders struct {
	opts   EventOptions
	fpm    *fpmReader
	mysql  EventReader
	nginx  *nginxErrorReader
	apache *apacheErrorReader
}

func (s *subReaders) reader(p syslogProg) EventReader {
	switch p {
	case progFPM:
		if s.fpm == nil {
			s.fpm = newFPMReader(s.opts)
		}
		return s.fpm
	case progMySQL:
		if s.mysql == nil {
			s.mysql = newMySQLErrorReader(s.opts)
		}
		return s.mysql
	case progNginx:
		if s.nginx == nil {
			s.nginx = newNginxErrorReader(s.opts)
		}
		return s.nginx
	case progApache:
		if s.apache == nil {
			s.apache = newApacheErrorReader(s.opts)
		}
		return s.apache
	}
	return nil
}

func newSyslogRouter(opts EventOptions) *syslogRouter {
	r := &syslogRouter{wrap: newUnwrapper(opts), subs: subReaders{opts: opts}}
	r.fillFn = r.fill
	return r
}

// fill completes an event of a sub-reader fed a bare message: the line's
// time and syslogProg when it has none of its own.
func (r *syslogRouter) fill(e *Event) {
	if e.Time == 0 {
		e.Time = r.outer
	}
	if len(e.Unit) == 0 {
		e.Unit = r.unit
	}
	r.emit(e)
}

// Feed implements EventReader.
func (r *syslogRouter) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	if journalMeta(line) {
		return nil
	}
	if !r.wrap.unwrap(line, &r.w) || (r.w.form != wrapSyslog && r.w.form != wrapISO) {
		// Kernel input given without its format (--kind PATH=kernel):
		// journal JSON and dmesg lines are read as such.
		if len(line) > 0 && line[0] == '{' {
			if r.json == nil {
				r.json = newJournalJSONReader(r.subs.opts)
			}
			return r.json.Feed(line, num, emit)
		}
		if len(line) > 0 && line[0] == '[' {
			if r.dmesg == nil {
				r.dmesg = newDmesgReader(r.subs.opts)
			}
			if err := r.dmesg.Feed(line, num, emit); err == nil {
				return nil
			}
		}
		return &LineError{Reason: reasonNotSyslog, Detail: detailf("expected Mmm dd hh:mm:ss host syslogProg[pid]:", line)}
	}
	p := programOf(r.w.prog)
	switch p {
	case progKernel, progSystemd, progOther:
		r.local(p, num, r.w.time, r.w.prog, nil, LevelUnknown, r.w.msg, emit)
		return nil
	}
	// Sub-formats read the whole line: their readers know the syslog
	// layer and prefer the stamp of the inner line. They get the physical
	// line number, so the Line of their records (a MySQL record emitted
	// when its next one starts, or on Flush) is the input's. nginx records
	// are flushed at once: a journal line is never continued.
	r.outer, r.unit, r.emit = r.w.time, r.w.prog, emit
	sub := r.subs.reader(p)
	err := sub.Feed(line, num, r.fillFn)
	if p == progNginx {
		sub.Flush(r.fillFn)
	}
	if err != nil {
		// The line is a well-formed syslog line whose message the
		// sub-format does not know: keep it as the syslogProg's EventOther.
		r.local(progOther, num, r.w.time, r.w.prog, nil, LevelUnknown, r.w.msg, emit)
	}
	return nil
}

// feedMessage routes one bare message (a journal JSON entry) with its time,
// program and level; unit is the journal's UNIT field (the unit systemd
// speaks about), which names the unit of systemd events whose text gives
// only a description.
func (r *syslogRouter) feedMessage(t int64, prog, unit []byte, lv Level, msg []byte, num int64, emit func(*Event)) {
	p := programOf(prog)
	switch p {
	case progKernel, progSystemd, progOther:
		r.local(p, num, t, prog, unit, lv, msg, emit)
		return
	}
	r.outer, r.unit, r.emit = t, prog, emit
	sub := r.subs.reader(p)
	err := sub.Feed(msg, num, r.fillFn)
	sub.Flush(r.fillFn)
	if err != nil {
		r.local(progOther, num, t, prog, unit, lv, msg, emit)
	}
}

// local emits a KindKernel event for a kernel, systemd or other line
// (number num); a non-empty unit overrides the unit of systemd events.
func (r *syslogRouter) local(p syslogProg, num, t int64, prog, unit []byte, lv Level, msg []byte, emit func(*Event)) {
	e := &r.ev
	*e = Event{Kind: KindKernel, Time: t, Level: lv, Unit: prog, Lines: 1, Line: num, Text: msg}
	switch p {
	case progKernel:
		_, m := stripUptime(msg)
		classifyKernel(m, e)
	case progSystemd:
		classifySystemd(msg, e)
		if e.Type != EventOther && len(unit) > 0 {
			e.Unit = unit
		}
	}
	defaultLevel(e)
	emit(e)
}

// Flush implements EventReader.
func (r *syslogRouter) Flush(emit func(*Event)) {
	if r.json != nil {
		r.json.Flush(emit)
	}
	r.emit = emit
	if r.subs.fpm != nil {
		r.subs.fpm.Flush(r.fillFn)
	}
	if r.subs.mysql != nil {
		r.subs.mysql.Flush(r.fillFn)
	}
	if r.subs.nginx != nil {
		r.subs.nginx.Flush(r.fillFn)
	}
	if r.subs.apache != nil {
		r.subs.apache.Flush(r.fillFn)
	}
}

// journalMeta reports journalctl's own lines: "-- Logs begin at …",
// "-- Boot 1a2b… --", "-- Reboot --", "-- No entries --".
func journalMeta(b []byte) bool {
	return hasPrefixString(b, "-- ") && (hasPrefixString(b[3:], "Logs begin") || hasPrefixString(b[3:], "Journal begins") ||
		hasPrefixString(b[3:], "Boot ") || hasPrefixString(b[3:], "Reboot") || hasPrefixString(b[3:], "No entries"))
}
