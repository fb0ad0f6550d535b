package autostart

// RunCommand is the Run value's data that starts exe: the path in double
// quotes (it may hold spaces; Windows paths cannot hold a quote), then "run".
func RunCommand(exe string) string {
	return `"` + exe + `" run`
}
