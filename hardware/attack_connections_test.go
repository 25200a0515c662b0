package hardware_test

import (
	"io"
	"net"
	"testing"
	"time"

	"crisisroom/connbound"
	"crisisroom/testkit"
)

// The broker shares the appliance's open files: one address may hold at most its bound
// of connections (here 5) on the MQTT port, even ones that never send a CONNECT; one
// more is closed at once, while a device at another address is still let in.
func TestAttackMQTTConnectionsBoundedPerAddress(t *testing.T) {
	t.Setenv(connbound.EnvPerAddress, "5")
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	dial := func(src string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", s.MQTTAddr)
		if err != nil {
			t.Fatalf("dial from %s: %v", src, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closed tells whether the broker closed c without a byte within half a second.
	closed := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		var b [1]byte
		_, err := c.Read(b[:])
		return err == io.EOF
	}
	for range 5 {
		dial("127.0.0.1")
	}
	testkit.Eventually(t, 5*time.Second, "a sixth connection from one address closed at once", func() bool { return closed(dial("127.0.0.1")) })
	if closed(dial("127.0.0.2")) {
		t.Fatal("a connection from another address was closed")
	}
}
