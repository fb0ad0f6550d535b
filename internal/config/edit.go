package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Change says what Add or Remove did to the file.
type Change struct {
	Path        string      // the file written
	Environment Environment // the environment added or removed
	// Created: Add made the file, which was not there.
	Created bool
	// MovedTopURL: Add moved the file's top-level url into
	// [environments.default], where it is the same environment "default".
	MovedTopURL bool
	// DroppedDefault: Remove took out default = "NAME" with NAME's table.
	DroppedDefault bool
	// KeptDefault: Add wrote default = "KeptDefault", naming the file's
	// only environment, which was the default for being the only one;
	// without it no environment would be the default once there are two.
	KeptDefault string
}

// Add adds the environment name at url to the config file at path, which
// it makes (and its folder, 0700) when missing. It refuses a bad name or
// URL, a name the file has, and a file it cannot read.
//
// The file keeps what the person wrote: Add appends a table
//
//	[environments.NAME]
//	url = "URL"
//
// and changes nothing else, except that a top-level url, the environment
// "default" of older files, moves into [environments.default] of its own
// (its line as written), so that it stays what it was beside the new one;
// and that a file whose only environment was the default for being the
// only one gains default = "ONLY" after its top-level keys, so that the
// commands that name no environment still act on it.
// The result must parse to the file's config plus NAME, and to nothing
// else, or Add refuses and leaves the file as it was. It is written
// atomically, 0600, through a symbolic link to where it points.
func Add(path, name, url string) (Change, error) {
	if err := CheckName(name); err != nil {
		return Change{}, err
	}
	if _, err := CheckURL(url); err != nil {
		return Change{}, fmt.Errorf("url: %w", err)
	}
	return edit(path, func(text []byte) ([]byte, Change, error) { return addText(path, text, name, url) })
}

// Remove takes the environment name out of the config file at path: the
// lines of its table, from [environments.NAME] to its last key, and
// default = "NAME" if the file has it; or the top-level url when that is
// the environment "default". Comments go with the table they touch, with
// no blank line between: above its header (unless they open the file),
// and below its last key (unless the next header follows them directly).
// Other lines stay, but for one of two blank lines that would meet.
//
// An unknown name is an *UnknownEnvironmentError. An environment that is
// not a table of its own (an inline table, dotted keys) is refused, to be
// removed by hand. The result must parse to the file's config without
// name, or Remove refuses and leaves the file as it was.
func Remove(path, name string) (Change, error) {
	return edit(path, func(text []byte) ([]byte, Change, error) { return removeText(path, text, name) })
}

// edit reads the file, edits its text and writes the result in its place.
func edit(path string, change func([]byte) ([]byte, Change, error)) (Change, error) {
	target, err := resolveLink(path)
	if err != nil {
		return Change{}, err
	}
	old, err := readFile(target)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Change{}, fmt.Errorf("config: %w", err)
	}
	text, c, err := change(old)
	if err != nil {
		return Change{}, err
	}
	c.Path, c.Created = path, !existed
	return c, writeFile(target, old, existed, text)
}

// resolveLink answers the file a symbolic link at path points to, so an
// edit keeps the link (into a dotfiles repository, say) and changes the
// file; else path itself.
func resolveLink(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("config %s is a link to a file that cannot be reached: %w", path, err)
	}
	return target, nil
}

