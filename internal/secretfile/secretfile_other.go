//go:build !unix

package secretfile

import "io/fs"

// private has no Unix permissions to check here; Windows ACLs are not
// checked.
func private(string, fs.FileInfo) error { return nil }
