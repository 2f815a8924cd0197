package parsers

import (
	"bytes"
	"errors"
	"fmt"
)

// errUnrecognized means no format parses a majority of the sampled lines:
// the caller tries another kind of log.
var errUnrecognized = errors.New("unrecognized format")

// SniffAccess picks the built-in access format that parses the most of
// lines, the first non-empty lines of one input. Among formats that parse
// equally many, the richest wins (the order of the AccessFormat constants:
// request and upstream times, then X-Forwarded-For, then combined, then
// common). nginx combined and Apache combined look alike; Apache is chosen
// when a line shows one of its habits (a "-" byte count, a \" escape) and
// none shows nginx's "0" byte count. The error wraps errUnrecognized when no format parses a
// strict majority of the non-empty lines.
func SniffAccess(lines [][]byte) (*AccessParser, error) {
	var sample [][]byte
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r\n")
		if len(bytes.TrimSpace(l)) > 0 {
			sample = append(sample, l)
		}
	}
	if len(sample) == 0 {
		return nil, fmt.Errorf("sniff access format: no lines: %w", errUnrecognized)
	}
	var (
		rec       Access
		best      *AccessParser
		bestCount int
		counts    [numAccessFormats]int
	)
	for f := FormatNginxMainUpstream; f < FormatCustom; f++ {
		p := NewAccessParser(f)
		n := 0
		for _, l := range sample {
			if p.Parse(l, &rec) == nil {
				n++
			}
		}
		counts[f] = n
		if n > bestCount {
			best, bestCount = p, n
		}
	}
	if bestCount*2 <= len(sample) {
		return nil, fmt.Errorf("sniff access format: best guess %s parses %d of %d lines: %w",
			formatOf(best), bestCount, len(sample), errUnrecognized)
	}
	switch best.format {
	case FormatNginxCombined:
		if counts[FormatApacheCombined] == bestCount && apacheHabits(sample) {
			best = NewAccessParser(FormatApacheCombined)
		}
	case FormatApacheCombinedD:
		// %D (µs) and %T (s) are both bare integers. A request takes more
		// than 0 µs, and rarely more than 300 s: a 0 with no large value
		// means seconds.
		if counts[FormatApacheCombinedT] == bestCount && looksLikeWholeSeconds(sample) {
			best = NewAccessParser(FormatApacheCombinedT)
		}
	}
	return best, nil
}

func formatOf(p *AccessParser) string {
	if p == nil {
		return "none"
	}
	return p.Name()
}

// apacheHabits reports whether lines show what Apache writes and nginx never
// does: "-" for a zero byte count (%b) or a \" escape (nginx writes \x22),
// and none shows what Apache never writes: a byte count of "0".
func apacheHabits(lines [][]byte) bool {
	apache := false
	for _, l := range lines {
		switch string(combinedBytesToken(l)) {
		case "0":
			return false
		case "-":
			apache = true
		}
		if bytes.Contains(l, []byte(`\"`)) {
			apache = true
		}
	}
	return apache
}

// combinedBytesToken returns the raw byte-count field of a combined line:
// the token after the status that follows the quoted request.
func combinedBytesToken(l []byte) []byte {
	i := bytes.Index(l, []byte(`] "`))
	if i < 0 {
		return nil
	}
	end := closeQuote(l, i+3, " ", false)
	if end < 0 {
		return nil
	}
	rest := l[end+1:] // ` 200 512 "-" …`
	if len(rest) < 6 || rest[0] != ' ' || rest[4] != ' ' {
		return nil
	}
	rest = rest[5:]
	if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
		rest = rest[:sp]
	}
	return rest
}

// looksLikeWholeSeconds reports whether the trailing integers of combined
// lines read as %T: some are 0 and none exceeds 300.
func looksLikeWholeSeconds(lines [][]byte) bool {
	p := NewAccessParser(FormatApacheCombinedD)
	var rec Access
	zero := false
	for _, l := range lines {
		if p.Parse(l, &rec) != nil {
			continue
		}
		if rec.RequestTime == 0 {
			zero = true
		}
		if rec.RequestTime > 300 {
			return false
		}
	}
	return zero
}
