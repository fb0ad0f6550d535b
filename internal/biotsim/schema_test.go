package biotsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// specEnv names the variable that holds the path of BioT's UMS OpenAPI spec
// 2.4.2 (biot-med/biot-openapi, 2.4.2/ums/spec.json). The spec is BioT's
// file and this repository carries no copy, so checking the simulator
// against it is opt-in: with the variable set, every answer a test gets
// through do is checked against the spec, and the conformance tests run;
// unset, those tests skip and the others check what needs no spec.
const specEnv = "BIOT_UMS_SPEC"

// This file is a small JSON-schema checker, enough for the parts of
// OpenAPI 3 the UMS spec uses: $ref, type, required, properties,
// additionalProperties, items, uniqueItems, enum, min/maxLength,
// minimum/maximum, and the formats date-time, uuid and int32.
//
// It is stricter than JSON Schema in two ways, both on purpose: a property
// the schema does not name is an error unless the schema has
// additionalProperties (a misspelt "refreshJWT" must not pass), and a
// date-time must be BioT's form, UTC with three fraction digits. It is
// looser in one, which the spec's prose demands: LoginResponse.refreshJwt
// may be null ("the refreshJwt field will be null").

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Required             []string           `json:"required"`
	Properties           map[string]*schema `json:"properties"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	UniqueItems          bool               `json:"uniqueItems"`
	Enum                 []any              `json:"enum"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	Nullable             bool               `json:"nullable"`
}

type mediaType struct {
	Schema *schema `json:"schema"`
}

type operation struct {
	Responses map[string]struct {
		Content map[string]mediaType `json:"content"`
	} `json:"responses"`
	Security []map[string][]string `json:"security"`
}

type openAPI struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

// nullableByProse are the properties the spec's descriptions say may be
// null although their schema does not.
var nullableByProse = map[string]bool{"LoginResponse.refreshJwt": true}

var (
	biotTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	traceRE  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// readSpec reads the spec BIOT_UMS_SPEC names, once for all tests; nil
// and no error when the variable is unset.
var readSpec = sync.OnceValues(func() (*openAPI, error) {
	path := os.Getenv(specEnv)
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		if !filepath.IsAbs(path) {
			err = fmt.Errorf("%w (a relative path is read from the package's folder, where go test runs)", err)
		}
		return nil, fmt.Errorf("%s: %w", specEnv, err)
	}
	var sp openAPI
	if err := json.Unmarshal(raw, &sp); err != nil {
		return nil, fmt.Errorf("%s=%s: not an OpenAPI document: %w", specEnv, path, err)
	}
	if sp.Paths["/v2/users/login"] == nil || sp.Components.Schemas["LoginResponse"] == nil {
		return nil, fmt.Errorf("%s=%s: not BioT's UMS spec (no /v2/users/login, no LoginResponse)", specEnv, path)
	}
	return &sp, nil
})

// optionalSpec returns the spec, or nil when BIOT_UMS_SPEC is unset. A
// spec named but not readable fails the test: whoever set the variable
// wants the check.
func optionalSpec(t *testing.T) *openAPI {
	t.Helper()
	sp, err := readSpec()
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// requireSpec returns the spec, or skips the test when BIOT_UMS_SPEC is
// unset, saying how to run it.
func requireSpec(t *testing.T) *openAPI {
	t.Helper()
	sp := optionalSpec(t)
	if sp == nil {
		t.Skipf("%s is unset: set it to the path of BioT's UMS OpenAPI spec 2.4.2 "+
			"(biot-med/biot-openapi, 2.4.2/ums/spec.json) to check the simulator against it", specEnv)
	}
	return sp
}

// validate checks a JSON document against the named component schema and
// lists what is wrong.
func (sp *openAPI) validate(doc []byte, name string) []string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var errs []string
	sp.check(v, &schema{Ref: "#/components/schemas/" + name}, "$", &errs)
	return errs
}

