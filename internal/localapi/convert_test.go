package localapi

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/ipc"
)

// constsOf reads, from the source of the package in dir, the string
// constants declared with the type named typ: every one there is, not a
// list a test keeps by hand.
func constsOf(t *testing.T, dir, typ string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typ {
					continue
				}
				for i, n := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s %s is not a string literal", typ, n.Name)
					}
					v, _ := strconv.Unquote(lit.Value)
					out[n.Name] = v
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no constants of type %s in %s", typ, dir)
	}
	return out
}

// documentedCodes reads the error table of ipc's package documentation:
// each code with its HTTP status.
func documentedCodes(t *testing.T) map[ipc.Code]int {
	t.Helper()
	b, err := os.ReadFile("../../ipc/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[ipc.Code]int{}
	for _, m := range regexp.MustCompile(`(?m)^//\t([a-z_]+) +(\d{3})  `).FindAllStringSubmatch(string(b), -1) {
		status, _ := strconv.Atoi(m[2])
		out[ipc.Code(m[1])] = status
	}
	if len(out) < 10 {
		t.Fatalf("found only %d codes in ipc's error table: %v", len(out), out)
	}
	return out
}

func TestEveryKindHasADocumentedCode(t *testing.T) {
	documented := documentedCodes(t)
	for name, v := range constsOf(t, "../../agent", "Kind") {
		code, ok := kindCode[agent.Kind(v)]
		if !ok {
			t.Errorf("agent.%s (%q) has no ipc code: it would be answered as internal", name, v)
			continue
		}
		if _, ok := documented[code]; !ok {
			t.Errorf("agent.%s maps to %q, which ipc's error table does not list", name, code)
		}
		if code == ipc.CodeInternal {
			t.Errorf("agent.%s maps to internal", name)
		}
		err := apiError(fmt.Errorf("wrapped: %w", &agent.Error{Kind: agent.Kind(v), Message: "words", MinutesLeft: 3}))
		ie, ok := err.(*ipc.Error)
		if !ok || ie.Code != code || ie.Message != "words" || ie.MinutesLeft != 3 {
			t.Errorf("apiError of agent.%s = %#v, want *ipc.Error %s with its message and minutes", name, err, code)
		}
	}
	for _, err := range []error{os.ErrClosed, &agent.Error{Kind: "no_such_kind", Message: "x"}} {
		if got := apiError(err); got != err {
			t.Errorf("apiError(%v) = %v, want it unchanged (the server answers it as internal)", err, got)
		}
	}
	if apiError(nil) != nil {
		t.Error("apiError(nil) is not nil")
	}
}

func TestEveryStateIsAnIPCState(t *testing.T) {
	wire := map[ipc.State]bool{}
	for _, v := range constsOf(t, "../../ipc", "State") {
		wire[ipc.State(v)] = true
	}
	for name, v := range constsOf(t, "../../agent", "State") {
		if st := status(agent.Status{State: agent.State(v)}).State; !wire[st] {
			t.Errorf("agent.%s becomes %q, which is none of ipc's states", name, st)
		}
	}
}

// A status keeps every field on its way to the socket and back: filled in
// full on the agent's side, converted, sent as JSON and read again, it
// holds the same values under the same field names.
func TestStatusRoundTrip(t *testing.T) {
	var st agent.Status
	n := 0
	fill(reflect.ValueOf(&st).Elem(), &n)

	ev := ipc.Event{Seq: 7, Status: status(st)}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back ipc.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Seq != 7 {
		t.Errorf("seq %d, want 7", back.Seq)
	}
	same(t, "Status", reflect.ValueOf(st), reflect.ValueOf(back.Status))

	// The copy shares nothing the agent could change under it.
	got := status(st)
	st.LastRefresh.Error = "changed"
	if got.LastRefresh.Error == "changed" {
		t.Error("the converted status shares LastRefresh with the agent's")
	}
}

var timeType = reflect.TypeFor[time.Time]()

// fill sets every field of v, at any depth, to a value of its own that is
// not the zero value.
func fill(v reflect.Value, n *int) {
	*n++
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 11, 28, 9, 30, *n, *n*1000, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("value %d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		v.SetUint(uint64(*n))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	default:
		panic("fill: add a case for " + v.Type().String())
	}
}

// same fails the test unless want (the agent's) and got (ipc's) hold the
// same fields by name, at any depth, with equal values.
func same(t *testing.T, path string, want, got reflect.Value) {
	t.Helper()
	if want.Kind() == reflect.Pointer {
		if got.Kind() != reflect.Pointer || want.IsNil() != got.IsNil() {
			t.Errorf("%s: %v on the agent's side, %v on the wire", path, want, got)
			return
		}
		if !want.IsNil() {
			same(t, path, want.Elem(), got.Elem())
		}
		return
	}
	if want.Type() == timeType {
		if !want.Interface().(time.Time).Equal(got.Interface().(time.Time)) {
			t.Errorf("%s: %v on the agent's side, %v on the wire", path, want, got)
		}
		return
	}
	if want.Kind() == reflect.Struct {
		if got.Kind() != reflect.Struct || want.NumField() != got.NumField() {
			t.Errorf("%s: %s has %d fields, %s has %d", path, want.Type(), want.NumField(), got.Type(), got.NumField())
			return
		}
		for i := range want.NumField() {
			name := want.Type().Field(i).Name
			g := got.FieldByName(name)
			if !g.IsValid() {
				t.Errorf("%s.%s is missing on the wire (%s)", path, name, got.Type())
				continue
			}
			same(t, path+"."+name, want.Field(i), g)
		}
		return
	}
	if want.Kind() != got.Kind() || fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("%s: %v on the agent's side, %v on the wire", path, want, got)
	}
}

// The agent's types are plain Go: the wire's names and omitempty rules are
// ipc's alone, so no tag on the agent's side can drift from them.
func TestAgentTypesCarryNoJSONTags(t *testing.T) {
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == timeType || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			if tag, ok := f.Tag.Lookup("json"); ok {
				t.Errorf("%s.%s has the JSON tag %q", typ, f.Name, tag)
			}
			walk(f.Type)
		}
	}
	for _, v := range []any{agent.Token{}, agent.Event{}, agent.Status{}, agent.Error{}} {
		walk(reflect.TypeOf(v))
	}
}
