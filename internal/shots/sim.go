//go:build ignore

// sim is the simulated BioT that packaging/screenshots.sh photographs the
// agent against: internal/biotsim over real HTTPS on 127.0.0.1, with a handle
// the script can turn, so the tray can be shown in every state.
//
//	go run internal/shots/sim.go -dir DIR
//
// It writes DIR/url (the BioT URL) and DIR/ca.pem (the certificate to trust,
// for SSL_CERT_FILE), then reads one command a line on stdin and answers
// "ok" (or "error: ...") on stdout after each:
//
//	down            BioT stops answering (the agent goes offline)
//	up              BioT answers again
//	revoke USER     BioT ends USER's sessions (the agent needs a sign-in)
//	sms USER        prints the last SMS code sent to USER, then "ok"
//
// It stops when stdin ends. The accounts are the demo's,
// demo@example.com and mfa@example.com (SMS), and qa@example.com, all with
// the password demo-password.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"biot-agent/internal/biotsim"
)

func main() {
	dir := flag.String("dir", "", "the folder to write url and ca.pem into")
	flag.Parse()
	if *dir == "" {
		log.Fatal("sim: -dir is required")
	}
	sim, err := biotsim.New(biotsim.Options{
		AccessTTL:  2 * time.Minute,
		RefreshTTL: 8 * time.Hour,
		Users: []biotsim.User{
			{Username: "demo@example.com", Password: "demo-password"},
			{Username: "qa@example.com", Password: "demo-password"},
			{Username: "mfa@example.com", Password: "demo-password", MFAPhone: "+15555550100"},
		},
	})
	if err != nil {
		log.Fatalf("sim: %v", err)
	}
	defer sim.Close()
	for name, b := range map[string][]byte{"url": []byte(sim.URL() + "\n"), "ca.pem": sim.CACertPEM()} {
		if err := os.WriteFile(filepath.Join(*dir, name), b, 0o644); err != nil {
			log.Fatalf("sim: %v", err)
		}
	}
	fmt.Println("ok")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 1 && f[0] == "down":
			sim.SetFault(biotsim.FaultDown)
		case len(f) == 1 && f[0] == "up":
			sim.SetFault(biotsim.FaultNone)
		case len(f) == 2 && f[0] == "revoke":
			sim.RevokeRefreshTokens(f[1])
		case len(f) == 2 && f[0] == "sms":
			fmt.Println(sim.LastSMSCode(f[1]))
		default:
			fmt.Printf("error: unknown command %q\n", sc.Text())
			continue
		}
		fmt.Println("ok")
	}
}
