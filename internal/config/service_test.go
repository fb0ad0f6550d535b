package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const svcID = "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b"

func TestSetServiceUser(t *testing.T) {
	tests := []struct {
		name, text, env, url string
		want                 string
	}{
		{"after the table's last key, before its comment", issueExample, "dev-qa", "",
			strings.Replace(issueExample, "url = \"https://api.dev.acme.biot-med.com\"\n# read_only",
				"url = \"https://api.dev.acme.biot-med.com\"\nservice_user_id = \""+svcID+"\"\n# read_only", 1)},
		{"the last table, with no newline at the end", "[environments.ci]\nurl = \"" + devURL + "\"", "ci", "",
			"[environments.ci]\nurl = \"" + devURL + "\"\nservice_user_id = \"" + svcID + "\"\n"},
		{"a new environment, in one write", "# mine\n", "ci", devURL,
			"# mine\n\n[environments.ci]\nurl = \"" + devURL + "\"\nservice_user_id = \"" + svcID + "\"\n"},
		{"CRLF stays CRLF", "[environments.ci]\r\nurl = \"" + devURL + "\"\r\n", "ci", "",
			"[environments.ci]\r\nurl = \"" + devURL + "\"\r\nservice_user_id = \"" + svcID + "\"\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := SetServiceUser(path, tt.env, tt.url, strings.ToUpper(svcID))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.want {
				t.Errorf("the file reads\n%s\nwant\n%s", got, tt.want)
			}
			if c.Environment.ServiceUserID != svcID || c.Path != path {
				t.Errorf("change %+v, want service user %s written to %s", c, svcID, path)
			}
		})
	}
}

func TestSetServiceUserRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	text := "[environments.ci]\nurl = \"" + devURL + "\"\nservice_user_id = \"" + svcID + "\"\n\n[environments.dev]\nurl = \"" + devURL + "\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// The same service user: nothing to write.
	c, err := SetServiceUser(path, "ci", devURL, svcID)
	if err != nil || c.Path != "" {
		t.Errorf("the same service user again: %+v, %v; want no write", c, err)
	}
	other := "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	for _, tc := range []struct{ what, env, url, id, says string }{
		{"another service user", "ci", "", other, "edit service_user_id by hand"},
		{"another URL", "dev", prodURL, other, "pick another name"},
		{"no UUID", "dev", "", "not-a-uuid", "UUID"},
		{"a new environment without a URL", "qa", "", other, "unknown environment"},
	} {
		_, err := SetServiceUser(path, tc.env, tc.url, tc.id)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want an error saying %q", tc.what, err, tc.says)
		}
		if tc.what == "a new environment without a URL" && !errors.Is(err, ErrUnknownEnvironment) {
			t.Errorf("%s: %v is no ErrUnknownEnvironment", tc.what, err)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != text {
		t.Errorf("a refused edit changed the file:\n%s", got)
	}
}
