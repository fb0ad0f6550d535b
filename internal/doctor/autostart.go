package doctor

import (
	"context"
	"fmt"
	"strings"

	"biot-agent/internal/autostart"
)

// checkAutostart says whether and how the agent starts at login.
func checkAutostart(ctx context.Context) Finding {
	f := Finding{Check: CheckAutostart}
	st, err := withTimeout(ctx, stepTimeout, func(context.Context) (autostart.State, error) {
		return autostart.Status()
	})
	if err != nil {
		f.Level, f.Message = Fail, fmt.Sprintf("cannot tell: %v.", err)
		f.Fix = "check the permissions of your config folder"
		return f
	}
	act := st.Active()
	if len(act) == 0 {
		f.Level, f.Message = Warn, "off: the agent does not start at login."
		f.Fix = "biot-agent autostart enable"
		return f
	}
	f.Detail = map[string]string{"mechanism": string(st.Mechanism), "path": act[0].Path}
	f.Level, f.Message = OK, st.String()+"."
	var problems []string
	for _, e := range act {
		if e.Problem != "" {
			problems = append(problems, e.Path+": "+e.Problem)
		}
	}
	switch {
	case len(problems) > 0:
		f.Level = Fail
		f.Message += " But " + strings.Join(problems, "; ") + "."
		f.Fix = "biot-agent autostart enable, run from the installed program"
	case len(act) > 1:
		f.Level = Warn
		f.Message += " Two mechanisms start the agent; the second start finds the first running and gives up."
		f.Fix = "keep one: biot-agent autostart enable [--systemd] turns the other off"
	}
	return f
}
