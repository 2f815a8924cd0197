package parsers

import "bytes"

// Query fingerprints as pt-query-digest computes them (percona-toolkit
// lib/QueryRewriter.pm, fingerprint): comments stripped, literals replaced
// by "?", whitespace collapsed, lower-cased, IN(...) and VALUES(...) lists
// collapsed to "(?+)", repeated UNIONs folded, LIMIT and ORDER BY … ASC
// normalised. The regular expressions of the Perl original are written out as
// scans here. Known differences, all deliberate:
//   - a comment marker inside a quoted string is part of the string (Perl
//     strips comments before it sees quotes);
//   - trailing whitespace and a final ';' are dropped (Perl keeps a trailing
//     space after a stripped end-of-line comment);
//   - "ASC" is dropped after ORDER BY only as a whole word (Perl also eats
//     the "asc" of "ascending").

// Fingerprint appends the fingerprint of query to dst and returns the
// extended slice. It uses the spare capacity of dst as scratch space and
// allocates only when that is too small: callers that reuse dst allocate
// nothing in steady state.
func Fingerprint(dst []byte, query []byte) []byte {
	q := fpTrim(query)
	for len(q) > 0 && q[len(q)-1] == ';' {
		q = fpTrim(q[:len(q)-1])
	}
	start := len(dst)
	switch {
	case fpHasPrefixFold(q, "SELECT /*!40001 SQL_NO_CACHE */ * FROM `"):
		return append(dst, "mysqldump"...)
	case fpToolkitComment(q):
		return append(dst, "percona-toolkit"...)
	case fpHasPrefix(q, "administrator command: "):
		return append(dst, q...)
	}
	if name, ok := fpCall(q); ok {
		dst = append(dst, "call "...)
		return fpAppendLower(dst, name)
	}
	q = fpShortenInsert(q)
	if fpIsUse(q) {
		return append(dst, "use ?"...)
	}
	dst = fpLiterals(dst, q)
	// The passes below rewrite dst[start:] into the spare space after it and
	// copy the result back.
	dst = fpPass(dst, start, fpCollapseLists)
	dst = fpPass(dst, start, fpCollapseUnion)
	dst = fpPass(dst, start, fpLimit)
	dst = fpPass(dst, start, fpOrderByAsc)
	return dst
}

// fpPass runs one rewriting pass over dst[start:].
func fpPass(dst []byte, start int, pass func(out, in []byte) []byte) []byte {
	end := len(dst)
	dst = pass(dst, dst[start:end])
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

// fpLiterals is the first pass: comments, quoted strings, numbers, booleans
// and NULL become '?' or nothing, whitespace runs become one space, letters
// become lower case.
func fpLiterals(dst, q []byte) []byte {
	start := len(dst)
	space := false // a whitespace run is pending
	var prevRaw byte
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f':
			space = true
			prevRaw = c
			i++
			continue
		case c == '-' && i+1 < len(q) && q[i+1] == '-' || c == '#':
			if e, ok := fpLineComment(q, i); ok {
				i = e
				continue
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*' && (i+2 >= len(q) || q[i+2] != '!'):
			if e := fpIndex(q[i+2:], "*/"); e >= 0 {
				i += 2 + e + 2
				continue
			}
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		switch {
		case c == '\'' || c == '"':
			e := fpQuoteEnd(q, i)
			if e < 0 {
				// Unterminated: the Perl regex leaves the quote; so do we.
				dst = append(dst, c)
				prevRaw = c
				i++
				continue
			}
			dst = fpQuestion(dst, start, prevRaw)
			prevRaw = '?'
			i = e
		case c >= '0' && c <= '9' || c == '+' || c == '-':
			j := i + 1
			for j < len(q) && fpNumByte(q[j]) {
				j++
			}
			dst = fpQuestion(dst, start, prevRaw)
			prevRaw = '?'
			i = j
		case fpWordStart(q, i):
			j := i
			for j < len(q) && fpWordByte(q[j]) {
				j++
			}
			w := q[i:j]
			if fpEqualFold(w, "true") || fpEqualFold(w, "false") || fpEqualFold(w, "null") {
				dst = fpQuestion(dst, start, prevRaw)
				prevRaw = '?'
				i = j
				continue
			}
			dst = append(dst, fpLower(c))
			prevRaw = c
			i++
		default:
			dst = append(dst, fpLower(c))
			prevRaw = c
			i++
		}
	}
	return dst
}

// fpQuestion appends '?', first replacing a preceding x, b, '.', '+' or '-'
// (pt's "clean up leftovers": x'1f', b'101', .5).
func fpQuestion(dst []byte, start int, prevRaw byte) []byte {
	if n := len(dst); n > start {
		switch prevRaw {
		case 'x', 'b', '.', '+', '-':
			dst = dst[:n-1]
		}
	}
	return append(dst, '?')
}

// fpLineComment returns the end of a "--" or "#" comment starting at i: pt
// strips to the end of the line only when no quote follows on that line.
func fpLineComment(q []byte, i int) (int, bool) {
	for j := i; j < len(q); j++ {
		switch q[j] {
		case '\'', '"':
			return 0, false
		case '\n', '\r':
			return j, true
		}
	}
	return len(q), true
}

// fpQuoteEnd returns the index after the quote that closes the string
// opening at q[i], skipping backslash escapes; -1 when it is not closed.
func fpQuoteEnd(q []byte, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case quote:
			return j + 1
		}
	}
	return -1
}

