//go:build !unix

package ipc

import "io/fs"

// On Windows the temporary folder already belongs to one user and access is
// governed by ACLs, not modes: there is nothing to tighten or lock here.

func fallbackDirName() string                      { return "biot-agent" }
func secureDir(string, fs.FileInfo) error          { return nil }
func withPrivateUmask(fn func() error) error       { return fn() }
func lockSocket(string) (unlock func(), err error) { return func() {}, nil }
