package parsers

import "bytes"

// MySQL / MariaDB / Percona slow query log (domain.md A.5): a record is a
// block of "# Key: value" header lines followed by the statement. Records are
// told apart by their headers, since MySQL omits "# Time:" when several
// queries share a second, Percona puts "# Time:" and "# User@Host:" on one
// line, and a server restart writes its banner in the middle of the file.

// mysqlSlowReader is the EventReader for slow logs. It emits one
// MySQLSlowQuery Event per record with a "# Query_time:" header or a
// statement: Time, Num[0] query time µs, Num[1] lock time µs, Num[2] rows
// examined, Num[3] rows sent (each -1 when missing or corrupted), Text the
// statement (without its final ';'; "use db;" and "SET timestamp=N;" lines
// are metadata, not statement), Host "user@host", Unit the database, PID the
// connection (thread) id, Line the record's first line (its first "# …"
// header: "# Time:" when it has one, else "# User@Host:" or the first
// header after the previous record's statement).
//
// Time is the statement's start: "SET timestamp=N" when the record has it
// (an epoch: the reliable clock), refined by "# Time:" minus Query_time when
// that has microseconds and agrees; else "# Time:" (when the entry was
// written, after the statement) minus Query_time, with the previous
// record's "# Time:" standing in when the server omitted it (same second).
// A corrupted "# Time:" ("margdl 11:48:27") is ignored.
//
// Every physical line is parsed or skipped: header and statement lines of a
// record and the server banner lines are parsed; blank lines and statements
// outside any record are skipped.
type mysqlSlowReader struct {
	zone zoneCache

	have     bool // a record is open
	body     bool // its statement (or metadata) lines have begun
	stmt     bool // the statement proper has begun
	haveQT   bool
	lines    int
	first    int64 // number of the record's first line
	timeNs   int64 // from "# Time:"
	timeAbs  bool  // "# Time:" carried a zone (Z / offset)
	timeFrac bool  // "# Time:" had a fraction of a second
	timeSet  bool
	setTS    int64 // from "SET timestamp=N"
	setTSSet bool
	lastNs   int64 // "# Time:" of the previous record, for records without one
	lastFrac bool
	num      [4]int64
	pid      int64
	text     []byte
	host     []byte
	schema   []byte
	useDB    []byte
	useLine  []byte // the "use db;" line, the statement when nothing follows

	ev Event
}

// newMySQLSlowReader returns the reader for a MySQL, MariaDB or Percona slow
// log. "# Time:" stamps without a zone are read in opts.Loc; "SET
// timestamp=N" is a Unix epoch and preferred when present.
func newMySQLSlowReader(opts EventOptions) EventReader {
	return &mysqlSlowReader{zone: newZoneCache(opts.Loc)}
}

// Feed implements EventReader.
func (r *mysqlSlowReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = mysqlTrimCR(line)
	if len(line) > 0 && line[0] == '#' && !mysqlHasPrefix(line, "# administrator command:") &&
		(!r.stmt || isSlowHeader(line)) {
		r.header(line, num, emit)
		return nil
	}
	if isSlowBanner(line) {
		r.finish(emit)
		return nil
	}
	if !r.have {
		if len(mysqlTrimRight(line)) == 0 {
			return &LineError{Reason: "blank line"}
		}
		return &LineError{Reason: "statement without header", Detail: "no \"# Query_time:\" or \"# User@Host:\" before it, got " + mysqlQuote(line)}
	}
	r.bodyLine(line)
	return nil
}

// Flush implements EventReader.
func (r *mysqlSlowReader) Flush(emit func(*Event)) { r.finish(emit) }

// open starts a new record at line num, emitting the open one.
func (r *mysqlSlowReader) open(num int64, emit func(*Event)) {
	r.finish(emit)
	r.have, r.first = true, num
	r.num = [4]int64{-1, -1, -1, -1}
	r.text = r.text[:0]
	r.host = r.host[:0]
	r.schema = r.schema[:0]
	r.useDB = r.useDB[:0]
	r.useLine = r.useLine[:0]
	r.pid = 0
}

