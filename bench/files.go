package bench

import "os"

// removeAll removes a folder made for a benchmark; a failure leaves only
// a temporary folder behind.
func removeAll(dir string) { _ = os.RemoveAll(dir) }