func (sp *openAPI) check(v any, s *schema, where string, errs *[]string) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, where+": "+fmt.Sprintf(format, args...))
	}
	if s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		target := sp.Components.Schemas[name]
		if !ok || target == nil {
			fail("unresolvable $ref %s", s.Ref)
			return
		}
		// Name the place after the schema, so nullableByProse can say
		// "LoginResponse.refreshJwt".
		sp.check(v, target, name, errs)
		return
	}
	if v == nil {
		if !s.Nullable {
			fail("null where %s is expected", orAny(s.Type))
		}
		return
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		fail("%v is not one of %v", v, s.Enum)
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("want object, got %T", v)
			return
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				fail("required property %q missing", r)
			}
		}
		for k, pv := range m {
			ps, ok := s.Properties[k]
			if !ok {
				if len(s.AdditionalProperties) == 0 || string(s.AdditionalProperties) == "false" {
					fail("property %q is not in the schema", k)
				}
				continue
			}
			if pv == nil && nullableByProse[where+"."+k] {
				continue
			}
			sp.check(pv, ps, where+"."+k, errs)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			fail("want array, got %T", v)
			return
		}
		seen := map[string]bool{}
		for i, item := range a {
			if s.UniqueItems {
				key, _ := json.Marshal(item)
				if seen[string(key)] {
					fail("item %d repeats (uniqueItems)", i)
				}
				seen[string(key)] = true
			}
			if s.Items != nil {
				sp.check(item, s.Items, fmt.Sprintf("%s[%d]", where, i), errs)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want string, got %T", v)
			return
		}
		n := len([]rune(str))
		if s.MinLength != nil && n < *s.MinLength {
			fail("%d characters, fewer than %d", n, *s.MinLength)
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			fail("%d characters, more than %d", n, *s.MaxLength)
		}
		switch s.Format {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				fail("%q is not an RFC 3339 date-time", str)
			} else if !biotTime.MatchString(str) {
				fail("%q is not BioT's UTC-with-milliseconds form", str)
			}
		case "uuid":
			if !uuidRE.MatchString(str) {
				fail("%q is not a uuid", str)
			}
		}
	case "integer", "number":
		num, ok := v.(json.Number)
		if !ok {
			fail("want %s, got %T", s.Type, v)
			return
		}
		f, err := num.Float64()
		if err != nil {
			fail("%s is not a number", num)
			return
		}
		if s.Type == "integer" && f != math.Trunc(f) {
			fail("%s is not an integer", num)
		}
		if s.Format == "int32" && (f < math.MinInt32 || f > math.MaxInt32) {
			fail("%s overflows int32", num)
		}
		if s.Minimum != nil && f < *s.Minimum {
			fail("%s is below %v", num, *s.Minimum)
		}
		if s.Maximum != nil && f > *s.Maximum {
			fail("%s is above %v", num, *s.Maximum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("want boolean, got %T", v)
		}
	}
}

func orAny(t string) string {
	if t == "" {
		return "a value"
	}
	return t
}

// findPath finds the spec's path item for a request path under /ums,
// matching templates such as /v2/users/{id}.
func (sp *openAPI) findPath(path string) (string, map[string]json.RawMessage) {
	rel, ok := strings.CutPrefix(path, "/ums")
	if !ok {
		return "", nil
	}
	if item, ok := sp.Paths[rel]; ok {
		return rel, item
	}
	got := strings.Split(rel, "/")
	for tmpl, item := range sp.Paths {
		want := strings.Split(tmpl, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			if want[i] != got[i] && !(strings.HasPrefix(want[i], "{") && got[i] != "") {
				match = false
				break
			}
		}
		if match {
			return tmpl, item
		}
	}
	return "", nil
}

// checkAnswer checks what every answer of the simulator has, spec or no
// spec: a Date header, and on an error status BioT's error body as
// application/json with serviceName "ums", environment "simulator", a
// 16-hex traceId and an object in details.
func checkAnswer(t *testing.T, method, path string, r reply) {
	t.Helper()
	if _, err := http.ParseTime(r.Header.Get("Date")); err != nil {
		t.Errorf("%s %s: answer %d has no valid Date header (%q)", method, path, r.Status, r.Header.Get("Date"))
	}
	if r.Status >= 400 {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: answer %d has Content-Type %q, want application/json", method, path, r.Status, ct)
		}
		checkErrorBody(t, r)
	}
}

