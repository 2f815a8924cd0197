package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/postmortem/postmortem/analyzer"
)

// WriteJSON writes r as the JSON contract of DESIGN.md section 5: indented
// by two spaces, fields in the order the analyzer.Report struct declares
// them (schema_version first), times in RFC 3339 UTC. Top-level lists are
// written as [] rather than null when empty so that consumers can iterate
// them without a null check. A zero SchemaVersion is written as the current
// analyzer.SchemaVersion.
//
// JSON cannot represent NaN or infinities; a Report holding one is an
// analyzer bug and WriteJSON returns an error naming the problem.
func WriteJSON(w io.Writer, r *analyzer.Report) error {
	if r == nil {
		return fmt.Errorf("write json: nil report")
	}
	c := *r
	if c.SchemaVersion == 0 {
		c.SchemaVersion = analyzer.SchemaVersion
	}
	c.Inputs = nonNil(c.Inputs)
	c.Incidents = nonNil(c.Incidents)
	c.Restarts = nonNil(c.Restarts)
	c.Timeline = nonNil(c.Timeline)
	c.SlowQueries = nonNil(c.SlowQueries)
	c.Warnings = nonNil(c.Warnings)
	c.Notes = nonNil(c.Notes)
	c.AmbiguousWrites.ByEndpoint = nonNil(c.AmbiguousWrites.ByEndpoint)

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// writesCSVHeader is the first row of WriteWritesCSV.
var writesCSVHeader = []string{"time", "client", "method", "path", "status", "reason", "retry_result"}

// WriteWritesCSV writes the ambiguous writes of r (writes whose outcome is
// unknown: the server may have committed them though the client saw an
// error) as CSV with a header row: time (RFC 3339 UTC), client, method,
// path, status, reason, retry_result. Rows keep the analyzer's order.
//
// The file is meant to be opened in a spreadsheet for follow-up, so a cell
// that starts with a formula character (= + - @, tab, CR) is prefixed with
// a single quote: log text must not become a formula.
func WriteWritesCSV(w io.Writer, r *analyzer.Report) error {
	if r == nil {
		return fmt.Errorf("write writes csv: nil report")
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(writesCSVHeader); err != nil {
		return fmt.Errorf("write writes csv: %w", err)
	}
	row := make([]string, len(writesCSVHeader))
	for _, wr := range r.AmbiguousWrites.Writes {
		row[0] = wr.At.UTC().Format(time.RFC3339)
		row[1] = csvCell(wr.Client)
		row[2] = csvCell(wr.Method)
		row[3] = csvCell(wr.Path)
		row[4] = strconv.Itoa(wr.Status)
		row[5] = csvCell(wr.Reason)
		row[6] = csvCell(wr.Retry)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write writes csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write writes csv: %w", err)
	}
	return nil
}

// csvCell defuses spreadsheet formula injection (OWASP "CSV injection").
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
