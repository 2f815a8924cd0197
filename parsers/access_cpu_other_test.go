//go:build !linux

package parsers

// threadCPU is unavailable here; benchmarks then report no CPU-time figure.
func threadCPU() int64 { return 0 }