// fpNumByte is pt's class [0-9a-f.xb+-] for the rest of a number.
func fpNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '.' || c == 'x' || c == '+' || c == '-'
}

func fpWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// fpWordStart reports whether a letter at q[i] starts a word (\b).
func fpWordStart(q []byte, i int) bool {
	c := q[i]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	return i == 0 || !fpWordByte(q[i-1])
}

// fpCollapseLists collapses `\b(in|values?)(?:[\s,]*\([\s?,]*\))+` into
// "$1(?+)".
func fpCollapseLists(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if (in[i] == 'i' || in[i] == 'v') && (i == 0 || !fpWordByte(in[i-1])) {
			kw := 0
			switch {
			case fpHasPrefix(in[i:], "values"):
				kw = 6
			case fpHasPrefix(in[i:], "value"):
				kw = 5
			case fpHasPrefix(in[i:], "in"):
				kw = 2
			}
			if kw > 0 {
				if end := fpListsEnd(in, i+kw); end > 0 {
					out = append(out, in[i:i+kw]...)
					out = append(out, "(?+)"...)
					i = end
					continue
				}
			}
		}
		out = append(out, in[i])
		i++
	}
	return out
}

// fpListsEnd matches `(?:[\s,]*\([\s?,]*\))+` at in[j:] and returns its
// end, or 0 when there is no list.
func fpListsEnd(in []byte, j int) int {
	end := 0
	for {
		k := j
		for k < len(in) && (in[k] == ' ' || in[k] == ',') {
			k++
		}
		if k >= len(in) || in[k] != '(' {
			return end
		}
		k++
		for k < len(in) && (in[k] == ' ' || in[k] == '?' || in[k] == ',') {
			k++
		}
		if k >= len(in) || in[k] != ')' {
			return end
		}
		end = k + 1
		j = end
	}
}

// fpCollapseUnion folds `\b(select\s.*?)(?:(\sunion(?:\sall)?)\s\1)+` into
// "$1 /*repeat$2*/".
func fpCollapseUnion(out, in []byte) []byte {
	if len(in) > fpUnionMax {
		return append(out, in...)
	}
	for i := 0; i < len(in); {
		if in[i] == 's' && fpHasPrefix(in[i:], "select ") && (i == 0 || !fpWordByte(in[i-1])) {
			if l, sep, end := fpUnionRun(in, i); end > 0 {
				out = append(out, in[i:i+l]...)
				out = append(out, " /*repeat"...)
				out = append(out, sep...)
				out = append(out, "*/"...)
				i = end
				continue
			}
		}
		out = append(out, in[i])
		i++
	}
	return out
}

// fpUnionMax bounds the query length the UNION fold is tried on: the search
// is quadratic in the worst case.
const fpUnionMax = 16 << 10

// fpUnionRun finds the shortest select text at in[i:] followed by one or more
// " union[ all] " + the same text. It returns the text length, the separator
// (" union" or " union all") and the end of the run; end is 0 when none.
func fpUnionRun(in []byte, i int) (int, []byte, int) {
	for p := i + len("select "); p < len(in); p++ {
		u := fpIndex(in[p:], " union")
		if u < 0 {
			return 0, nil, 0
		}
		p += u
		s := in[i:p]
		sep := in[p : p+len(" union")]
		k := p + len(" union")
		if fpHasPrefix(in[k:], " all") {
			sep = in[p : k+len(" all")]
			k += len(" all")
		}
		end := 0
		for k < len(in) && in[k] == ' ' && bytes.HasPrefix(in[k+1:], s) {
			end = k + 1 + len(s)
			next := end
			if !bytes.HasPrefix(in[next:], sep) || next+len(sep) >= len(in) || in[next+len(sep)] != ' ' {
				break
			}
			k = next + len(sep)
		}
		if end > 0 {
			return len(s), sep, end
		}
	}
	return 0, nil, 0
}

