//go:build !unix

package bench

// processCPU returns false: the process CPU time is read on Unix only.
func processCPU() (int64, bool) { return 0, false }
