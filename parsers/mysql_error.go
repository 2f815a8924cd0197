package parsers

// MySQL / MariaDB error log (domain.md A.5): one record per stamped line,
// with the unstamped lines after it (crash reports, "Version:" lines, InnoDB
// continuation lines, status dumps) kept as parsed lines of that record.

// mysqlMaxText bounds the text kept for one record; a crash report or an
// InnoDB semaphore dump can run to thousands of lines. Lines past the bound
// still count in Event.Lines.
const mysqlMaxText = 64 << 10

// mysqlClassifyLines is how many lines of an unclassified record are
// searched for its meaning; status and semaphore dumps run to thousands.
const mysqlClassifyLines = 16

// mysqlErrorReader is the EventReader for the MySQL error log. A record is
// emitted when the next stamped line arrives, or on Flush.
//
// Each record: Time (the stamp; a time-only crash stamp takes its day from
// the previous stamped line, 0 when there is none), Level from the label
// ([System] and [Note] → info, [Warning], [ERROR]; unlabeled crash lines are
// critical), Code the MySQL 8 "[MY-nnnnnn]" code, Type and Num from
// classifyMySQL, Text the message after the label and subsystem followed by
// "\n" and each continuation line (bounded by mysqlMaxText), Lines the
// physical lines, Line the number of the stamped (or labeled) line that
// starts the record, Client the host of an "Aborted connection", Unit the
// syslog program when the line was wrapped.
type mysqlErrorReader struct {
	zone    zoneCache
	anchor  mysqlDayAnchor
	year    int // year of classic syslog wrapper stamps (EventOptions.Year)
	lastMon int

	have  bool
	cur   Event
	buf   []byte // the record's text: first message, then "\n"+continuations
	prog  []byte // copy of the syslog program of the first line
	hostS int    // client host span in buf (Aborted connection)
	hostE int
}

// newMySQLErrorReader returns the reader for a MySQL or MariaDB error log.
// Stamps without a zone (5.5, 5.6, MariaDB, "log_timestamps=SYSTEM" without
// offset) are read in opts.Loc.
func newMySQLErrorReader(opts EventOptions) EventReader {
	return &mysqlErrorReader{zone: newZoneCache(opts.Loc), year: opts.Year}
}

// Feed implements EventReader.
func (r *mysqlErrorReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = mysqlTrimCR(line)
	inner, prog, wrapped := mysqlUnwrap(line)
	if !wrapped {
		inner = line
	} else if len(prog) > 0 && !mysqlProgram(prog) {
		// Another unit of a journal or syslog file: never part of a
		// MySQL record (the syslog router splits mixed files by unit).
		return &LineError{Reason: "not a mysql line", Detail: "syslog program " + mysqlQuote(prog)}
	}
	st, rest, ok := parseMySQLStamp(inner)
	if !ok && wrapped && len(inner) > 0 && inner[0] == '[' {
		// MySQL 8 through log_sink_syseventlog: "mysqld[1]: [System]
		// [MY-010116] [Server] …", no stamp of its own; the wrapper's
		// stamp is the record's time.
		if b := parseMySQLBody(inner); b.labeled {
			if r.have {
				r.finish()
				emit(&r.cur)
			}
			r.startBody(num, r.wrapperTime(line), b, prog)
			return nil
		}
	}
	if !ok {
		if r.have {
			r.continueRecord(inner)
			return nil
		}
		if len(mysqlTrimRight(line)) == 0 {
			return &LineError{Reason: "blank line"}
		}
		return &LineError{Reason: "not a mysql error-log line", Detail: "no timestamp and no record to continue, got " + mysqlQuote(line)}
	}
	if r.have {
		r.finish()
		emit(&r.cur)
	}
	r.start(num, st, rest, prog)
	return nil
}

// Flush implements EventReader.
func (r *mysqlErrorReader) Flush(emit func(*Event)) {
	if r.have {
		r.finish()
		emit(&r.cur)
		r.have = false
	}
}

// start begins a record at stamped line num.
func (r *mysqlErrorReader) start(num int64, st mysqlStamp, rest, prog []byte) {
	var ns int64
	if sec, ok := r.unix(st); ok {
		ns = sec*1e9 + st.nsec
	}
	r.startBody(num, ns, parseMySQLBody(rest), prog)
}

// startBody begins a record at line num and time ns (0: unknown) with the
// parsed body b.
func (r *mysqlErrorReader) startBody(num, ns int64, b mysqlBody, prog []byte) {
	r.cur = Event{Kind: KindMySQLError, Lines: 1, Line: num, Time: ns}
	r.have = true
	r.hostS, r.hostE = 0, 0
	r.cur.Level = b.level
	r.cur.Code = b.code
	r.buf = append(r.buf[:0], b.msg...)
	if len(r.buf) > mysqlMaxText {
		r.buf = r.buf[:mysqlMaxText]
	}
	r.prog = append(r.prog[:0], prog...)
	c := classifyMySQL(r.buf, b.code, b.entrypoint)
	r.apply(c)
}

