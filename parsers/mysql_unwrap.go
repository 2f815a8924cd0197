package parsers

import "bytes"

// Wrappers around MySQL error-log lines: syslog ("Sep 16 21:30:26 host
// mysqld: …", "2019-09-06T01:45:18 srv mysqld[1234]: …"), journalctl text
// (the same shape), `docker logs -t` ("2024-11-21T10:15:02.123456789Z …") and
// `docker compose logs` ("db-1  | …"). No shared unwrap helper existed in the
// package when this was written, so the MySQL reader strips these prefixes
// itself; the inner line keeps its own stamp, which carries a year and is
// preferred over the wrapper's.

// mysqlUnwrap returns the line inside a syslog, journal or docker prefix and
// the syslog program name (without "[pid]"), if any. ok is false when line
// has no such prefix. Slices alias line.
func mysqlUnwrap(line []byte) (inner, prog []byte, ok bool) {
	if in, ok := mysqlComposePrefix(line); ok {
		line = in
		if in2, p, ok2 := mysqlUnwrap(in); ok2 {
			return in2, p, true
		}
		return in, nil, true
	}
	if len(line) < 16 {
		return nil, nil, false
	}
	// "Mmm dd hh:mm:ss host tag: "
	if len(line) >= 3 && monthIndex(line[:3]) != 0 && line[3] == ' ' && evDigitsSp(line, 4) >= 0 && line[6] == ' ' &&
		line[9] == ':' && line[12] == ':' && line[15] == ' ' {
		return mysqlHostTag(line[16:])
	}
	// "YYYY-MM-DDThh:mm:ss[.f][zone] " then a host and a tag, or (docker -t)
	// another stamped line.
	if line[0] >= '0' && line[0] <= '9' && len(line) >= 20 && line[4] == '-' && line[10] == 'T' {
		st, rest, ok := parseMySQLDateStamp(line)
		if !ok || st.shape != stampISO || len(rest) < 2 || rest[0] != ' ' {
			return nil, nil, false
		}
		rest = rest[1:]
		if _, _, ok := parseMySQLStamp(rest); ok {
			return rest, nil, true
		}
		return mysqlHostTag(rest)
	}
	return nil, nil, false
}

// mysqlHostTag parses "host tag: msg" (tag "mysqld", "mariadbd[1273]") and
// returns msg and the tag without its pid.
func mysqlHostTag(b []byte) (inner, prog []byte, ok bool) {
	sp := mysqlIndexByte(b, ' ', 0)
	if sp <= 0 {
		return nil, nil, false
	}
	tag := b[sp+1:]
	end := -1
	for i, c := range tag {
		if c == ':' {
			end = i
			break
		}
		if c == ' ' || c == '\t' {
			return nil, nil, false
		}
	}
	if end <= 0 || (end+1 < len(tag) && tag[end+1] != ' ') {
		return nil, nil, false
	}
	prog = tag[:end]
	if lb := mysqlIndexByte(prog, '[', 0); lb > 0 && prog[len(prog)-1] == ']' {
		prog = prog[:lb]
	}
	inner = tag[end+1:]
	if len(inner) > 0 && inner[0] == ' ' {
		inner = inner[1:]
	}
	return inner, prog, true
}

// mysqlComposePrefix strips a `docker compose logs` prefix "name  | ".
func mysqlComposePrefix(b []byte) ([]byte, bool) {
	i := 0
	for i < len(b) && i < 64 && mysqlComposeByte(b[i]) {
		i++
	}
	if i == 0 {
		return nil, false
	}
	j := i
	for j < len(b) && b[j] == ' ' {
		j++
	}
	if j == i || j+1 >= len(b) || b[j] != '|' || b[j+1] != ' ' {
		return nil, false
	}
	return b[j+2:], true
}

func mysqlComposeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// mysqlIndexByte is the index of c in b at or after from, or -1.
func mysqlIndexByte(b []byte, c byte, from int) int {
	if from >= len(b) || from < 0 {
		return -1
	}
	if i := bytes.IndexByte(b[from:], c); i >= 0 {
		return from + i
	}
	return -1
}