// writeFile puts text in place of the file at path: written to a new file
// beside it, then renamed over it, so a reader sees the old file or the
// new one, never half of one. It refuses when the file is no longer what
// was read: two edits at once would lose one.
func writeFile(path string, old []byte, existed bool, text []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	now, err := readFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config: %w", err)
	}
	if (err == nil) != existed || !bytes.Equal(now, old) {
		return fmt.Errorf("config %s changed while it was being edited; nothing was written: run the command again", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing there
	_, err = f.Write(text)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// addText is Add on the file's text; name is used in errors.
func addText(name string, text []byte, env, url string) ([]byte, Change, error) {
	if err := CheckName(env); err != nil {
		return nil, Change{}, err
	}
	if !utf8.ValidString(url) {
		return nil, Change{}, errors.New("url: not valid UTF-8")
	}
	u, err := CheckURL(url)
	if err != nil {
		return nil, Change{}, fmt.Errorf("url: %w", err)
	}
	old, err := Parse(name, text)
	if err != nil {
		return nil, Change{}, err
	}
	if e, ok := old.Environments[env]; ok {
		return nil, Change{}, fmt.Errorf("config %s: the environment %q is there already (%s); to change it, remove it first", name, env, e.URL)
	}
	bom, lines, stmts, err := split(name, text)
	if err != nil {
		return nil, Change{}, err
	}
	if topLevel(stmts, "environments") >= 0 {
		// TOML has no way to add a table to an inline one.
		return nil, Change{}, fmt.Errorf("config %s: environments = { ... } is an inline table, which a table cannot be added to; add %s to it by hand", name, env)
	}
	nl := newline(text)
	var moved []string
	if old.topURL {
		i := topLevel(stmts, "url")
		if i < 0 {
			return nil, Change{}, cannot(name, "find its top-level url")
		}
		for l := stmts[i].first; l <= stmts[i].last; l++ {
			moved = append(moved, lines[l])
			lines[l] = ""
		}
		if last := len(moved) - 1; !strings.HasSuffix(moved[last], "\n") {
			moved[last] += nl
		}
	}
	// The only environment is the default for being the only one: once
	// there are two, it must be named so (unless the new one is named
	// "default", which is then the default by its name).
	kept := ""
	if only := old.DefaultEnvironment(); old.Default == "" && len(old.Environments) == 1 && only != DefaultName && env != DefaultName {
		kept = only
		at := 0 // after the last top-level key, else first in the file
		for _, st := range stmts {
			if st.kind == header || st.kind == arrayHeader {
				break
			}
			if st.kind == keyValue {
				at = st.last + 1
			}
		}
		line := stringLine("default", only, nl)
		if at == 0 {
			line += nl
		}
		lines = append(lines[:at], append([]string{line}, lines[at:]...)...)
	}
	var b strings.Builder
	b.WriteString(strings.Join(lines, ""))
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteString(nl)
	}
	if b.Len() > 0 && !endsBlank(b.String()) {
		b.WriteString(nl)
	}
	if moved != nil {
		b.WriteString("[environments." + DefaultName + "]" + nl + strings.Join(moved, "") + nl)
	}
	b.WriteString("[environments." + env + "]" + nl + urlLine(u, nl))
	out := []byte(bom + b.String())

	added := Environment{Name: env, URL: u}
	want := old.clone()
	want.Environments[env] = added
	want.topURL = false
	if kept != "" {
		want.Default = kept
	}
	if err := says(name, out, want); err != nil {
		return nil, Change{}, err
	}
	return out, Change{Environment: added, MovedTopURL: old.topURL, KeptDefault: kept}, nil
}

// removeText is Remove on the file's text; name is used in errors.
func removeText(name string, text []byte, env string) ([]byte, Change, error) {
	old, err := Parse(name, text)
	if err != nil {
		return nil, Change{}, err
	}
	removed, ok := old.Environments[env]
	if !ok {
		return nil, Change{}, &UnknownEnvironmentError{Name: env, Known: old.Names()}
	}
	bom, lines, stmts, err := split(name, text)
	if err != nil {
		return nil, Change{}, err
	}
	var drop [][2]int // ranges of lines, both ends included
	if env == DefaultName && old.topURL {
		i := topLevel(stmts, "url")
		if i < 0 {
			return nil, Change{}, cannot(name, "find its top-level url")
		}
		drop = append(drop, [2]int{stmts[i].first, stmts[i].last})
	} else {
		i := tableOf(stmts, env)
		if i < 0 {
			return nil, Change{}, fmt.Errorf("config %s: the environment %q is not written as a table of its own, [environments.%s]; remove it by hand", name, env, env)
		}
		lo, hi := tableLines(stmts, i)
		drop = append(drop, [2]int{stmts[lo].first, stmts[hi].last})
	}
	if old.Default == env {
		i := topLevel(stmts, "default")
		if i < 0 {
			return nil, Change{}, cannot(name, "find its default key")
		}
		drop = append(drop, [2]int{stmts[i].first, stmts[i].last})
	}
	gone := make([]bool, len(lines))
	for _, r := range drop {
		for l := r[0]; l <= r[1]; l++ {
			gone[l] = true
		}
	}
	blank := func(l int) bool { return l < 0 || l >= len(lines) || strings.TrimSpace(lines[l]) == "" && !gone[l] }
	for _, r := range drop {
		// One blank line stays where two would meet.
		if blank(r[0]-1) && blank(r[1]+1) {
			if r[1]+1 < len(lines) {
				gone[r[1]+1] = true
			} else if r[0] > 0 {
				gone[r[0]-1] = true
			}
		}
	}
	var b strings.Builder
	b.WriteString(bom)
	for l, line := range lines {
		if !gone[l] {
			b.WriteString(line)
		}
	}
	out := []byte(b.String())

	want := old.clone()
	delete(want.Environments, env)
	if old.Default == env {
		want.Default = ""
	}
	want.topURL = old.topURL && env != DefaultName
	if err := says(name, out, want); err != nil {
		return nil, Change{}, err
	}
	return out, Change{Environment: removed, DroppedDefault: old.Default == env}, nil
}

// tableLines answers the statements of the table whose header is
// stmts[h]: the header, its keys and the comments among them, and the
// comments that touch it (no blank line between), above it unless they
// open the file, below its last key unless the next header's they touch.
func tableLines(stmts []stmt, h int) (lo, hi int) {
	isComment := func(j int) bool { return stmts[j].kind == trivia && !stmts[j].blank }
	lo, hi = h, h
	for j := h + 1; j < len(stmts) && stmts[j].kind != header && stmts[j].kind != arrayHeader; j++ {
		if stmts[j].kind == keyValue {
			hi = j
		}
	}
	j := hi + 1
	for j < len(stmts) && isComment(j) {
		j++
	}
	if j == len(stmts) || stmts[j].blank {
		hi = j - 1
	}
	j = lo
	for j > 0 && isComment(j-1) {
		j--
	}
	if j > 0 {
		lo = j
	}
	return lo, hi
}

// says checks that text parses to want, and to nothing else.
func says(name string, text []byte, want Config) error {
	got, err := Parse(name, text)
	if err != nil {
		return cannot(name, fmt.Sprintf("keep it readable (%v)", err))
	}
	if !reflect.DeepEqual(got, want) {
		return cannot(name, "make it say that and nothing else")
	}
	return nil
}

// cannot is the refusal of an edit the text does not allow.
func cannot(name, what string) error {
	return fmt.Errorf("config %s: an edit here would not %s; nothing was changed: edit the file by hand", name, what)
}

func (c Config) clone() Config {
	c.Environments = maps.Clone(c.Environments)
	if c.Environments == nil {
		c.Environments = map[string]Environment{}
	}
	return c
}

// split answers the text's byte order mark (kept apart, so that it stays
// first whatever lines go), its lines, each with its line end, and its
// statements.
func split(name string, text []byte) (bom string, lines []string, stmts []stmt, err error) {
	s := string(text)
	if strings.HasPrefix(s, "\ufeff") {
		bom, s = "\ufeff", s[len("\ufeff"):]
	}
	stmts, err = scan(s)
	if err != nil {
		return "", nil, nil, cannot(name, fmt.Sprintf("be safe: its text is beyond this editor at %v", err))
	}
	lines = strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return bom, lines, stmts, nil
}

// topLevel answers the index of the statement that sets the top-level key,
// -1 if none does.
func topLevel(stmts []stmt, key string) int {
	for i, st := range stmts {
		switch {
		case st.kind == header || st.kind == arrayHeader:
			return -1
		case st.kind == keyValue && len(st.key) == 1 && st.key[0] == key:
			return i
		}
	}
	return -1
}

// tableOf answers the index of the header [environments.NAME], -1 if the
// file has none.
func tableOf(stmts []stmt, env string) int {
	for i, st := range stmts {
		if st.kind == header && len(st.key) == 2 && st.key[0] == "environments" && st.key[1] == env {
			return i
		}
	}
	return -1
}

// newline is the file's line end: "\r\n" when its first line ends so.
func newline(text []byte) string {
	if i := bytes.IndexByte(text, '\n'); i > 0 && text[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// endsBlank: s, which ends with a line end, ends with a blank line.
func endsBlank(s string) bool {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:]) == ""
}

// urlLine is url = "..." as TOML writes a string.
func urlLine(u, nl string) string { return stringLine("url", u, nl) }

// stringLine is key = "..." as TOML writes a string, ending with nl.
func stringLine(key, v, nl string) string {
	var b bytes.Buffer
	_ = toml.NewEncoder(&b).Encode(map[string]string{key: v}) // a map of strings always encodes
	return strings.TrimSuffix(b.String(), "\n") + nl
}
