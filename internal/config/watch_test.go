package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// tickWait bounds each wait for a tick; a tick comes within settle of the
// change on an idle machine.
const tickWait = 10 * time.Second

// watchFile starts a Watch that ends with the test.
func watchFile(t *testing.T, path string) <-chan struct{} {
	t.Helper()
	ch, err := Watch(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// tickUntil waits for ticks until, after one, the file says what ok wants.
func tickUntil(t *testing.T, ch <-chan struct{}, what string, path string, ok func(c Config, err error) bool) {
	t.Helper()
	deadline := time.NewTimer(tickWait)
	defer deadline.Stop()
	for {
		select {
		case _, open := <-ch:
			if !open {
				t.Fatalf("the watch ended before %s", what)
			}
			if ok(Load(path)) {
				return
			}
		case <-deadline.C:
			c, err := Load(path)
			t.Fatalf("no tick after %s within %v (the file holds %v, %v)", what, tickWait, c.Names(), err)
		}
	}
}

func holds(names ...string) func(Config, error) bool {
	return func(c Config, err error) bool {
		got := c.Names()
		if err != nil || len(got) != len(names) {
			return false
		}
		for i := range got {
			if got[i] != names[i] {
				return false
			}
		}
		return true
	}
}

func writeConfig(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func table(name string) string {
	return "[environments." + name + "]\nurl = \"https://" + name + ".example\"\n"
}

// TestWatchSeesEachWayAFileChanges: made, written in place, replaced by a
// rename (as editors and Add do), renamed away, removed.
func TestWatchSeesEachWayAFileChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	writeConfig(t, filepath.Join(dir, "other.toml"), "x") // a neighbour that is there first
	ch := watchFile(t, path)

	writeConfig(t, path, table("a"))
	tickUntil(t, ch, "the file was made", path, holds("a"))

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(table("b")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tickUntil(t, ch, "a write in place", path, holds("a", "b"))

	if _, err := Add(path, "c", "https://c.example"); err != nil {
		t.Fatal(err)
	}
	tickUntil(t, ch, "a replace by rename (Add)", path, holds("a", "b", "c"))

	tmp := filepath.Join(dir, "config.toml~")
	writeConfig(t, tmp, table("d"))
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	tickUntil(t, ch, "an editor's save (write beside, rename over)", path, holds("d"))

	if err := os.Rename(path, filepath.Join(dir, "config.toml.bak")); err != nil {
		t.Fatal(err)
	}
	tickUntil(t, ch, "a rename away", path, holds())

	writeConfig(t, path, table("e"))
	tickUntil(t, ch, "the file came back", path, holds("e"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	tickUntil(t, ch, "a remove", path, holds())
}

// TestWatchAFolderThatComesAndGoes: the folder is missing at the start,
// made (with the folder above it), removed, and made again.
func TestWatchAFolderThatComesAndGoes(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "config", "biot-agent")
	path := filepath.Join(dir, "config.toml")
	ch := watchFile(t, path)

	if _, err := Add(path, "a", "https://a.example"); err != nil { // makes both folders
		t.Fatal(err)
	}
	tickUntil(t, ch, "the folders and the file were made", path, holds("a"))
	writeConfig(t, path, table("b"))
	tickUntil(t, ch, "a write once the folder is there", path, holds("b"))

	if err := os.RemoveAll(filepath.Join(root, "config")); err != nil {
		t.Fatal(err)
	}
	tickUntil(t, ch, "the folders were removed", path, holds())

	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, path, table("c"))
	tickUntil(t, ch, "the folders came back with the file", path, holds("c"))
	writeConfig(t, path, table("d"))
	tickUntil(t, ch, "a write in the new folder", path, holds("d"))
}

func TestWatchEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := Watch(ctx, filepath.Join(t.TempDir(), "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.NewTimer(tickWait)
	defer deadline.Stop()
	for {
		select {
		case _, open := <-ch:
			if !open {
				return
			}
		case <-deadline.C:
			t.Fatal("the channel is open after its context ended")
		}
	}
}

// TestWatchIgnoresOtherFiles: what happens beside the file, or to its
// attributes, is not a change of what it says.
func TestWatchIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	w := &watch{fw: fw, file: path, dir: dir}
	if _, err := w.rewatch(); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []fsnotify.Event{
		{Name: filepath.Join(dir, "other.toml"), Op: fsnotify.Write},
		{Name: filepath.Join(dir, ".config.toml.new-123"), Op: fsnotify.Create},
		{Name: filepath.Join(dir, ".config.toml.new-123"), Op: fsnotify.Rename},
		{Name: path, Op: fsnotify.Chmod},
		{Name: dir, Op: fsnotify.Write},
	} {
		if w.event(ev) {
			t.Errorf("%v is taken for a change of the file", ev)
		}
	}
	for _, ev := range []fsnotify.Event{
		{Name: path, Op: fsnotify.Create},
		{Name: path, Op: fsnotify.Write},
		{Name: path, Op: fsnotify.Remove},
		{Name: path, Op: fsnotify.Rename},
	} {
		if !w.event(ev) {
			t.Errorf("%v is not taken for a change of the file", ev)
		}
	}
}
