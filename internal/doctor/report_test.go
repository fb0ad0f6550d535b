package doctor

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestTheTextHasOneLinePerCheck(t *testing.T) {
	p := newPerson(t)
	r := p.run(t, Options{})
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != len(order)+1 {
		t.Fatalf("%d lines for %d checks:\n%s", len(lines), len(order), b.String())
	}
	for i, ch := range order {
		f := r.Findings[i]
		if !strings.Contains(lines[i], ch.title) || !strings.Contains(lines[i], f.Message) {
			t.Errorf("line %d = %q, want the %s check's message", i, lines[i], ch.title)
		}
		if f.Fix != "" && !strings.Contains(lines[i], " Fix: "+f.Fix) {
			t.Errorf("line %d = %q, want its fix", i, lines[i])
		}
	}
	if want := "FAIL  agent"; !strings.HasPrefix(lines[0], want) {
		t.Errorf("first line %q, want it to start with %q", lines[0], want)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "biot-agent doctor: 2 checks failed, 2 warnings") {
		t.Errorf("summary %q", last)
	}
}

func TestTheJSONReadsBack(t *testing.T) {
	p := newPerson(t)
	r := p.run(t, Options{})
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("read back %+v, want %+v", back, r)
	}
	if back.OK || back.Findings[0].Check != CheckAgent || back.Findings[0].Level != Fail {
		t.Errorf("JSON says ok=%v, first %+v", back.OK, back.Findings[0])
	}
}
