// Package secretfile reads a secret kept in a file, such as a BioT service
// user's secret key named by secret_file in config.toml, and refuses a
// file that others could read, the way ssh refuses a private key: the file
// must be a regular file (a symbolic link to one is followed), owned by
// the user the agent runs as, with no permission for its group or others
// (chmod 600). On systems without Unix permissions only the first holds.
//
// The secret is the file's content without the line ending (and spaces)
// around it, so that `echo "$SECRET" > file` works. No error quotes the
// content. Read is called at each sign-in, so a replaced file is read at
// the next one:
//
//	svc := &agent.ServiceIdentity{ID: id, Secret: func(context.Context) (string, error) {
//		return secretfile.Read(path)
//	}}
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxSize bounds what is read: a secret key is a few dozen bytes.
const maxSize = 64 << 10

// Read reads the secret in the file at path, after checking that nobody
// but its owner, the user running this program, can read it.
func Read(path string) (string, error) { return read(path, true) }

// ReadCredential reads the secret in a file that someone else made
// private on our behalf, such as a systemd credential
// ($CREDENTIALS_DIRECTORY/NAME, from LoadCredential=): it must be a regular
// file, but whom it belongs to and its permissions are systemd's to set.
func ReadCredential(path string) (string, error) { return read(path, false) }

func read(path string, checkPrivate bool) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	// The checks look at the file that was opened, not at the path again:
	// a file swapped in between could not slip through.
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("secret file %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("secret file %s: not a regular file (%s)", path, kind(info.Mode()))
	}
	if checkPrivate {
		if err := private(path, info); err != nil {
			return "", err
		}
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return "", fmt.Errorf("secret file %s: %w", path, err)
	}
	if len(raw) > maxSize {
		return "", fmt.Errorf("secret file %s: larger than %d KiB; a secret key is much shorter", path, maxSize>>10)
	}
	secret := strings.TrimSpace(string(raw))
	if secret == "" {
		return "", fmt.Errorf("secret file %s: %w", path, ErrEmpty)
	}
	if strings.ContainsAny(secret, "\r\n") {
		return "", fmt.Errorf("secret file %s: more than one line; it must hold the secret key alone", path)
	}
	return secret, nil
}

// ErrEmpty is wrapped by the error for a file that holds nothing but
// spaces and line ends.
var ErrEmpty = errors.New("the file is empty")

// ErrTooOpen is wrapped by the error for a file that someone other than
// its owner may read or write, or that belongs to another user.
var ErrTooOpen = errors.New("the file is not private")

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
