// Command gofloor is the floor biot-agent's process costs are compared
// with: a Go program that does nothing, or nothing but answer on a socket.
//
//	gofloor exit          start and exit: the cost of starting a Go process
//	gofloor listen PATH   hold a Unix socket listener until killed, and
//	                      answer each line read with a fixed 1 KB token and
//	                      a newline: the memory and wake-ups of an idle Go
//	                      server, and the floor of a Go server's answer on a
//	                      socket, no HTTP
package main

import (
	"bufio"
	"bytes"
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
		go serve(l)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		<-stop
		l.Close()
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}

// serve answers every line with the token, one goroutine a connection.
func serve(l net.Listener) {
	answer := append(bytes.Repeat([]byte("x"), 1024), '\n')
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				if _, err := r.ReadSlice('\n'); err != nil {
					return
				}
				if _, err := c.Write(answer); err != nil {
					return
				}
			}
		}()
	}
}
