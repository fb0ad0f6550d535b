//go:build !unix

package doctor

import "io/fs"

// On Windows access to the socket is governed by the folder's ACL, not by
// modes: there are none to check.

func notSocket(string, fs.FileInfo) (msg, fix string)         { return "", "" }
func socketFileProblem(string, fs.FileInfo) (msg, fix string) { return "", "" }

func socketModes(string, fs.FileInfo) string {
	return "access is governed by the folder's ACL"
}