// apply records a classification of the record's text (buf offsets).
func (r *mysqlErrorReader) apply(c mysqlClass) {
	r.cur.Type = c.typ
	r.cur.PID = c.pid
	r.cur.Num = [4]int64{c.num}
	r.hostS, r.hostE = c.hostS, c.hostE
}

// continueRecord adds an unstamped line to the current record.
func (r *mysqlErrorReader) continueRecord(line []byte) {
	r.cur.Lines++
	if len(r.buf)+1+len(line) > mysqlMaxText {
		return
	}
	off := len(r.buf) + 1
	r.buf = append(r.buf, '\n')
	r.buf = append(r.buf, line...)
	switch {
	case r.cur.Type == MySQLReady && r.cur.Num[0] < 0:
		// "Version: '5.7.44'  socket: '…'  port: 3306  …" under the ready line.
		r.cur.Num[0] = mysqlPort(line)
	case r.cur.Type == EventOther && r.cur.Lines <= mysqlClassifyLines:
		// A pre-5.1 InnoDB message or mysqld_safe line whose meaning is on
		// a later line ("InnoDB: Starting crash recovery.").
		if c := classifyMySQL(line, 0, false); c.typ != EventOther {
			if c.hostE > c.hostS {
				c.hostS += off
				c.hostE += off
			}
			r.apply(c)
		}
	}
}

// finish sets the slices of the current record before it is emitted.
func (r *mysqlErrorReader) finish() {
	r.cur.Text = mysqlTrimRight(r.buf)
	if r.hostE > r.hostS && r.hostE <= len(r.buf) {
		r.cur.Client = r.buf[r.hostS:r.hostE]
	}
	if len(r.prog) > 0 {
		r.cur.Unit = r.prog
	}
}

// unix returns the Unix seconds of a stamp and remembers it as the day
// anchor for time-only crash lines.
func (r *mysqlErrorReader) unix(st mysqlStamp) (int64, bool) {
	var sec int64
	switch {
	case st.shape == stampTimeOnly:
		return r.anchor.timeOnlyUnix(st)
	case st.hasOff:
		sec = civilToUnix(st.y, st.mo, st.d, st.h, st.mi, st.s) - st.off
	default:
		sec = r.zone.unix(civilToUnix(st.y, st.mo, st.d, st.h, st.mi, st.s))
	}
	r.anchor = mysqlDayAnchor{unix: sec, set: true}
	return sec, true
}

// mysqlProgram reports whether a syslog program name is the MySQL or MariaDB
// server or its wrappers (mysqld, mysqld_safe, mariadbd, mariadb-server).
func mysqlProgram(prog []byte) bool {
	return mysqlContains(prog, "mysql") || mysqlContains(prog, "mariadb") || mysqlContains(prog, "MariaDB") || mysqlContains(prog, "MySQL")
}

// wrapperTime returns the instant of a syslog or ISO wrapper stamp in
// Unix nanoseconds, 0 when it has none or (classic syslog) no year is
// known: EventOptions.Year, moved on when the month wraps.
func (r *mysqlErrorReader) wrapperTime(line []byte) int64 {
	if len(line) >= 16 && line[0] >= '0' && line[0] <= '9' {
		st, _, ok := parseMySQLDateStamp(line)
		if !ok {
			return 0
		}
		sec, _ := r.unix(st)
		return sec*1e9 + st.nsec
	}
	if len(line) < 16 || r.year == 0 {
		return 0
	}
	mo := monthIndex(line[:3])
	d, h, mi, sec := evDigitsSp(line, 4), evDigits(line, 7, 2), evDigits(line, 10, 2), evDigits(line, 13, 2)
	if mo == 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || !myValidCivil(mo, d, h, mi, sec) {
		return 0
	}
	if r.lastMon != 0 && mo+6 < r.lastMon {
		r.year++
	}
	r.lastMon = mo
	u := r.zone.unix(civilToUnix(r.year, mo, d, h, mi, sec))
	r.anchor = mysqlDayAnchor{unix: u, set: true}
	return u * 1e9
}

func mysqlTrimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// mysqlQuote returns b as a Go-quoted string of at most 120 bytes, for error
// details (bad lines only: it allocates).
func mysqlQuote(b []byte) string {
	const max = 120
	s := b
	suffix := ""
	if len(s) > max {
		s, suffix = s[:max], "…"
	}
	out := make([]byte, 0, len(s)+8)
	out = append(out, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20 || c == 0x7f:
			const hex = "0123456789abcdef"
			out = append(out, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			out = append(out, c)
		}
	}
	out = append(out, '"')
	return string(out) + suffix
}
