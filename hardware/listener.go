package hardware

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// Limits on what a client may make the broker hold before it has authenticated.
const (
	// MaxConnectSize is the largest CONNECT packet accepted, in bytes of remaining length
	// (MQTT 3.1.1 §2.2.3, MQTT 5 §2.1.4). A CONNECT holds a client id, credentials, a will
	// and properties: 64 KiB is far above any real device's.
	MaxConnectSize = 64 << 10
	// MaxPacketSize bounds every packet of an authenticated client, in bytes: a received
	// fax (DefaultMaxFaxInbox, 64 MiB) with room for its JSON envelope. mochi checks it
	// after reading the fixed header, before allocating the packet.
	MaxPacketSize = DefaultMaxFaxInbox + 16<<20
	// connectTimeout is how long a new connection may take to send its CONNECT; mochi
	// sets the keep-alive deadline only after it has read one.
	connectTimeout = 10 * time.Second
)

// connectLimit wraps a mochi listener (TCP or WebSocket) so that a first packet whose
// fixed header declares more than MaxConnectSize is refused before mochi reads it: mochi
// allocates a packet's whole declared remaining length in one make() before reading it,
// and Capabilities.MaximumPacketSize is one limit for every packet, which the fax inbox
// needs to be large. Without this, a client declaring 256 MiB and then stalling makes
// the broker hold 256 MiB before any password is checked.
type connectLimit struct {
	listeners.Listener
}

// Serve hands mochi each new connection wrapped, with a deadline for its CONNECT.
func (l connectLimit) Serve(establish listeners.EstablishFn) {
	l.Listener.Serve(func(id string, c net.Conn) error {
		_ = c.SetReadDeadline(time.Now().Add(connectTimeout))
		return establish(id, &connectLimitConn{Conn: c})
	})
}

var errConnectTooLarge = errors.New("MQTT CONNECT larger than allowed before authentication")

// connectLimitConn watches the bytes of the first fixed header as mochi reads them: the
// type byte and the variable-length remaining length (at most four bytes, MQTT 3.1.1
// §2.2.3). After that it passes reads straight through.
type connectLimitConn struct {
	net.Conn
	mu     sync.Mutex
	done   bool
	n      int // header bytes seen
	length int
	shift  uint
}

func (c *connectLimitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || n == 0 {
		return n, err
	}
	for _, by := range p[:n] {
		if c.n == 0 {
			c.n++
			continue // the packet type; mochi refuses anything but CONNECT itself
		}
		c.n++
		c.length += int(by&0x7f) << c.shift
		c.shift += 7
		if c.length > MaxConnectSize || (by&0x80 != 0 && c.n >= 5) {
			c.Conn.Close()
			return 0, errConnectTooLarge
		}
		if by&0x80 == 0 {
			c.done = true
			break
		}
	}
	return n, err
}

// DefaultMaxFaxInbox bounds one received fax on the wire (PDF plus previews, base64).
const DefaultMaxFaxInbox = 64 << 20