// conforms checks one real answer of the simulator against the spec:
//   - its status is one the spec lists for the path and method, or one of
//     the documented extras: 401 TOKEN_NOT_VALID on an operation secured by
//     bearerAuth, 403 LOGIN_FAILED on /login/mfa (a wrong code), 404 for a
//     path the spec does not have or the simulator does not implement, 405
//     for a method the path does not have or the simulator does not serve;
//   - its body matches the schema the spec names for that status (extras:
//     ErrorResponse), as application/json, or is empty when the spec names
//     none.
func (sp *openAPI) conforms(t *testing.T, method, path string, r reply) {
	t.Helper()
	want := sp.expectedSchema(t, method, path, r)
	if want == "" {
		if len(r.Body) != 0 {
			t.Errorf("%s %s: answer %d should have no body, has %q", method, path, r.Status, r.Body)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && r.Status < 400 { // errors: checkAnswer
		t.Errorf("%s %s: answer %d has Content-Type %q, want application/json", method, path, r.Status, ct)
	}
	for _, e := range sp.validate(r.Body, want) {
		t.Errorf("%s %s: answer %d against %s: %s\nbody: %s", method, path, r.Status, want, e, r.Body)
	}
}

// expectedSchema says which component schema the answer must match ("" for
// none), failing the test when the status is neither in the spec nor a
// documented extra.
func (sp *openAPI) expectedSchema(t *testing.T, method, path string, r reply) string {
	t.Helper()
	tmpl, item := sp.findPath(path)
	_, implemented := routes[path]
	if item == nil || !implemented {
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s: the simulator does not serve this path, yet answered %d", method, path, r.Status)
		}
		return "ErrorResponse"
	}
	rawOp, ok := item[strings.ToLower(method)]
	if !ok || routes[path].method != method {
		if r.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: the spec has no such operation, yet the answer is %d", method, path, r.Status)
		}
		return "ErrorResponse"
	}
	var op operation
	if err := json.Unmarshal(rawOp, &op); err != nil {
		t.Fatalf("spec operation %s %s: %v", method, tmpl, err)
	}
	resp, listed := op.Responses[fmt.Sprint(r.Status)]
	if !listed {
		bearer := slices.ContainsFunc(op.Security, func(m map[string][]string) bool { _, ok := m["bearerAuth"]; return ok })
		switch {
		case r.Status == http.StatusUnauthorized && bearer:
		case r.Status == http.StatusForbidden && tmpl == "/v2/users/login/mfa":
		default:
			t.Errorf("%s %s: status %d is not in the spec (%v) nor a documented extra", method, path, r.Status, slices.Sorted(maps.Keys(op.Responses)))
		}
		return "ErrorResponse"
	}
	mt, ok := resp.Content["application/json"]
	if !ok || mt.Schema == nil {
		return ""
	}
	name, _ := strings.CutPrefix(mt.Schema.Ref, "#/components/schemas/")
	return name
}

func checkErrorBody(t *testing.T, r reply) {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("error body is not JSON: %q", r.Body)
		return
	}
	for _, k := range []string{"code", "message", "serviceName", "traceId", "environment", "details"} {
		if _, ok := e[k]; !ok {
			t.Errorf("error body lacks %q: %s", k, r.Body)
		}
	}
	if e["serviceName"] != "ums" || e["environment"] != "simulator" {
		t.Errorf("error body: serviceName %v, environment %v: %s", e["serviceName"], e["environment"], r.Body)
	}
	if tr, _ := e["traceId"].(string); !traceRE.MatchString(tr) {
		t.Errorf("error body: traceId %q is not 16 hex digits", tr)
	}
	if _, ok := e["details"].(map[string]any); !ok {
		t.Errorf("error body: details is not an object: %s", r.Body)
	}
}
