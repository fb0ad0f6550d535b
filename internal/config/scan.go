package config

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// The edits of Add and Remove work on the file's text, so that what the
// person wrote stays as written. scan finds where each statement of the
// text starts and ends, in lines: a table header, a key and its value
// (which may run over lines: multi-line strings and arrays), a blank or
// comment line. It knows TOML's strings, comments and brackets, and no
// more; whether the text means anything is Parse's to say, before and
// after each edit.

type stmtKind int

const (
	trivia      stmtKind = iota // a blank line or a comment
	header                      // [table]
	arrayHeader                 // [[table]]
	keyValue                    // key = value
)

type stmt struct {
	kind        stmtKind
	key         []string // the table's or the key's path, unquoted
	first, last int      // its lines, counted from 0, both included
	blank       bool     // a trivia line with nothing on it
}

// scan splits text into statements, every line in exactly one.
func scan(text string) ([]stmt, error) {
	sc := &scanner{s: text}
	var out []stmt
	for sc.i < len(sc.s) {
		st := stmt{first: sc.line}
		sc.skipBlank()
		var err error
		switch c := sc.at(); {
		case sc.atEOL():
			st.kind, st.blank = trivia, true
		case c == '#':
			st.kind = trivia
		case c == '[':
			st.kind, st.key, err = sc.header()
		default:
			st.kind = keyValue
			st.key, err = sc.keyValue()
		}
		if err == nil {
			st.last, err = sc.endLine()
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", sc.line+1, err)
		}
		out = append(out, st)
	}
	return out, nil
}

type scanner struct {
	s    string
	i    int
	line int
}

// at answers the byte at the cursor, 0 at the end.
func (sc *scanner) at() byte {
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

func (sc *scanner) atEOL() bool {
	return sc.i >= len(sc.s) || sc.s[sc.i] == '\n' || strings.HasPrefix(sc.s[sc.i:], "\r\n")
}

func (sc *scanner) skipBlank() {
	for sc.at() == ' ' || sc.at() == '\t' {
		sc.i++
	}
}

func (sc *scanner) skipComment() {
	for sc.i < len(sc.s) && sc.s[sc.i] != '\n' {
		sc.i++
	}
	if sc.i > 0 && sc.s[sc.i-1] == '\r' && sc.i < len(sc.s) {
		sc.i-- // "\r\n" ends the line
	}
}

// endLine reads what may follow a statement on its line (blanks and a
// comment) and the line's end, and answers the line the statement ended on.
func (sc *scanner) endLine() (int, error) {
	sc.skipBlank()
	if sc.at() == '#' {
		sc.skipComment()
	}
	last := sc.line
	switch {
	case sc.i >= len(sc.s):
	case sc.s[sc.i] == '\n':
		sc.i++
		sc.line++
	case strings.HasPrefix(sc.s[sc.i:], "\r\n"):
		sc.i += 2
		sc.line++
	default:
		return 0, fmt.Errorf("unexpected %q", sc.s[sc.i])
	}
	return last, nil
}

// header reads [a.b] or [[a.b]].
func (sc *scanner) header() (stmtKind, []string, error) {
	kind := header
	sc.i++
	if sc.at() == '[' {
		kind = arrayHeader
		sc.i++
	}
	key, err := sc.key()
	if err != nil {
		return 0, nil, err
	}
	sc.skipBlank()
	if !strings.HasPrefix(sc.s[sc.i:], "]") || kind == arrayHeader && !strings.HasPrefix(sc.s[sc.i:], "]]") {
		return 0, nil, fmt.Errorf("a table header that does not end")
	}
	sc.i += 1 + int(kind-header)
	return kind, key, nil
}

// keyValue reads key = value.
func (sc *scanner) keyValue() ([]string, error) {
	key, err := sc.key()
	if err != nil {
		return nil, err
	}
	sc.skipBlank()
	if sc.at() != '=' {
		return nil, fmt.Errorf("a key without '='")
	}
	sc.i++
	sc.skipBlank()
	if sc.atEOL() || sc.at() == '#' {
		return nil, fmt.Errorf("a key without a value")
	}
	return key, sc.value()
}

// key reads a dotted key: bare, "basic" and 'literal' parts.
func (sc *scanner) key() ([]string, error) {
	var parts []string
	for {
		sc.skipBlank()
		start := sc.i
		switch sc.at() {
		case '"', '\'':
			if strings.HasPrefix(sc.s[sc.i:], `"""`) || strings.HasPrefix(sc.s[sc.i:], `'''`) {
				return nil, fmt.Errorf("a key in a multi-line string")
			}
			if err := sc.str(); err != nil {
				return nil, err
			}
			part, err := unquote(sc.s[start:sc.i])
			if err != nil {
				return nil, err
			}
			parts = append(parts, part)
		default:
			for c := sc.at(); c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'; c = sc.at() {
				sc.i++
			}
			if sc.i == start {
				return nil, fmt.Errorf("a key expected")
			}
			parts = append(parts, sc.s[start:sc.i])
		}
		sc.skipBlank()
		if sc.at() != '.' {
			return parts, nil
		}
		sc.i++
	}
}

// unquote answers a quoted key's text, by the TOML library's own reading
// of a string.
func unquote(q string) (string, error) {
	if q[0] == '\'' {
		return q[1 : len(q)-1], nil
	}
	var v struct {
		K string `toml:"k"`
	}
	if _, err := toml.Decode("k = "+q, &v); err != nil {
		return "", fmt.Errorf("a key that is not a string: %s", q)
	}
	return v.K, nil
}

// value skips a value, across lines where brackets or a multi-line
// string are open, up to the end of its line or its comment.
func (sc *scanner) value() error {
	depth := 0
	for {
		if sc.i >= len(sc.s) {
			if depth > 0 {
				return fmt.Errorf("an array or table that does not end")
			}
			return nil
		}
		switch c := sc.s[sc.i]; c {
		case '"', '\'':
			if err := sc.str(); err != nil {
				return err
			}
			continue
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth < 0 {
				return fmt.Errorf("unexpected %q", c)
			}
		case '#':
			if depth == 0 {
				return nil
			}
			sc.skipComment()
			continue
		case '\r', '\n':
			if depth == 0 && sc.atEOL() {
				return nil
			}
			if c == '\n' {
				sc.line++
			}
		}
		sc.i++
	}
}

// str skips a string of any of TOML's four kinds.
func (sc *scanner) str() error {
	q := sc.s[sc.i]
	if strings.HasPrefix(sc.s[sc.i:], strings.Repeat(string(q), 3)) {
		sc.i += 3
		for sc.i < len(sc.s) {
			switch c := sc.s[sc.i]; {
			case c == '\\' && q == '"':
				sc.i++
				if sc.at() == '\n' {
					sc.line++
				}
				sc.i++
			case c == q:
				n := 0
				for sc.at() == q {
					sc.i++
					n++
				}
				if n >= 3 { // up to two quotes may end the text before the three
					return nil
				}
			default:
				if c == '\n' {
					sc.line++
				}
				sc.i++
			}
		}
		return fmt.Errorf("a multi-line string that does not end")
	}
	sc.i++
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case c == '\\' && q == '"':
			if sc.i++; sc.at() == '\n' {
				return fmt.Errorf("a string that does not end on its line")
			}
			sc.i++
		case c == q:
			sc.i++
			return nil
		case c == '\n':
			return fmt.Errorf("a string that does not end on its line")
		default:
			sc.i++
		}
	}
	return fmt.Errorf("a string that does not end")
}
