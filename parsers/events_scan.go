package parsers

import (
	"bytes"
	"strconv"
)

// Byte-scanning helpers shared by the error, FPM and kernel readers. None
// allocates.

// containsString reports whether s occurs in b, without converting either.
func containsString(b []byte, s string) bool {
	if len(s) == 0 {
		return true
	}
	first := s[0]
	for i := 0; i+len(s) <= len(b); {
		j := bytes.IndexByte(b[i:len(b)-len(s)+1], first)
		if j < 0 {
			return false
		}
		i += j
		if string(b[i:i+len(s)]) == s {
			return true
		}
		i++
	}
	return false
}

// indexString returns the index of the first s in b, or -1.
func indexString(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	first := s[0]
	for i := 0; i+len(s) <= len(b); {
		j := bytes.IndexByte(b[i:len(b)-len(s)+1], first)
		if j < 0 {
			return -1
		}
		i += j
		if string(b[i:i+len(s)]) == s {
			return i
		}
		i++
	}
	return -1
}

// hasPrefixString reports whether b starts with s.
func hasPrefixString(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// indexByteN is the index of c within the first n bytes of b, or -1.
func indexByteN(b []byte, c byte, n int) int {
	if len(b) > n {
		b = b[:n]
	}
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// trimEOL drops a trailing carriage return (CRLF files).
func trimEOL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// detailf builds a LineError detail in the shape `what, got "line…"`, the
// line cut at 80 bytes. It allocates: call it only for a skipped line.
func detailf(what string, line []byte) string {
	if len(line) > 80 {
		line = line[:80]
	}
	return what + ", got " + strconv.Quote(string(line))
}
