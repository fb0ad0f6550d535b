// Command gofloor is the floor biot-agent's process costs are compared
// with: a Go program that does nothing.
//
//	gofloor exit          start and exit: the cost of starting a Go process
//	gofloor listen PATH   hold a Unix socket listener until killed: the
//	                      memory and wake-ups of an idle Go server
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

const usage = "usage: gofloor exit | gofloor listen PATH"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "exit":
	case "listen":
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		l, err := net.Listen("unix", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "gofloor:", err)
			os.Exit(1)
		}
		// Serve like an agent would, so a stray connection is answered;
		// none comes while it is measured.
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		<-stop
		l.Close()
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}
