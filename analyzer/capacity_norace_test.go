//go:build !race

package analyzer_test

// raceOn is true under -race, where the closed loop (four simulator runs)
// is too slow to run.
const raceOn = false
