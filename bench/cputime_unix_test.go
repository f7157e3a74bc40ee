//go:build unix

package bench

import "syscall"

// processCPU returns the user and system CPU time this process has used, in
// nanoseconds, and true. The emulators run in child processes, so their
// work is not counted.
func processCPU() (int64, bool) {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0, false
	}
	return usage.Utime.Nano() + usage.Stime.Nano(), true
}
