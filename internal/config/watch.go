package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the file must be quiet after a change before Watch
// ticks: an editor's save is a burst (truncate, write, write, or write
// and rename), and a reader between two of them reads half a file.
const settle = 100 * time.Millisecond

// Watch ticks on the channel it answers each time the config file at path
// may have changed: made, written, replaced, renamed or removed. Ticks
// are coalesced: a burst of changes is one tick once the file has been
// quiet for a moment, and a tick not yet received takes in those after
// it. The receiver reads the file again (Load) on each tick; a tick that
// changed nothing is possible. The channel closes when ctx ends.
//
// Watch watches the file's folder, not the file: editors save by writing
// a new file and renaming it over the old one, which a watch on the file
// itself would lose. When the folder does not exist yet, Watch watches the
// nearest folder above it that does, and moves down as the folders
// appear (and up again if they go). While nothing changes, a watch costs
// one blocked goroutine and one watch of the kernel's (inotify on Linux,
// kqueue on macOS and BSD, ReadDirectoryChangesW on Windows), through
// github.com/fsnotify/fsnotify: no timer, no polling, nothing that wakes
// an idle agent.
//
// The error is for a watch that cannot start (on Linux, no inotify
// instance or watch left: fs.inotify.max_user_instances and
// max_user_watches); the caller then reads the file at start only.
//
// Limits: a file that is a symbolic link is watched as a link, so a
// change made in place to the file it points to is not seen; replacing
// the link is. On kqueue, a watched folder costs a file descriptor for
// each of its entries, which is few in biot-agent's folder and may be
// many in the folder above it while biot-agent's does not exist.
func Watch(ctx context.Context, path string) (<-chan struct{}, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: watch: %w", err)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("config: watch %s: %w", abs, err)
	}
	w := &watch{fw: fw, file: abs, dir: filepath.Dir(abs)}
	if _, err := w.rewatch(); err != nil {
		fw.Close()
		return nil, fmt.Errorf("config: watch %s: %w", w.dir, err)
	}
	ticks := make(chan struct{}, 1)
	go w.run(ctx, ticks)
	return ticks, nil
}

type watch struct {
	fw        *fsnotify.Watcher
	file, dir string
	at        string // the folder watched: dir, or the nearest above it that exists
}

func (w *watch) run(ctx context.Context, ticks chan<- struct{}) {
	defer close(ticks)
	defer w.fw.Close()
	quiet := time.NewTimer(settle)
	quiet.Stop()
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if !w.event(ev) {
				continue
			}
		case _, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			// Events were lost (an overflow): the file may have changed.
			// A watch that goes wrong in another way says so the same way.
		case <-quiet.C:
			select {
			case ticks <- struct{}{}:
			default: // one is waiting already, and tells the same
			}
			continue
		}
		quiet.Reset(settle)
	}
}

// event answers whether ev may change what the file says, and moves the
// watch when a folder on the way to the file came or went.
func (w *watch) event(ev fsnotify.Event) bool {
	changes := fsnotify.Create | fsnotify.Write | fsnotify.Remove | fsnotify.Rename
	switch {
	case ev.Name == w.file:
		return ev.Op&changes != 0
	case ev.Name == w.at && ev.Op&(fsnotify.Remove|fsnotify.Rename) != 0,
		w.at != w.dir && ev.Has(fsnotify.Create) && onTheWay(ev.Name, w.dir):
		moved, err := w.rewatch()
		// When nothing is left to watch, the watch goes on as it can, and
		// the reader finds the file gone.
		return moved || err != nil
	}
	return false
}

// onTheWay: dir is at or under folder.
func onTheWay(folder, dir string) bool {
	return dir == folder || strings.HasPrefix(dir, folder+string(filepath.Separator))
}

// rewatch watches dir, or the nearest folder above it that exists, and
// answers whether that moved the watch.
func (w *watch) rewatch() (bool, error) {
	d := w.dir
	for tries := 0; ; {
		err := w.fw.Add(d)
		if errors.Is(err, fs.ErrNotExist) && filepath.Dir(d) != d {
			d = filepath.Dir(d)
			continue
		}
		if err != nil {
			return false, err
		}
		// The next folder down may have come between the failed Add and
		// this one, with no event to say so: look, a few times.
		if d != w.dir && tries < 3 {
			next := w.dir
			for filepath.Dir(next) != d {
				next = filepath.Dir(next)
			}
			if _, err := os.Stat(next); err == nil {
				_ = w.fw.Remove(d)
				d, tries = w.dir, tries+1
				continue
			}
		}
		break
	}
	moved := d != w.at
	if moved && w.at != "" {
		_ = w.fw.Remove(w.at) // may be gone with its folder already
	}
	w.at = d
	return moved, nil
}
