//go:build race

package analyzer

// raceEnabled is true under -race: the truth tests, which simulate whole
// outages in one goroutine, are skipped there (they test no concurrency
// and would take many minutes); TestWorkersConcurrent covers the
// concurrent use.
const raceEnabled = true
