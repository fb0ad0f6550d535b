package config

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// SetServiceUser makes the environment name in the config file at path a
// service environment that signs in as the service user id (a UUID): it
// adds the line
//
//	service_user_id = "ID"
//
// after the last key of its table [environments.NAME], and changes
// nothing else. An environment the file does not have is added first, at
// url, as [Add] does, in the same write; with url "" it is an
// *UnknownEnvironmentError. An environment that signs in as id already is
// left as it is (Change.Path is then ""); one at another URL than a url
// given, or with another service_user_id, is refused. The result must
// parse to the file's config with that change and nothing else, or
// SetServiceUser refuses and leaves the file as it was.
func SetServiceUser(path, name, url, id string) (Change, error) {
	if err := CheckName(name); err != nil {
		return Change{}, err
	}
	if !IsUUID(id) {
		return Change{}, fmt.Errorf("%.60q is not a service user's id: a UUID such as 2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b", id)
	}
	id = strings.ToLower(id)
	if url != "" {
		u, err := CheckURL(url)
		if err != nil {
			return Change{}, fmt.Errorf("url: %w", err)
		}
		url = u
	}
	cfg, err := Load(path)
	if err != nil {
		return Change{}, err
	}
	if e, ok := cfg.Environments[name]; ok {
		if url != "" && e.URL != url {
			return Change{}, fmt.Errorf("config %s: the environment %s is at %s, not %s; pick another name", path, name, e.URL, url)
		}
		if e.ServiceUserID == id {
			return Change{Environment: e}, nil
		}
	}
	return edit(path, func(text []byte) ([]byte, Change, error) {
		var c Change
		if _, ok := cfg.Environments[name]; !ok {
			if url == "" {
				return nil, Change{}, &UnknownEnvironmentError{Name: name, Known: cfg.Names()}
			}
			var err error
			if text, c, err = addText(path, text, name, url); err != nil {
				return nil, Change{}, err
			}
		}
		out, e, err := serviceText(path, text, name, id)
		if err != nil {
			return nil, Change{}, err
		}
		c.Environment = e
		return out, c, nil
	})
}

// serviceText adds service_user_id = "id" to the table of env in text;
// name is used in errors.
func serviceText(name string, text []byte, env, id string) ([]byte, Environment, error) {
	old, err := Parse(name, text)
	if err != nil {
		return nil, Environment{}, err
	}
	e, ok := old.Environments[env]
	switch {
	case !ok:
		return nil, Environment{}, &UnknownEnvironmentError{Name: env, Known: old.Names()}
	case e.ServiceUserID != "":
		return nil, Environment{}, fmt.Errorf("config %s: the environment %s signs in as service user %s already; to change it, edit service_user_id by hand", name, env, e.ServiceUserID)
	}
	bom, lines, stmts, err := split(name, text)
	if err != nil {
		return nil, Environment{}, err
	}
	h := tableOf(stmts, env)
	if h < 0 {
		return nil, Environment{}, fmt.Errorf("config %s: the environment %q is not written as a table of its own, [environments.%s]; add service_user_id = %q to it by hand", name, env, env, id)
	}
	last := h
	for j := h + 1; j < len(stmts) && stmts[j].kind != header && stmts[j].kind != arrayHeader; j++ {
		if stmts[j].kind == keyValue {
			last = j
		}
	}
	nl := newline(text)
	at := stmts[last].last
	if !strings.HasSuffix(lines[at], "\n") {
		lines[at] += nl
	}
	lines[at] += idLine(id, nl)
	out := []byte(bom + strings.Join(lines, ""))

	e.ServiceUserID = id
	want := old.clone()
	want.Environments[env] = e
	if err := says(name, out, want); err != nil {
		return nil, Environment{}, err
	}
	return out, e, nil
}

// idLine is service_user_id = "..." as TOML writes a string.
func idLine(id, nl string) string {
	var b bytes.Buffer
	_ = toml.NewEncoder(&b).Encode(struct {
		ID string `toml:"service_user_id"`
	}{id}) // a struct of a string always encodes
	return strings.TrimSuffix(b.String(), "\n") + nl
}