// header handles "# …" line num.
func (r *mysqlSlowReader) header(line []byte, num int64, emit func(*Event)) {
	rest := line[1:]
	rest = mysqlTrimLeft(rest)
	switch {
	case mysqlHasPrefix(rest, "Time:"):
		if !r.have || r.body || r.timeSet || r.haveQT || len(r.host) > 0 {
			r.open(num, emit)
		}
		t := mysqlTrimLeft(rest[len("Time:"):])
		// Percona: "# Time: 071218 11:48:27 # User@Host: …" on one line.
		var uh []byte
		if i := mysqlIndex(t, " # "); i >= 0 {
			uh = mysqlTrimLeft(t[i+3:])
			t = t[:i]
		}
		if ns, abs, ok := r.parseSlowTime(mysqlTrimRight(t)); ok {
			r.timeNs, r.timeAbs, r.timeSet = ns, abs, true
			r.timeFrac = mysqlIndexByte(t, '.', 0) >= 0
		}
		r.lines++
		if mysqlHasPrefix(uh, "User@Host:") {
			r.userHost(uh[len("User@Host:"):])
		}
		return
	case mysqlHasPrefix(rest, "User@Host:"):
		if !r.have || r.body || r.haveQT {
			r.open(num, emit)
		}
		r.lines++
		r.userHost(rest[len("User@Host:"):])
		return
	case mysqlHasPrefix(rest, "Query_time:"):
		if !r.have || r.body || r.haveQT {
			r.open(num, emit)
		}
		r.haveQT = true
	default:
		if !r.have || r.body {
			r.open(num, emit)
		}
	}
	r.lines++
	r.fields(rest)
}

// fields reads the "Key: value" pairs of a header line.
func (r *mysqlSlowReader) fields(b []byte) {
	for len(b) > 0 {
		b = mysqlTrimLeft(b)
		colon := mysqlIndexByte(b, ':', 0)
		if colon <= 0 {
			return
		}
		key := b[:colon]
		if sp := bytes.LastIndexByte(key, ' '); sp >= 0 {
			key = key[sp+1:]
		}
		b = b[colon+1:]
		b = mysqlTrimLeft(b)
		end := 0
		for end < len(b) && b[end] != ' ' && b[end] != '\t' {
			end++
		}
		val := b[:end]
		if len(val) > 0 && val[len(val)-1] == ':' {
			// "Schema:   Last_errno: 0": an empty value, val is the next key.
			val = nil
			end = 0
		}
		b = b[end:]
		switch string(key) {
		case "Query_time":
			r.num[0] = slowMicros(val)
		case "Lock_time":
			r.num[1] = slowMicros(val)
		case "Rows_examined":
			r.num[2] = slowCount(val)
		case "Rows_sent":
			r.num[3] = slowCount(val)
		case "Thread_id", "Id":
			if v, n := evUint(val); n == len(val) && n > 0 {
				r.pid = v
			}
		case "Schema":
			r.schema = append(r.schema[:0], val...)
		}
	}
}

// userHost parses "app[app] @ localhost [10.0.0.1]  Id: 42" into Host
// "app@localhost" (the IP when the host name is empty) and the thread id.
func (r *mysqlSlowReader) userHost(b []byte) {
	b = mysqlTrimLeft(b)
	at := mysqlIndex(b, " @ ")
	if at < 0 {
		r.host = append(r.host[:0], mysqlTrimRight(b)...)
		return
	}
	userPart := b[:at]
	user := userPart
	if lb := mysqlIndexByte(userPart, '[', 0); lb >= 0 {
		if rb := mysqlIndexByte(userPart, ']', lb+1); rb > lb+1 {
			user = userPart[lb+1 : rb]
		} else {
			user = userPart[:lb]
		}
	}
	rest := mysqlTrimLeft(b[at+3:])
	var host, ip []byte
	if len(rest) > 0 && rest[0] != '[' {
		e := 0
		for e < len(rest) && rest[e] != ' ' {
			e++
		}
		host = rest[:e]
		rest = mysqlTrimLeft(rest[e:])
	}
	if len(rest) > 0 && rest[0] == '[' {
		if rb := mysqlIndexByte(rest, ']', 1); rb > 0 {
			ip = rest[1:rb]
			rest = rest[rb+1:]
		}
	}
	if len(host) == 0 {
		host = ip
	}
	r.host = append(r.host[:0], user...)
	if len(host) > 0 {
		r.host = append(r.host, '@')
		r.host = append(r.host, host...)
	}
	r.fields(rest)
}

// bodyLine handles a line after the headers: "use db;", "SET timestamp=N;",
// then the statement.
func (r *mysqlSlowReader) bodyLine(line []byte) {
	r.body = true
	r.lines++
	if !r.stmt {
		t := mysqlTrimRight(line)
		if len(t) == 0 {
			return
		}
		if db, ok := slowUse(t); ok && len(r.useDB) == 0 {
			r.useDB = append(r.useDB[:0], db...)
			r.useLine = append(r.useLine[:0], t...)
			return
		}
		if ts, ok := slowSetTimestamp(t); ok {
			if ts >= 0 {
				r.setTS, r.setTSSet = ts, true
			}
			return
		}
		r.stmt = true
		if mysqlHasPrefix(t, "# administrator command:") {
			line = t[2:]
		}
		r.text = append(r.text[:0], line...)
		return
	}
	r.text = append(r.text, '\n')
	r.text = append(r.text, line...)
}

