package peercred

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
)

// tcpEstablished is TCP_ESTABLISHED as /proc/net/tcp writes it.
const tcpEstablished = "01"

// tcpOwner finds the socket whose local end is peer and remote end is us
// in the kernel's table of TCP sockets (/proc/net/tcp for IPv4, tcp6 for
// IPv6) and answers the user it belongs to. The table is of this process's
// network namespace, which a loopback peer shares.
func tcpOwner(peer, us *net.TCPAddr) (Cred, error) {
	table := "/proc/net/tcp"
	if peer.IP.To4() == nil {
		table = "/proc/net/tcp6"
	}
	f, err := os.Open(table)
	if err != nil {
		return Cred{}, err
	}
	defer f.Close()
	want := [2]string{procAddr(peer), procAddr(us)}
	sc := bufio.NewScanner(f)
	sc.Scan() // the heading
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
		// Only an established socket counts: one in TIME_WAIT, of an
		// earlier connection between the same ports, belongs to nobody.
		fields := bytes.Fields(sc.Bytes())
		if len(fields) < 8 || string(fields[1]) != want[0] || string(fields[2]) != want[1] || string(fields[3]) != tcpEstablished {
			continue
		}
		uid, err := strconv.Atoi(string(fields[7]))
		if err != nil {
			return Cred{}, fmt.Errorf("%s: uid %q: %w", table, fields[7], err)
		}
		return Cred{UID: uid}, nil
	}
	if err := sc.Err(); err != nil {
		return Cred{}, fmt.Errorf("%s: %w", table, err)
	}
	return Cred{}, errors.New("the peer's socket is not in " + table + " (it has closed)")
}

// procAddr writes a as /proc/net/tcp does: the address as the kernel holds
// it (network order) printed as native-endian 32-bit words in hex, a colon,
// the port in hex.
func procAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		ip = a.IP.To16()
	}
	var b []byte
	for i := 0; i < len(ip); i += 4 {
		w := binary.NativeEndian.Uint32(ip[i : i+4])
		var word [4]byte
		binary.BigEndian.PutUint32(word[:], w)
		b = append(b, word[:]...)
	}
	return fmt.Sprintf("%s:%04X", bytes.ToUpper([]byte(hex.EncodeToString(b))), a.Port)
}
