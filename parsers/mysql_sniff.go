package parsers

// Sniffing MySQL inputs: is it an error log or a slow log, and of which
// server family.

// MySQL format names reported by sniffMySQL.
const (
	fmtMySQL8          = "mysql 8.x"
	fmtMySQL57         = "mysql 5.7"
	fmtMySQL56         = "mysql 5.6"
	fmtMySQL55         = "mysql 5.5"
	fmtMariaDB         = "mariadb 10.x"
	fmtPerconaSlow     = "percona slow"
	fmtMySQLSlow       = "mysql slow"
	fmtMariaDBSlow     = "mariadb slow"
	mysqlSniffMinStart = 1
)

// sniffMySQL looks at the first non-empty lines of an input and says whether
// they are a MySQL/MariaDB error log (KindMySQLError) or slow log
// (KindMySQLSlow), with the version family as format. ok is false when
// neither fits.
func sniffMySQL(lines [][]byte) (kind Kind, format string, ok bool) {
	if f, ok := sniffMySQLSlow(lines); ok {
		return KindMySQLSlow, f, true
	}
	if f, ok := sniffMySQLError(lines); ok {
		return KindMySQLError, f, true
	}
	return KindUnknown, "", false
}

// sniffMySQLSlow needs a "# Query_time:" line, or a "# Time:" / "# User@Host:"
// header, or the server banner; the flavour comes from the extra fields.
func sniffMySQLSlow(lines [][]byte) (string, bool) {
	var headers, qt int
	percona, mariadb := false, false
	for _, l := range lines {
		l = mysqlTrimCR(l)
		switch {
		case mysqlHasPrefix(l, "# Query_time:"):
			qt++
			headers++
		case mysqlHasPrefix(l, "# Time:"), mysqlHasPrefix(l, "# User@Host:"):
			headers++
		case isSlowBanner(l):
			headers++
			if mysqlContains(l, "Percona") {
				percona = true
			}
			if mysqlContains(l, "MariaDB") {
				mariadb = true
			}
		}
		switch {
		case mysqlContains(l, "QC_hit:"), mysqlHasPrefix(l, "# Rows_affected:"), mysqlContains(l, "Pages_accessed:"):
			mariadb = true // MariaDB writes "QC_hit" and a separate Rows_affected line
		case mysqlContains(l, "QC_Hit:"), mysqlContains(l, "Last_errno:"), mysqlContains(l, "InnoDB_trx_id:"),
			mysqlContains(l, "Log_slow_rate"), mysqlContains(l, "InnoDB_IO_r_ops"), mysqlHasPrefix(l, "# Bytes_sent:"):
			percona = true
		}
	}
	if qt == 0 && headers < 2 {
		return "", false
	}
	switch {
	case mariadb:
		return fmtMariaDBSlow, true
	case percona:
		return fmtPerconaSlow, true
	}
	return fmtMySQLSlow, true
}

// sniffMySQLError counts lines that start an error-log record with a label or
// a known unlabeled shape, against stamped lines that do not look like
// MySQL, and names the family from the stamps seen.
func sniffMySQLError(lines [][]byte) (string, bool) {
	var starts, foreign int
	var yymmdd, dateSpace, iso, my8, mariadb, padded int
	for _, l := range lines {
		l = mysqlTrimCR(l)
		var prog []byte
		if in, p, ok := mysqlUnwrap(l); ok {
			if len(p) > 0 && !mysqlProgram(p) {
				foreign++
				continue
			}
			l, prog = in, p
		}
		st, rest, ok := parseMySQLStamp(l)
		if !ok {
			// MySQL 8 through syslog (log_sink_syseventlog): no inner stamp.
			if len(prog) > 0 && len(l) > 0 && l[0] == '[' {
				if b := parseMySQLBody(l); b.labeled && b.code != 0 {
					starts++
					my8++
				}
			}
			continue
		}
		b := parseMySQLBody(rest)
		if !b.labeled && !mysqlKnownUnlabeled(b.msg) {
			foreign++
			continue
		}
		starts++
		if st.padded {
			padded++
		}
		if b.code != 0 {
			my8++
		}
		if mysqlContains(b.msg, "MariaDB") || mysqlContains(b.msg, "mariadbd") || mysqlContains(prog, "mariadb") {
			mariadb++
		}
		switch st.shape {
		case stampYYMMDD:
			yymmdd++
		case stampDateSpace:
			dateSpace++
		case stampISO:
			iso++
		}
	}
	if starts < mysqlSniffMinStart || starts < foreign {
		return "", false
	}
	switch {
	case my8 > 0:
		return fmtMySQL8, true
	case mariadb > 0 || dateSpace > 0 && padded > 0:
		return fmtMariaDB, true
	case iso > 0:
		return fmtMySQL57, true
	case dateSpace > 0:
		return fmtMySQL56, true
	}
	return fmtMySQL55, true
}

// mysqlKnownUnlabeled matches the unlabeled record starts of old servers and
// crash lines: mysqld_safe, pre-5.1 InnoDB, "mysqld got signal".
func mysqlKnownUnlabeled(msg []byte) bool {
	return mysqlHasPrefix(msg, "mysqld") || mysqlHasPrefix(msg, "InnoDB:") || mysqlHasPrefix(msg, "mariadbd") ||
		mysqlContains(msg, "got signal")
}
