//go:build !(linux || freebsd || openbsd || netbsd)

package notify

func newPlatform(opts Options) Notifier { return newBeeep(opts) }
