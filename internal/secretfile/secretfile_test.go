//go:build unix

package secretfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const secret = "svc-Secret-4d3c2b1a"

func write(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "biot-service-secret")
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func TestReadsAPrivateFile(t *testing.T) {
	for name, content := range map[string]string{
		"bare":               secret,
		"with a newline":     secret + "\n",
		"with CRLF":          secret + "\r\n",
		"with spaces around": "  " + secret + " \n",
	} {
		t.Run(name, func(t *testing.T) {
			for _, perm := range []os.FileMode{0o600, 0o400} {
				got, err := Read(write(t, content, perm))
				if err != nil || got != secret {
					t.Errorf("mode %04o: Read = %q, %v; want the secret", perm, got, err)
				}
			}
		})
	}
	t.Run("through a symbolic link", func(t *testing.T) {
		target := write(t, secret, 0o600)
		link := filepath.Join(t.TempDir(), "link")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if got, err := Read(link); err != nil || got != secret {
			t.Errorf("Read = %q, %v", got, err)
		}
	})
}

func TestRefusesWhatOthersCouldRead(t *testing.T) {
	for _, perm := range []os.FileMode{0o640, 0o604, 0o644, 0o620, 0o602, 0o660, 0o610} {
		path := write(t, secret, perm)
		_, err := Read(path)
		if !errors.Is(err, ErrTooOpen) {
			t.Errorf("mode %04o: Read = %v, want it refused as too open", perm, err)
			continue
		}
		for _, says := range []string{path, "chmod 600"} {
			if !strings.Contains(err.Error(), says) {
				t.Errorf("mode %04o: %q does not say %q", perm, err, says)
			}
		}
		if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), secret) {
			t.Errorf("mode %04o: the error is not one line, or shows the secret: %q", perm, err)
		}
	}
}

func TestRefusesAFileOfAnotherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	path := write(t, secret, 0o600)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := Read(path)
	if !errors.Is(err, ErrTooOpen) || !strings.Contains(err.Error(), "belongs to user 65534") {
		t.Errorf("Read = %v, want it refused as another user's", err)
	}
}

func TestRefusesWhatIsNoSecret(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Opening a FIFO for reading waits for a writer; open it for both so
	// Read's open returns, as a FIFO a process writes to would.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	rows := []struct {
		name, path, says string
	}{
		{"missing", filepath.Join(dir, "nothing"), "no such file"},
		{"a directory", dir, "not a regular file (a directory)"},
		{"a named pipe", fifo, "not a regular file (a named pipe)"},
		{"a socket", sock, ""}, // open fails, in words that differ by system
		{"empty", write(t, " \n", 0o600), "empty"},
		{"two lines", write(t, secret+"\nsomething else\n", 0o600), "more than one line"},
		{"too large", write(t, strings.Repeat("x", maxSize+1), 0o600), "larger than"},
	}
	for _, row := range rows {
		_, err := Read(row.path)
		if err == nil || !strings.Contains(err.Error(), row.says) || !strings.HasPrefix(err.Error(), "secret file") {
			t.Errorf("%s: Read = %v, want an error saying %q", row.name, err, row.says)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the secret: %v", row.name, err)
		}
	}
}