// finish emits the open record, if it has a query time or a statement.
func (r *mysqlSlowReader) finish(emit func(*Event)) {
	if !r.have {
		return
	}
	if r.haveQT || r.stmt || len(r.useLine) > 0 {
		e := &r.ev
		*e = Event{Kind: KindMySQLSlow, Type: MySQLSlowQuery, Level: LevelInfo, Num: r.num, PID: r.pid, Lines: r.lines, Line: r.first}
		e.Time = r.startTime()
		text := r.text
		if !r.stmt {
			text = r.useLine
		}
		text = mysqlTrimRight(text)
		if len(text) > 0 && text[len(text)-1] == ';' {
			text = mysqlTrimRight(text[:len(text)-1])
		}
		e.Text = text
		if len(r.host) > 0 {
			e.Host = r.host
		}
		switch {
		case len(r.useDB) > 0:
			e.Unit = r.useDB
		case len(r.schema) > 0:
			e.Unit = r.schema
		}
		emit(e)
	}
	if r.timeSet {
		r.lastNs, r.lastFrac = r.timeNs, r.timeFrac
	}
	r.have, r.body, r.stmt, r.haveQT = false, false, false, false
	r.timeSet, r.timeAbs, r.timeFrac, r.setTSSet = false, false, false, false
	r.lines = 0
}

// startTime returns the statement's start in Unix nanoseconds (0 when the
// record says nothing of its time): "SET timestamp=N", refined to the
// microsecond by "# Time:" minus Query_time when "# Time:" has a fraction
// and agrees; else "# Time:" (or, when absent, the previous record's, which
// the server omitted as the same second) minus Query_time.
func (r *mysqlSlowReader) startTime() int64 {
	write, frac := r.timeNs, r.timeFrac
	if !r.timeSet {
		write, frac = r.lastNs, r.lastFrac
	}
	qt := max(r.num[0], 0) * 1e3
	if r.setTSSet {
		ts := r.setTS * 1e9
		if write != 0 && frac {
			if s := write - qt; s >= ts-1e9 && s < ts+2e9 {
				return s
			}
		}
		return ts
	}
	if write == 0 {
		return 0
	}
	return write - qt
}

// parseSlowTime parses the value of "# Time:": "2021-01-26T23:45:57.678222Z"
// (5.7+), "071015 21:43:52", "081127  8:51:20", "100518 5:11:01",
// "121123 19:56:06.0000001967" (Percona µs). abs is true when the stamp had a
// zone.
func (r *mysqlSlowReader) parseSlowTime(b []byte) (ns int64, abs, ok bool) {
	if len(b) >= 19 && b[4] == '-' {
		st, rest, ok := parseMySQLDateStamp(b)
		if !ok || len(mysqlTrimRight(rest)) != 0 {
			return 0, false, false
		}
		if st.hasOff {
			return (civilToUnix(st.y, st.mo, st.d, st.h, st.mi, st.s)-st.off)*1e9 + st.nsec, true, true
		}
		return r.zone.unix(civilToUnix(st.y, st.mo, st.d, st.h, st.mi, st.s))*1e9 + st.nsec, false, true
	}
	if len(b) < 13 || b[6] != ' ' {
		return 0, false, false
	}
	yy, mo, d := evDigits(b, 0, 2), evDigits(b, 2, 2), evDigits(b, 4, 2)
	i := 7
	for i < len(b) && b[i] == ' ' {
		i++
	}
	hv, hn := evUint(b[i:])
	if yy < 0 || mo < 0 || d < 0 || hn < 1 || hn > 2 {
		return 0, false, false
	}
	i += hn
	if i+6 > len(b) || b[i] != ':' || b[i+3] != ':' {
		return 0, false, false
	}
	mi, s := evDigits(b, i+1, 2), evDigits(b, i+4, 2)
	h := int(hv)
	if mi < 0 || s < 0 || !myValidCivil(mo, d, h, mi, s) {
		return 0, false, false
	}
	i += 6
	var frac int64
	if i < len(b) && b[i] == '.' {
		f, n := evFrac(b[i+1:])
		frac = f
		i += 1 + n
	}
	if i != len(b) {
		return 0, false, false
	}
	return r.zone.unix(civilToUnix(2000+yy, mo, d, h, mi, s))*1e9 + frac, false, true
}