// fpLimit rewrites the first `\blimit \?(?:, ?\?| offset \?)?` to "limit ?".
func fpLimit(out, in []byte) []byte {
	for i := 0; i < len(in); i++ {
		if in[i] == 'l' && fpHasPrefix(in[i:], "limit ?") && (i == 0 || !fpWordByte(in[i-1])) {
			end := i + len("limit ?")
			switch {
			case fpHasPrefix(in[end:], ", ?"):
				end += 3
			case fpHasPrefix(in[end:], ",?"):
				end += 2
			case fpHasPrefix(in[end:], " offset ?"):
				end += len(" offset ?")
			}
			out = append(out, in[:i]...)
			out = append(out, "limit ?"...)
			return append(out, in[end:]...)
		}
	}
	return append(out, in...)
}

// fpOrderByAsc drops " asc" words after the first "order by ".
func fpOrderByAsc(out, in []byte) []byte {
	ob := fpIndex(in, "order by ")
	if ob < 0 {
		return append(out, in...)
	}
	out = append(out, in[:ob+len("order by ")]...)
	for i := ob + len("order by "); i < len(in); {
		if in[i] == ' ' && fpHasPrefix(in[i+1:], "asc") && (i+4 == len(in) || !fpWordByte(in[i+4])) && i > ob+len("order by ") {
			i += 4
			continue
		}
		out = append(out, in[i])
		i++
	}
	return out
}

// fpShortenInsert keeps only the first tuple of a multi-row INSERT/REPLACE
// ... VALUES (...), (...) as pt does before anything else.
func fpShortenInsert(q []byte) []byte {
	if !fpHasPrefixFold(q, "INSERT") && !fpHasPrefixFold(q, "REPLACE") {
		return q
	}
	v := fpIndexFold(q, "VALUES")
	if v < 0 {
		return q
	}
	k := v + len("VALUES")
	for k < len(q) && fpSpace(q[k]) {
		k++
	}
	if k >= len(q) || q[k] != '(' {
		return q
	}
	for j := k + 1; j < len(q); j++ {
		if q[j] != ')' {
			continue
		}
		m := j + 1
		for m < len(q) && fpSpace(q[m]) {
			m++
		}
		if m >= len(q) || q[m] != ',' {
			continue
		}
		m++
		for m < len(q) && fpSpace(q[m]) {
			m++
		}
		if m < len(q) && q[m] == '(' {
			return q[:j+1]
		}
	}
	return q
}

// fpIsUse matches `\Ause \S+\Z` (case-insensitive).
func fpIsUse(q []byte) bool {
	if !fpHasPrefixFold(q, "use ") || len(q) == 4 {
		return false
	}
	for _, c := range q[4:] {
		if fpSpace(c) {
			return false
		}
	}
	return true
}

// fpCall matches `\A\s*(call\s+\S+)\(` and returns the procedure name.
func fpCall(q []byte) ([]byte, bool) {
	if !fpHasPrefixFold(q, "call") || len(q) < 5 || !fpSpace(q[4]) {
		return nil, false
	}
	i := 4
	for i < len(q) && fpSpace(q[i]) {
		i++
	}
	j := i
	for j < len(q) && !fpSpace(q[j]) && q[j] != '(' {
		j++
	}
	if j == i || j >= len(q) || q[j] != '(' {
		return nil, false
	}
	return q[i:j], true
}

// fpToolkitComment matches `/\*\w+\.\w+:[0-9]/[0-9]\*/` anywhere.
func fpToolkitComment(q []byte) bool {
	for i := 0; i+2 < len(q); i++ {
		if q[i] != '/' || q[i+1] != '*' {
			continue
		}
		j := i + 2
		a := j
		for j < len(q) && fpWordByte(q[j]) {
			j++
		}
		if j == a || j >= len(q) || q[j] != '.' {
			continue
		}
		j++
		b := j
		for j < len(q) && fpWordByte(q[j]) {
			j++
		}
		if j == b || j+6 > len(q) {
			continue
		}
		if q[j] == ':' && fpDigit(q[j+1]) && q[j+2] == '/' && fpDigit(q[j+3]) && q[j+4] == '*' && q[j+5] == '/' {
			return true
		}
	}
	return false
}

func fpDigit(c byte) bool { return c >= '0' && c <= '9' }

func fpSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'
}

func fpTrim(b []byte) []byte {
	for len(b) > 0 && fpSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && fpSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func fpLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func fpAppendLower(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, fpLower(c))
	}
	return dst
}

func fpHasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

func fpHasPrefixFold(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if fpLower(b[i]) != fpLower(s[i]) {
			return false
		}
	}
	return true
}

func fpEqualFold(b []byte, s string) bool {
	return len(b) == len(s) && fpHasPrefixFold(b, s)
}

// fpIndex is the index of s in b, or -1.
func fpIndex(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if b[i] == s[0] && string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// fpIndexFold is fpIndex ignoring ASCII case.
func fpIndexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if fpHasPrefixFold(b[i:], s) {
			return i
		}
	}
	return -1
}
