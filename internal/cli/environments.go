package cli

import (
	"errors"

	"biot-agent/internal/config"
)

// fileURL is the URL of the environment config.Resolve picks from the
// config file (name, else $BIOT_ENV, else the default), "" when the file
// has none.
func fileURL(cfg config.Config, name string) (string, error) {
	e, err := cfg.Resolve(name)
	var none *config.NoEnvironmentError
	if errors.As(err, &none) && len(none.Known) == 0 {
		return "", nil
	}
	return e.URL, err
}