// slowMicros parses a seconds value ("0.011853", "2", "10.000373") as
// microseconds; -1 when it is not a plain decimal or is implausibly large
// (MySQL's wrapped negative times: "18446744073708.796870.000036").
func slowMicros(b []byte) int64 {
	ip, n := evUint(b)
	if n == 0 || n > 9 {
		return -1
	}
	us := ip * 1e6
	if n == len(b) {
		return us
	}
	if b[n] != '.' {
		return -1
	}
	frac := b[n+1:]
	var f int64
	scale := int64(100000)
	for i, c := range frac {
		if c < '0' || c > '9' {
			return -1
		}
		if i < 6 {
			f += int64(c-'0') * scale
			scale /= 10
		}
	}
	return us + f
}

// slowCount parses a row count; -1 when it is not a number.
func slowCount(b []byte) int64 {
	v, n := evUint(b)
	if n == 0 || n != len(b) {
		return -1
	}
	return v
}

// slowUse matches a "use db;" line and returns db without backticks.
func slowUse(t []byte) ([]byte, bool) {
	if len(t) < 5 || (t[0]|0x20) != 'u' || (t[1]|0x20) != 's' || (t[2]|0x20) != 'e' || t[3] != ' ' {
		return nil, false
	}
	db := mysqlTrimLeft(t[4:])
	if len(db) > 0 && db[len(db)-1] == ';' {
		db = db[:len(db)-1]
	}
	if len(db) >= 2 && db[0] == '`' && db[len(db)-1] == '`' {
		db = db[1 : len(db)-1]
	}
	if len(db) == 0 || bytes.IndexByte(db, ' ') >= 0 {
		return nil, false
	}
	return db, true
}

// slowSetTimestamp matches the metadata line "SET timestamp=N;" (also with
// insert_id / last_insert_id assignments) and returns N, or -1 when the line
// sets only insert ids. Other SET statements are queries.
func slowSetTimestamp(t []byte) (int64, bool) {
	if len(t) < 5 || (t[0]|0x20) != 's' || (t[1]|0x20) != 'e' || (t[2]|0x20) != 't' || t[3] != ' ' {
		return 0, false
	}
	b := t[4:]
	if len(b) > 0 && b[len(b)-1] == ';' {
		b = b[:len(b)-1]
	}
	ts := int64(-1)
	for len(b) > 0 {
		var item []byte
		if c := mysqlIndexByte(b, ',', 0); c >= 0 {
			item, b = b[:c], b[c+1:]
		} else {
			item, b = b, nil
		}
		eq := mysqlIndexByte(item, '=', 0)
		if eq <= 0 {
			return 0, false
		}
		key := item[:eq]
		v, n := evUint(item[eq+1:])
		if n == 0 || n != len(item)-eq-1 {
			return 0, false
		}
		switch string(key) {
		case "timestamp":
			ts = v
		case "insert_id", "last_insert_id":
		default:
			return 0, false
		}
	}
	return ts, true
}

// isSlowHeader reports whether a '#' line met inside a statement is a
// header that starts the next record ("# Time:", "# Query_time: …",
// "# No InnoDB statistics…") rather than a "# comment" line of a multi-line
// statement: a header is "# " followed by a key word and a colon.
func isSlowHeader(line []byte) bool {
	b := mysqlTrimLeft(line[1:])
	if mysqlHasPrefix(b, "No InnoDB statistics") {
		return true
	}
	n := 0
	for n < len(b) && (b[n] >= 'A' && b[n] <= 'Z' || b[n] >= 'a' && b[n] <= 'z' || b[n] == '_' || b[n] == '@' || n > 0 && b[n] >= '0' && b[n] <= '9') {
		n++
	}
	return n > 0 && n < len(b) && b[n] == ':'
}

// isSlowBanner matches the three lines a server writes when it opens the
// slow log ("/usr/sbin/mysqld, Version: 5.7.12-log (…). started with:",
// "Tcp port: 3306  Unix socket: …", "Time                 Id Command    Argument").
func isSlowBanner(line []byte) bool {
	switch {
	case mysqlContains(line, ", Version: ") && mysqlContains(line, "started with:"):
		return true
	case mysqlHasPrefix(line, "Tcp port: "), mysqlHasPrefix(line, "TCP Port: "):
		return true
	case mysqlHasPrefix(line, "Time ") && mysqlContains(line, "Id Command") && mysqlContains(line, "Argument"):
		return true
	}
	return false
}
